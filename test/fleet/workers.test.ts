// `serve --workers 2` as a process in front of the mock cluster: both workers serve the one port,
// an ACL created through one worker is enforced by the other, /metrics and the probes cover both,
// SIGHUP reaches both, a worker killed with SIGKILL is restarted while the other's clients go on,
// each worker keeps its own audit chain, and SIGTERM stops everything with exit code 0.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { MockCluster, PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as metadataCodec from '../../src/protocol/generated/metadata.js';
import type * as createAcls from '../../src/protocol/generated/create-acls.js';
import { auditCommand } from '../../src/cli/audit.js';
import { collectJsonLines } from '../helpers/json-lines.js';
import { freePortBlock } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { metadata, allowDescribeCreation } from '../helpers/requests.js';
import { until } from '../helpers/wait.js';
import { childEnv } from '../helpers/child-env.js';

const TOPIC_AUTHORIZATION_FAILED = 29;
const cluster = await MockCluster.start({ brokers: 2, topics: { a: 1, b: 1 } });
t.teardown(() => cluster.stop());
const base = await freePortBlock(40);
const dir = mkdtempSync(join(tmpdir(), 'warden-workers-'));
const cfg = join(dir, 'warden.yaml');
const anonymous = (resourceType: string, resourceName: string, operation: string) =>
  `  - { resourceType: ${resourceType}, resourceName: ${resourceName}, patternType: LITERAL, principal: "User:ANONYMOUS", host: "*", operation: ${operation}, permission: ALLOW }`;
writeFileSync(
  join(dir, 'acls.yaml'),
  ['acls:', anonymous('CLUSTER', 'kafka-cluster', 'ALTER'), anonymous('TOPIC', 'a', 'DESCRIBE'), ''].join('\n'),
);
writeFileSync(
  cfg,
  [
    `upstream: { bootstrap: [${cluster.brokers.map((b) => `"${b}"`).join(', ')}] }`,
    'listeners:',
    `  - { name: plain, securityProtocol: PLAINTEXT, host: 127.0.0.1, port: ${base}, brokerPortBase: ${base + 10}, advertisedHost: 127.0.0.1 }`,
    `acl: { allowEveryoneIfNoAclFound: false, file: ${join(dir, 'acls.yaml')} }`,
    `audit: { allowed: all, sinks: [{ type: file, path: ${join(dir, 'audit.jsonl')}, fsync: never }] }`,
    `management: { host: 127.0.0.1, port: ${base + 30} }`,
    'shutdown: { drainTimeoutMs: 2000 }',
    'logging: { level: info }',
    '',
  ].join('\n'),
);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'serve', '--config', cfg, '--workers', '2'],
  { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: childEnv() },
);
const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
t.teardown(() => child.kill('SIGKILL'));
const logs = collectJsonLines(child.stdout!);
// Kept beside the test's files for a failed run's post-mortem.
t.teardown(() => writeFileSync(join(dir, 'serve.log'), logs.map((l) => JSON.stringify(l)).join('\n')));
const logged = async (pred: (l: Record<string, unknown>) => boolean, what: string, ms = 30_000) => {
  await until(() => logs.some(pred) || child.exitCode !== null, ms, what);
  if (!logs.some(pred)) throw new Error(`serve exited (${child.exitCode}) before ${what}`);
};
const workerPids = () =>
  new Map(logs.filter((l) => l.msg === 'proxy started' && l.worker !== undefined).map((l) => [l.worker, l.pid]));
const http = async (path: string) => {
  const r = await fetch(`http://127.0.0.1:${base + 30}${path}`);
  return { status: r.status, body: await r.text() };
};
const clients: RawClient[] = [];
t.teardown(() => clients.forEach((c) => c.close()));
const connect = async () => {
  const c = await RawClient.connect(`127.0.0.1:${base}`);
  clients.push(c);
  return c;
};
const topicError = async (c: RawClient, topic: string) =>
  (
    await c.request<metadataCodec.Response>(
      ApiKey.Metadata,
      1,
      metadata([{ name: topic, topicId: Buffer.alloc(16) }]),
      10_000,
    )
  ).topics[0]!.errorCode;
/** Workers this test killed with SIGKILL: they cannot have stopped cleanly. */
const killed = new Set<unknown>();
const kill9 = (pid: number) => {
  killed.add(pid);
  process.kill(pid, 'SIGKILL');
};
const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

await logged((l) => l.msg === 'proxy started' && l.supervisor === true, 'the supervisor started');

t.test('both workers serve the one port, and the probes and /metrics cover both', async (t) => {
  t.equal(workerPids().size, 2, 'two workers started');
  t.not([...workerPids().values()][0], [...workerPids().values()][1], 'in two processes');
  t.match(await http('/readyz'), { status: 200, body: 'ready\n' });
  t.match(await http('/healthz'), { status: 200, body: 'ok\n' });
  const four = await Promise.all([connect(), connect(), connect(), connect()]);
  for (const c of four) t.equal(await topicError(c, 'b'), TOPIC_AUTHORIZATION_FAILED, 'no ACL names b yet');
  // Each worker writes its own audit file: both have decisions in them, so both served clients.
  // Worker 1 keeps the configured name; worker 2 writes audit.worker-2.jsonl.
  const auditFile = (w: number) => join(dir, w === 1 ? 'audit.jsonl' : `audit.worker-${w}.jsonl`);
  await until(() => [1, 2].every((w) => existsSync(auditFile(w))), 5000, 'both audit files');
  for (const w of [1, 2]) t.match(readFileSync(auditFile(w), 'utf8'), /"resourceName":"b"/, `worker ${w} decided`);
  const m = (await http('/metrics')).body;
  t.equal(metric(m, 'kafka_warden_workers_running'), 2);
  t.equal(metric(m, 'kafka_warden_workers_configured'), 2);
  t.equal(
    metric(m, 'kafka_warden_connections_opened_total\\{listener="plain"\\}'),
    4,
    "both workers' connections, summed",
  );
  t.equal(metric(m, 'kafka_warden_upstream_up'), 1, 'a gauge that holds only if it holds in every worker');
});

t.test('an ACL created through one worker is enforced by the other', async (t) => {
  const [first] = clients;
  const created = await first!.request<createAcls.Response>(ApiKey.CreateAcls, 3, {
    creations: [allowDescribeCreation(2, 'b', 'User:ANONYMOUS')],
  });
  t.same(
    created.results.map((r) => r.errorCode),
    [0],
  );
  const t0 = Date.now();
  // The other worker follows the ACL file; every connection, old or new, on either worker sees it.
  let errors: number[] = [];
  for (let i = 0; i < 50; i++) {
    const fresh = await Promise.all([connect(), connect()]);
    errors = await Promise.all([...clients.slice(0, 4), ...fresh].map((c) => topicError(c, 'b')));
    if (errors.every((e) => e === 0)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.same(new Set(errors), new Set([0]), 'allowed on every connection');
  t.comment(`enforced by both workers within ${Date.now() - t0} ms`);
  t.match(readFileSync(join(dir, 'acls.yaml'), 'utf8'), /resourceName: b/, 'persisted once, in the one file');
});

t.test('SIGHUP reaches every worker', async (t) => {
  child.kill('SIGHUP');
  for (const w of [1, 2])
    await logged((l) => l.msg === 'configuration reloaded' && l.worker === w, `worker ${w} reloaded`);
  t.pass('both workers reloaded');
});

t.test("a killed worker is restarted; the other's clients go on", async (t) => {
  const before = workerPids();
  const victim = before.get(1) as number;
  const open = clients.slice(0, 4);
  kill9(victim);
  await logged((l) => l.msg === 'worker died; restarting it' && l.worker === 1, 'the supervisor noticed');
  await until(() => workerPids().get(1) !== victim && workerPids().get(1) !== undefined, 30_000, 'worker 1 again');
  const answers = await Promise.all(
    open.map((c) =>
      topicError(c, 'a').then(
        () => true,
        () => false,
      ),
    ),
  );
  t.ok(answers.includes(true), `connections on worker 2 still answered (${answers.filter(Boolean).length} of 4)`);
  t.ok(answers.includes(false), "worker 1's connections went with it");
  const ready = await http('/readyz');
  t.match(ready, { status: 200 }, 'ready again');
  t.equal(metric((await http('/metrics')).body, 'kafka_warden_worker_restarts_total'), 1);
  for (const c of [await connect(), await connect()])
    t.equal(await topicError(c, 'a'), 0, 'new connections are served');
});

t.test('a worker that cannot start is tried again, with a growing delay, until it can', async (t) => {
  const valid = readFileSync(cfg, 'utf8');
  writeFileSync(cfg, 'upstream: [this is: not valid\n');
  const victim = workerPids().get(2) as number;
  kill9(victim);
  await logged((l) => l.msg === 'worker restart failed' && l.worker === 2, 'a failed restart');
  const ready = await http('/readyz');
  t.equal(ready.status, 503);
  t.match(ready.body, /worker 2 is not running/);
  t.match(await http('/healthz'), { status: 200 }, 'a worker being restarted is not a hung process: alive');
  writeFileSync(cfg, valid);
  await until(() => ![undefined, victim].includes(workerPids().get(2) as number), 30_000, 'worker 2 again');
  await until(() => logs.filter((l) => l.msg === 'proxy started' && l.worker === 2).length >= 2, 30_000, 'started');
  t.match(await http('/readyz'), { status: 200 }, 'ready once it has started');
});

t.test('SIGTERM stops every worker, one still starting included, and exits 0', async (t) => {
  // A worker killed just before the stop is being restarted when the stop comes: it must hear it.
  const forks = logs.filter((l) => l.msg === 'worker forked').length;
  kill9(workerPids().get(1) as number);
  await until(() => logs.filter((l) => l.msg === 'worker forked').length > forks, 30_000, 'a new worker forked');
  await logged(
    (l) => l.msg === 'worker died; restarting it' && l.worker === 1 && l.signal === 'SIGKILL',
    'noticed',
    10_000,
  );
  child.kill('SIGTERM');
  t.equal(await exited, 0);
  const started = new Set(logs.filter((l) => l.msg === 'proxy started' && l.worker !== undefined).map((l) => l.pid));
  const stopped = new Set(logs.filter((l) => l.msg === 'proxy stopped' && l.worker !== undefined).map((l) => l.pid));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await until(() => ![...started].some((p) => alive(p as number)), 10_000, 'the workers gone');
  const booting = logs.filter((l) => l.msg === 'worker forked').at(-1)!.workerPid;
  t.ok(stopped.has(booting), 'the worker that was starting heard the stop: it started, then drained');
  const running = [...started].filter((p) => !killed.has(p));
  t.ok(
    running.every((p) => stopped.has(p)),
    `each worker drained and stopped, none was killed (${JSON.stringify(running)}; stopped: ${JSON.stringify([...stopped])})`,
  );
});

t.test('each worker keeps an intact audit chain, across its restarts', async (t) => {
  const out: string[] = [];
  const code = auditCommand(
    ['verify', join(dir, 'audit.jsonl'), join(dir, 'audit.worker-2.jsonl')],
    (s) => out.push(s),
    (s) => out.push(s),
  );
  t.equal(code, 0, out.join(''));
  // Each worker names its chain: the host, and the worker.
  for (const w of [1, 2])
    t.match(
      out.join(''),
      new RegExp(`chain ${hostname()}/worker-${w}: \\d+ events, chainseq 1\\.\\.\\d+, chain intact`),
    );
});
