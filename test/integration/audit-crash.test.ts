// Nothing decided is lost: several producers, allowed and denied requests mixed, every decision
// audited (allowed: all); the proxy is killed with SIGKILL mid-stream and restarted. Every decision
// a client saw an answer for before the kill is then in the file sink and in the Kafka-topic sink
// (matched by client id, correlation id, topic and outcome), and the file's chain still verifies.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { MockCluster, PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { freePortBlock } from '../helpers/ports.js';
import { kcat } from '../helpers/kcat.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as produce from '../../src/protocol/generated/produce.js';
import type * as metadata from '../../src/protocol/generated/metadata.js';
import { verifyLines } from '../../src/audit/chain.js';
import { childEnv } from '../helpers/child-env.js';

interface Decision {
  clientId: string;
  correlationId: number;
  topic: string;
  granted: boolean;
}
interface Event {
  id: string;
  data: {
    methodName: string;
    request?: { correlation_id: string; client_id: string };
    authorizationInfo?: { granted: boolean; resourceName: string };
  };
}

function startProxy(cfg: string): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'serve', '--config', cfg, '--workers', '1'],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: childEnv() },
  );
}

async function ready(addr: string): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      const c = await RawClient.connect(addr);
      const md = await c.request<metadata.Response>(ApiKey.Metadata, 1, { topics: null });
      c.close();
      if (md.brokers.length === 3) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error('proxy did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const key = (clientId: string, cid: string | number, topic: string, granted: boolean) =>
  `${clientId}/${cid}/${topic}/${granted}`;
const keysOf = (events: Event[]) =>
  new Set(
    events
      .filter((e) => e.data.methodName === 'kafka.Produce' && e.data.request && e.data.authorizationInfo)
      .map((e) =>
        key(
          e.data.request!.client_id,
          e.data.request!.correlation_id,
          e.data.authorizationInfo!.resourceName,
          e.data.authorizationInfo!.granted,
        ),
      ),
  );

t.test('kill -9 mid-stream loses no audited decision', async (t) => {
  const cluster = await MockCluster.start({ brokers: 3, topics: { 'ok-a': 1, 'ok-b': 1, 'no-a': 1, _audit: 1 } });
  t.teardown(() => cluster.stop());
  for (const topic of ['ok-a', 'ok-b', 'no-a']) await cluster.command(`leader ${topic} 0 1`);
  // The audit topic lives on broker 2, which is down while the load runs: at the kill, events are
  // certainly waiting in the spool, and only a replay after the restart can deliver them.
  await cluster.command('leader _audit 0 2');
  const dir = mkdtempSync(join(tmpdir(), 'warden-crash-'));
  const base = await freePortBlock(20);
  const auditFile = join(dir, 'audit.jsonl');
  writeFileSync(
    join(dir, 'acls.yaml'),
    'acls:\n  - { resourceType: TOPIC, resourceName: ok-, patternType: PREFIXED, principal: "User:ANONYMOUS", operation: WRITE }\n',
  );
  const cfg = join(dir, 'warden.yaml');
  writeFileSync(
    cfg,
    [
      'upstream:',
      `  bootstrap: [${cluster.brokers.map((b) => `"${b}"`).join(', ')}]`,
      'listeners:',
      `  - { name: plain, securityProtocol: PLAINTEXT, host: 127.0.0.1, port: ${base}, brokerPortBase: ${base + 10}, advertisedHost: 127.0.0.1 }`,
      `acl: { file: ${join(dir, 'acls.yaml')} }`,
      'audit:',
      '  allowed: all',
      `  spool: { dir: ${join(dir, 'spool')} }`,
      '  sinks:',
      `    - { type: file, path: ${auditFile}, fsync: never }`,
      '    - { type: kafka, topic: _audit, lingerMs: 50 }',
      'logging: { level: warn }',
      '',
    ].join('\n'),
  );
  let proxy = startProxy(cfg);
  t.teardown(() => proxy.kill('SIGKILL'));
  await ready(`127.0.0.1:${base}`);

  await cluster.command('down 2');
  const decisions: Decision[] = [];
  let running = true;
  const batch = await recordBatch([Buffer.from('audited')]);
  const producer = async (n: number) => {
    const c = await RawClient.connect(`127.0.0.1:${base + 11}`);
    c.clientId = `producer-${n}`;
    const topics = ['ok-a', 'no-a', 'ok-b'];
    let i = 0;
    while (running && !c.isClosed) {
      const inFlight = Array.from({ length: 8 }, () => {
        const topic = topics[i++ % topics.length]!;
        const correlationId = c.nextCorrelationId;
        return c
          .request<produce.Response>(ApiKey.Produce, 7, {
            transactionalId: null,
            acks: 1,
            timeoutMs: 5000,
            topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
          })
          .then((r) =>
            decisions.push({
              clientId: c.clientId,
              correlationId,
              topic,
              granted: r.responses[0]!.partitionResponses[0]!.errorCode === 0,
            }),
          );
      });
      await Promise.allSettled(inFlight);
    }
    c.close();
  };
  const producers = [0, 1, 2, 3].map(producer);
  // Kill mid-stream once a few thousand decisions are out (librdkafka's mock broker keeps only a
  // few MiB per partition, so the audit topic must stay within that to be read back whole).
  const killAt = Date.now() + 3000;
  while (decisions.length < 2000 && Date.now() < killAt) await new Promise((r) => setTimeout(r, 5));
  proxy.kill('SIGKILL');
  running = false;
  await Promise.all(producers);
  const spoolDir = join(dir, 'spool', '1-kafka');
  const spooled = readdirSync(spoolDir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(spoolDir, f), 'utf8').split('\n').filter(Boolean)).length;
  const cursor = existsSync(join(spoolDir, 'cursor')) ? Number(readFileSync(join(spoolDir, 'cursor'), 'utf8')) : 0;
  t.ok(spooled - cursor > decisions.length / 2, `at the kill ${spooled - cursor} events were undelivered in the spool`);
  const seen = decisions.length;
  t.ok(seen > 100, `${seen} decisions answered before the kill`);
  t.ok(decisions.some((d) => !d.granted) && decisions.some((d) => d.granted), 'allowed and denied both');

  proxy = startProxy(cfg);
  await ready(`127.0.0.1:${base}`);
  await cluster.command('up 2');
  const want = decisions.map((d) => key(d.clientId, d.correlationId, d.topic, d.granted));
  const fileLines = readFileSync(auditFile, 'utf8').trim().split('\n');
  const inFile = keysOf(fileLines.map((l) => JSON.parse(l) as Event));
  const missingInFile = want.filter((k) => !inFile.has(k));
  t.same(missingInFile, [], 'every answered decision is in the file');
  const v = verifyLines(fileLines);
  t.ok(v.ok, `the file chain verifies across the crash and restart (${JSON.stringify(v.error)})`);

  const end = Date.now() + 60_000;
  let missingInTopic = want;
  while (missingInTopic.length > 0 && Date.now() < end) {
    const r = await kcat(
      ['-C', '-t', '_audit', '-p', '0', '-o', 'beginning', '-e', '-q', '-b', cluster.brokers.join(',')],
      { timeoutMs: 30_000 },
    );
    const inTopic = keysOf(
      r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Event),
    );
    missingInTopic = want.filter((k) => !inTopic.has(k));
    if (missingInTopic.length > 0) await new Promise((r) => setTimeout(r, 500));
  }
  t.same(
    missingInTopic.slice(0, 5),
    [],
    `every answered decision reached the topic after the restart (${missingInTopic.length} missing)`,
  );
  proxy.kill('SIGTERM');
  await new Promise((r) => proxy.once('exit', r));
});
