// Proxied produce and consume throughput with ACL enforcement on versus off: two `serve` processes
// in front of the same mock cluster, one without an acl section and one with 10,000 ACLs (the
// client allowed by a few of them, the rest for other principals and topics), measured in
// alternating rounds. Writes the "## ACLs on vs off" section of bench/BENCHMARKS.md.
//
//   npm run bench -- acl-throughput            (ROUNDS=5 MESSAGES=200000 by default)
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MockCluster } from '../src/demo/mock-cluster.js';
import { writeAclFile } from '../src/acl/store.js';
import { Operation, PatternType, Permission, ResourceType, type AclBinding } from '../src/acl/model.js';
import { run, runProduce, median, startProxy, writeSection, measuredOn } from './common.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const MESSAGES = Number(process.env.MESSAGES ?? 200_000);
const CONSUME_MESSAGES = Number(process.env.CONSUME_MESSAGES ?? 100_000);
const OTHER_ACLS = 10_000;
const PARTITIONS = 12;

function aclFile(): string {
  const acls: AclBinding[] = [];
  const allow = (
    resourceType: AclBinding['resourceType'],
    resourceName: string,
    operation: AclBinding['operation'],
    patternType: AclBinding['patternType'] = PatternType.LITERAL,
  ): AclBinding => ({
    resourceType,
    resourceName,
    patternType,
    principal: 'User:ANONYMOUS',
    host: '*',
    operation,
    permission: Permission.ALLOW,
  });
  // What the load driver needs: write and read the bench topics (by prefix), its consumer group.
  acls.push(allow(ResourceType.TOPIC, 'bench', Operation.WRITE, PatternType.PREFIXED));
  acls.push(allow(ResourceType.TOPIC, 'bench', Operation.READ, PatternType.PREFIXED));
  acls.push(allow(ResourceType.GROUP, 'warden-bench', Operation.READ));
  for (let i = 0; i < OTHER_ACLS; i++) {
    acls.push({
      ...allow(
        ResourceType.TOPIC,
        `team-${i % 500}-topic-${i}`,
        i % 2 ? Operation.READ : Operation.WRITE,
        i % 5 === 0 ? PatternType.PREFIXED : PatternType.LITERAL,
      ),
      principal: `User:app-${i % 1000}`,
    });
  }
  const file = join(mkdtempSync(join(tmpdir(), 'warden-acl-bench-')), 'acls.yaml');
  writeAclFile(file, acls);
  return file;
}

async function main() {
  const cluster = await MockCluster.start({ brokers: 3, topics: { bench: PARTITIONS, 'bench-cons': 48 } });
  for (let p = 0; p < PARTITIONS; p++) await cluster.command(`leader bench ${p} ${(p % 3) + 1}`);
  const file = aclFile();
  const off = await startProxy(cluster.brokers);
  const on = await startProxy(cluster.brokers, { extraConfig: ['acl:', `  file: ${file}`] });
  await run([
    'produce',
    '--brokers',
    cluster.bootstrap,
    '--topic',
    'bench-cons',
    '--size',
    '1024',
    '--count',
    String(CONSUME_MESSAGES),
  ]);
  const targets: Array<[string, string]> = [
    ['off', off.addr],
    ['on', on.addr],
  ];
  const produce: Record<string, number[]> = { off: [], on: [] };
  const consume: Record<string, number[]> = { off: [], on: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, addr] of round % 2 === 0 ? targets : [...targets].reverse()) {
      const pr = await runProduce(addr, MESSAGES);
      if ((pr.errors ?? 0) > 0) throw new Error(`produce through ACLs ${name} had ${pr.errors} errors`);
      produce[name]!.push(pr.msgsPerSec!);
      const cr = await run([
        'consume',
        '--brokers',
        addr,
        '--topic',
        'bench-cons',
        '--count',
        String(CONSUME_MESSAGES),
      ]);
      consume[name]!.push(cr.msgsPerSec!);
      process.stderr.write(
        `round ${round + 1}/${ROUNDS} ACLs ${name}: produce ${Math.round(pr.msgsPerSec!)} msg/s, consume ${Math.round(cr.msgsPerSec!)} msg/s\n`,
      );
    }
  }
  await off.stop();
  await on.stop();
  await cluster.stop();
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const section = [
    '## ACLs on vs off',
    '',
    measuredOn(),
    `Command: \`ROUNDS=${ROUNDS} MESSAGES=${MESSAGES} CONSUME_MESSAGES=${CONSUME_MESSAGES} npm run bench -- acl-throughput\``,
    '',
    `Two proxies (PLAINTEXT, pooled) in front of the same mock cluster: one without an acl section, one with ${(OTHER_ACLS + 3).toLocaleString('en-US')} ACLs`,
    `of which 3 allow the client (User:ANONYMOUS): WRITE and READ on topics prefixed \`bench\`, READ on its group. Every Produce and Fetch`,
    `is checked per topic; decisions come from the LRU cache after the first. Rounds alternate the order; medians over ${ROUNDS} rounds.`,
    '',
    '| measure | ACLs off | ACLs on | on vs off |',
    '|---|---|---|---|',
    `| produce 1 KiB, acks=1 (msg/s) | ${fmt(median(produce.off!))} | ${fmt(median(produce.on!))} | ${(median(produce.on!) / median(produce.off!)).toFixed(3)}x |`,
    `| consume 1 KiB (msg/s) | ${fmt(median(consume.off!))} | ${fmt(median(consume.on!))} | ${(median(consume.on!) / median(consume.off!)).toFixed(3)}x |`,
    '',
    `Per round (off / on): produce ${produce.off!.map(fmt).join(', ')} / ${produce.on!.map(fmt).join(', ')}; consume ${consume.off!.map(fmt).join(', ')} / ${consume.on!.map(fmt).join(', ')}.`,
    '',
  ].join('\n');
  writeSection('## ACLs on vs off', section);
  process.stdout.write(section);
}

await main();
