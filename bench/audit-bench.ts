// Audit cost: (1) the time to record one event (serialize, chain, durable append) with a file
// sink, a spooled sink, and both; (2) proxied produce throughput with audit off, denials-only
// (allowed: none) and full (allowed: all: an event for every Produce), three `serve` processes in
// front of the same mock cluster, alternating rounds. Writes "## Audit" in bench/BENCHMARKS.md.
//
//   npm run bench -- audit            (ROUNDS=5 MESSAGES=200000 by default)
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import { MockCluster } from '../src/demo/mock-cluster.js';
import { AuditLog, type AuditConfig } from '../src/audit/audit-log.js';
import { authorizationEvent } from '../src/audit/event.js';
import { Operation, ResourceType } from '../src/acl/model.js';
import { runProduce, median, startProxy, writeSection, measuredOn } from './common.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const MESSAGES = Number(process.env.MESSAGES ?? 200_000);
const EVENTS = 20_000;

/** Microseconds per recorded event, median of 5 runs of EVENTS events. */
async function perEvent(sinks: AuditConfig['sinks']): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'warden-audit-bench-'));
    const cfg: AuditConfig = {
      allowed: 'all',
      spool: { dir: join(dir, 'spool'), maxBytes: 1 << 30, segmentBytes: 64 << 20, onFull: 'failClosed', fsync: false },
      sinks: sinks.map((s) => (s.type === 'file' ? { ...s, path: join(dir, 'audit.jsonl') } : s)),
    };
    // The stream sink writes into a sink that discards, so delivery costs little.
    const devnull = new Writable({ write: (_c, _e, cb) => cb() });
    const audit = new AuditLog(cfg, { log: pino({ level: 'silent' }), upstream: null, stdout: devnull });
    audit.start();
    const req = {
      principal: 'User:alice',
      clientAddress: '127.0.0.1',
      listener: 'plain',
      methodName: 'kafka.Produce',
      correlationId: 1,
      clientId: 'bench',
    };
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < EVENTS; i++) {
      audit.record(
        authorizationEvent(
          'cluster-1',
          { ...req, correlationId: i },
          {
            granted: true,
            operation: Operation.WRITE,
            resourceType: ResourceType.TOPIC,
            resourceName: 'bench',
            acl: null,
            superUser: false,
          },
        ),
      );
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1000 / EVENTS);
    await audit.stop(5000);
  }
  return median(times);
}

async function main() {
  const file = {
    type: 'file' as const,
    path: '',
    maxBytes: 1 << 30,
    maxFiles: 2,
    fsync: 'interval' as const,
    fsyncIntervalMs: 1000,
  };
  const micro = {
    file: await perEvent([file]),
    spooled: await perEvent([{ type: 'stdout' }]),
    both: await perEvent([file, { type: 'stdout' }]),
  };
  process.stderr.write(
    `per event: file ${micro.file.toFixed(2)} us, spooled ${micro.spooled.toFixed(2)} us, both ${micro.both.toFixed(2)} us\n`,
  );

  const cluster = await MockCluster.start({ brokers: 3, topics: { bench: 12 } });
  for (let p = 0; p < 12; p++) await cluster.command(`leader bench ${p} ${(p % 3) + 1}`);
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-e2e-'));
  writeFileSync(
    join(dir, 'acls.yaml'),
    'acls:\n  - { resourceType: TOPIC, resourceName: bench, principal: "User:ANONYMOUS", operation: WRITE }\n',
  );
  const auditSection = (name: string, allowed: string) => [
    `acl: { file: ${join(dir, 'acls.yaml')} }`,
    'audit:',
    `  allowed: ${allowed}`,
    `  spool: { dir: ${join(dir, `spool-${name}`)} }`,
    '  sinks:',
    `    - { type: file, path: ${join(dir, `audit-${name}.jsonl`)}, maxBytes: 1073741824 }`,
  ];
  const proxies = {
    off: await startProxy(cluster.brokers, { extraConfig: [`acl: { file: ${join(dir, 'acls.yaml')} }`] }),
    denials: await startProxy(cluster.brokers, { extraConfig: auditSection('denials', 'none') }),
    full: await startProxy(cluster.brokers, { extraConfig: auditSection('full', 'all') }),
  };
  const names = Object.keys(proxies) as Array<keyof typeof proxies>;
  const produce: Record<string, number[]> = { off: [], denials: [], full: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const r = await runProduce(proxies[name].addr, MESSAGES);
      produce[name]!.push(r.msgsPerSec!);
      process.stderr.write(`round ${round + 1}/${ROUNDS} audit ${name}: ${Math.round(r.msgsPerSec!)} msg/s\n`);
    }
  }
  for (const p of Object.values(proxies)) await p.stop();
  await cluster.stop();
  const fullEvents = readFileSync(join(dir, 'audit-full.jsonl'), 'utf8').split('\n').length - 1;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const m = (n: string) => median(produce[n]!);
  const section = [
    '## Audit',
    '',
    measuredOn(),
    `Command: \`ROUNDS=${ROUNDS} MESSAGES=${MESSAGES} npm run bench -- audit\``,
    '',
    `Cost of recording one authorization event (JSON serialization, SHA-256 chain link, write(2) before returning), median of 5 runs of ${EVENTS.toLocaleString('en-US')}:`,
    '',
    '| sinks | time per event |',
    '|---|---|',
    `| file (fsync once a second) | ${micro.file.toFixed(2)} us |`,
    `| one spooled sink (spool append; delivery to a discarding stream) | ${micro.spooled.toFixed(2)} us |`,
    `| both | ${micro.both.toFixed(2)} us |`,
    '',
    `Proxied produce (PLAINTEXT, ACLs on, ${MESSAGES.toLocaleString('en-US')} messages of 1 KiB per run, linger 5 ms) with audit off, denials only`,
    `(\`allowed: none\`; this load has no denials) and full (\`allowed: all\`: one event per Produce request, ${fmt(fullEvents)} events written over the run)`,
    'to a file sink; three proxies in front of the same mock cluster, order alternating, medians over the rounds:',
    '',
    '| audit | produce msg/s | vs off |',
    '|---|---|---|',
    `| off | ${fmt(m('off'))} | 1.00x |`,
    `| denials only | ${fmt(m('denials'))} | ${(m('denials') / m('off')).toFixed(3)}x |`,
    `| full (every decision) | ${fmt(m('full'))} | ${(m('full') / m('off')).toFixed(3)}x |`,
    '',
    `Per round: off ${produce.off!.map(fmt).join(', ')}; denials ${produce.denials!.map(fmt).join(', ')}; full ${produce.full!.map(fmt).join(', ')}.`,
    '',
  ].join('\n');
  writeSection('## Audit', section);
  process.stdout.write(section);
}

await main();
