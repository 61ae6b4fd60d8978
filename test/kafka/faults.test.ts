// Faults with real brokers, through the proxy's SASL_SSL listener, while an idempotent Java
// producer (acks=all), a Java consumer-group member and a librdkafka (kcat) consumer-group member
// run: kill -9 a partition leader, kill the active KRaft controller, roll all three brokers, restart
// the proxy. After each: every acknowledged record is in the log (read straight from the brokers),
// no key twice (idempotence), both consumers resume and consume to the end, no client connection is
// left waiting on a dead upstream connection, and no upstream address reached any client.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { startKafka, clientProperties, jaas, javaClient, startJavaClient } from '../helpers/kafka.js';
import { startSecureProxyOn, USERS, type SecureProxy } from '../helpers/secure.js';
import { RawClient } from '../helpers/raw-client.js';
import { metadata } from '../helpers/requests.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as metadataCodec from '../../src/protocol/generated/metadata.js';
import type * as findCoordinator from '../../src/protocol/generated/find-coordinator.js';

// Five faults, each waited out with bounded steps (a broker's controlled shutdown, its return, the
// ISR refilling, the clients resuming): about 2-4 minutes here, but a slow machine running the rest
// of the suite beside it has taken longer than the default per-file timeout. Each step keeps its
// own bound, so a real hang still fails, with the step it hung in.
t.setTimeout(900_000);

const TOPIC = 'faults';
const PARTITIONS = 3;
const kafka = await startKafka(t, { nodes: 3 });
await kafka.createTopics({ [TOPIC]: PARTITIONS }, { 'min.insync.replicas': '2' });

let proxy: SecureProxy = await startSecureProxyOn(kafka.brokers);
const base = proxy.base;
const pki = proxy.pki;
t.teardown(() => proxy.stop());

// Ports of the upstream brokers (clients must never see them) and of the proxy's listeners.
const upstreamPorts = kafka.nodes.flatMap((n) => Object.values(n.ports));
const leaks = (text: string): string[] =>
  upstreamPorts.filter((p) => new RegExp(`:${p}(?!\\d)`).test(text)).map(String);
const saslSslNode = (id: number) => `localhost:${base + 30 + id}`;

const viaProxy = clientProperties({
  'bootstrap.servers': proxy.saslSsl,
  'security.protocol': 'SASL_SSL',
  'sasl.mechanism': 'SCRAM-SHA-512',
  'sasl.jaas.config': jaas('SCRAM-SHA-512', 'alice', USERS.alice),
  'ssl.truststore.type': 'PEM',
  'ssl.truststore.location': pki.caFile,
  'reconnect.backoff.max.ms': 1000,
  'request.timeout.ms': 15000,
  'metadata.max.age.ms': 10000,
});
const direct = clientProperties({ 'bootstrap.servers': kafka.bootstrap, 'request.timeout.ms': 15000 });

interface Info {
  leaders: Record<string, number>;
  isr: Record<string, number[]>;
  controller: number;
}
/** Partition leaders, ISRs and the active controller, asked of the brokers directly. */
async function info(): Promise<Info> {
  const r = await javaClient('FaultClient', ['info', direct, TOPIC], { timeoutMs: 60_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.code !== 0 || !line) throw new Error(`FaultClient info failed (${r.code}): ${r.stderr.slice(-1500)}`);
  return JSON.parse(line) as Info;
}
/** Waits until the brokers' state satisfies `pred` (bounded); returns that state. */
async function infoWhen(pred: (i: Info) => boolean, what: string): Promise<Info> {
  const end = Date.now() + 90_000;
  for (;;) {
    const i = await info().catch(() => null);
    if (i && pred(i)) return i;
    if (Date.now() > end) throw new Error(`not within 90 s: ${what}; last seen ${JSON.stringify(i)}`);
    await sleep(500);
  }
}
/** Waits until every partition has a leader and all three replicas in sync. */
const fullIsr = (): Promise<Info> =>
  infoWhen(
    (i) =>
      Object.keys(i.isr).length === PARTITIONS &&
      Object.values(i.isr).every((s) => s.length === 3) &&
      Object.values(i.leaders).every((l) => l > 0),
    'every partition has 3 replicas in sync',
  );

// The clients, through the proxy.
const producer = startJavaClient('FaultClient', ['produce', viaProxy, TOPIC, '10'], { maxMs: 400_000 });
const consumer = startJavaClient('FaultClient', ['consume', viaProxy, TOPIC, 'faults-java'], { maxMs: 400_000 });
/** A librdkafka consumer-group member (kcat -G); restartable, its output kept across instances. */
interface Kcat {
  out: string[];
  err: string;
  exited: boolean;
  exit: Promise<void>;
  kill(): Promise<void>;
}
const kcats: Kcat[] = [];
function startKcat(): Kcat {
  const child = spawn(
    'kcat',
    [
      '-b',
      proxy.saslSsl,
      '-X',
      'security.protocol=SASL_SSL',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-512',
      '-X',
      'sasl.username=alice',
      '-X',
      `sasl.password=${USERS.alice}`,
      '-X',
      `ssl.ca.location=${pki.caFile}`,
      '-X',
      'auto.offset.reset=earliest',
      '-X',
      'reconnect.backoff.max.ms=1000',
      '-X',
      'session.timeout.ms=6000',
      '-q',
      '-u',
      '-f',
      '%k %p %o\\n',
      '-G',
      'faults-kcat',
      TOPIC,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 400_000);
  const k: Kcat = {
    out: [],
    err: '',
    exited: false,
    exit: new Promise<void>((resolve) =>
      child.once('close', () => {
        k.exited = true;
        clearTimeout(killer);
        resolve();
      }),
    ),
    async kill() {
      if (k.exited) return;
      child.kill('SIGTERM');
      const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await k.exit;
      clearTimeout(hard);
    },
  };
  let partial = '';
  child.stdout.on('data', (c: Buffer) => {
    const parts = (partial + c.toString('utf8')).split('\n');
    partial = parts.pop()!;
    k.out.push(...parts.filter((p) => p));
  });
  child.stderr.on('data', (c: Buffer) => (k.err += c.toString('utf8')));
  kcats.push(k);
  return k;
}
let kcat = startKcat();
const kcatErr = (): string => kcats.map((k) => k.err).join('');
t.teardown(async () => {
  await Promise.all([producer.stop(20_000), consumer.stop(20_000), ...kcats.map((k) => k.kill())]);
});

const acks = (): Array<{ ack: string; p: number; o: number }> =>
  producer.lines.filter((l) => typeof l.ack === 'string') as never;
/** Waits for `n` more acknowledgements than there are now: the producer makes progress. */
async function progress(n: number, what: string): Promise<void> {
  const want = acks().length + n;
  await producer.waitFor(() => acks().length >= want, 90_000, `${n} acknowledgements ${what}`);
}

/** The keys a consumer has consumed. */
const javaGot = (): Set<string> =>
  new Set(consumer.lines.filter((l) => typeof l.got === 'string').map((l) => l.got as string));
const kcatGot = (): Set<string> => new Set(kcats.flatMap((k) => k.out.map((l) => l.split(' ')[0]!)));

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(250);
  }
  return true;
}

interface ProxyInternals {
  clients: Set<{
    outstanding: number;
    closed: boolean;
    lane: { upstream: { closed: boolean; address: { port: number } } | null } | null;
  }>;
}

/** Everything that must hold after a fault. */
async function verify(t: Test, label: string, producing = true): Promise<void> {
  const t0 = Date.now();
  const lap = (what: string) => t.comment(`${label}: ${what} after ${Date.now() - t0} ms`);
  await fullIsr();
  if (producing) await progress(100, `after ${label}`);
  lap('ISR full and producing');
  const acked = acks();
  t.equal(
    producer.lines.filter((l) => 'fail' in l).length,
    0,
    `${label}: no record failed (${JSON.stringify(producer.lines.find((l) => 'fail' in l) ?? null)})`,
  );

  // Every acknowledged record is in the log at its offset, no key twice: read from the brokers.
  const r = await javaClient('FaultClient', ['dump', direct, TOPIC], { timeoutMs: 90_000 });
  t.equal(r.code, 0, `${label}: dump ran ${r.stderr.slice(-500)}`);
  const log = new Map<string, string>();
  const count = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{"k"')) continue;
    const rec = JSON.parse(line) as { k: string; p: number; o: number };
    log.set(`${rec.p}/${rec.o}`, rec.k);
    count.set(rec.k, (count.get(rec.k) ?? 0) + 1);
  }
  const missing = acked.filter((a) => log.get(`${a.p}/${a.o}`) !== a.ack);
  t.equal(
    missing.length,
    0,
    `${label}: all ${acked.length} acknowledged records are in the log at their offsets (missing: ${JSON.stringify(missing.slice(0, 5))})`,
  );
  const dups = [...count].filter(([, n]) => n > 1);
  t.equal(dups.length, 0, `${label}: no key twice among ${count.size} records (${JSON.stringify(dups.slice(0, 5))})`);

  lap('log checked');
  // Both consumers resume and consume every acknowledged record.
  const keys = acked.map((a) => a.ack);
  const missingFrom = (got: () => Set<string>) => {
    const g = got();
    return keys.filter((k) => !g.has(k)).length;
  };
  await until(() => missingFrom(javaGot) === 0, 60_000);
  t.equal(missingFrom(javaGot), 0, `${label}: the Java consumer consumed all ${keys.length} acknowledged records`);
  lap('Java consumer caught up');
  await until(() => missingFrom(kcatGot) === 0, 60_000);
  t.equal(
    missingFrom(kcatGot),
    0,
    `${label}: the kcat consumer consumed all ${keys.length} acknowledged records (kcat stderr: ${kcatErr().slice(-2000)})`,
  );

  lap('consumers checked');
  // No client connection waits on a dead upstream connection, and each broker port answers.
  const clients = [...(proxy.proxy as unknown as ProxyInternals).clients];
  const stuck = clients.filter(
    (c) => !c.closed && c.outstanding > 0 && (c.lane?.upstream == null || c.lane.upstream.closed),
  );
  t.equal(
    stuck.length,
    0,
    `${label}: none of ${clients.length} client connections has requests outstanding on a closed upstream connection`,
  );
  for (const id of [1, 2, 3]) {
    const c = await RawClient.connect(`127.0.0.1:${base + 10 + id}`);
    try {
      const md = await c.request<metadataCodec.Response>(
        ApiKey.Metadata,
        12,
        metadata([{ name: TOPIC, topicId: Buffer.alloc(16) }]),
        10_000,
      );
      t.equal(md.topics[0]?.errorCode, 0, `${label}: broker port ${id} answers Metadata`);
      t.same(
        md.brokers.map((b) => [b.host, b.port]).sort(),
        [1, 2, 3].map((n) => ['127.0.0.1', base + 10 + n]),
        `${label}: Metadata lists the proxy's addresses only`,
      );
      const fc = await c.request<findCoordinator.Response>(
        ApiKey.FindCoordinator,
        4,
        { key: '', keyType: 0, coordinatorKeys: ['faults-java', 'faults-kcat'] },
        10_000,
      );
      for (const co of fc.coordinators) {
        t.same(
          [co.errorCode, co.host, co.port],
          [0, '127.0.0.1', base + 10 + co.nodeId],
          `${label}: FindCoordinator ${co.key} names the proxy`,
        );
      }
    } finally {
      c.close();
    }
  }

  // No upstream address reached the clients: the brokers they know, and what they logged.
  const known = new Set(
    [...producer.lines, ...consumer.lines].flatMap((l) => (Array.isArray(l.nodes) ? (l.nodes as string[]) : [])),
  );
  const expected = new Set([1, 2, 3].map(saslSslNode));
  t.ok(
    known.size > 0 && [...known].every((n) => expected.has(n)),
    `${label}: the Java clients know only the proxy's addresses: ${[...known].join(' ')}`,
  );
  t.same(
    leaks(producer.stderr() + consumer.stderr() + kcatErr()),
    [],
    `${label}: no upstream port in the clients' logs`,
  );
}

t.test('the clients run through the proxy', async (t) => {
  await progress(100, 'at the start');
  await consumer.waitFor((l) => typeof l.got === 'string', 60_000, 'a consumed record');
  t.ok(await until(() => kcat.out.length > 0, 60_000), 'kcat consumes');
  await verify(t, 'start');
});

t.test('kill -9 the leader of a partition being produced to', async (t) => {
  const before = await fullIsr();
  const leader = before.leaders['0']!;
  t.comment(`partition 0 led by node ${leader}; controller ${before.controller}`);
  await kafka.killNode(leader, 'SIGKILL');
  const during = await infoWhen(
    (i) => (i.leaders['0'] ?? -1) > 0 && i.leaders['0'] !== leader,
    'partition 0 has a new leader',
  );
  t.comment(`partition 0 now led by node ${during.leaders['0']}`);
  await progress(100, `with node ${leader} dead`);
  await kafka.startNode(leader);
  await verify(t, `leader ${leader} killed and back`);
});

t.test('kill the active KRaft controller', async (t) => {
  const before = await fullIsr();
  const controller = before.controller;
  t.comment(`controller is node ${controller}`);
  await kafka.killNode(controller, 'SIGKILL');
  const during = await infoWhen(
    (i) => i.controller > 0 && i.controller !== controller,
    'another node is the controller',
  );
  t.comment(`node ${during.controller} is the controller now`);
  await progress(100, `with controller ${controller} dead`);
  await kafka.startNode(controller);
  await verify(t, `controller ${controller} killed and back`);
});

t.test('roll all three brokers one at a time', async (t) => {
  for (const n of kafka.nodes) {
    await fullIsr();
    await kafka.restartNode(n.id);
    await progress(50, `after restarting node ${n.id}`);
  }
  await verify(t, 'rolled');
});

t.test('restart the proxy on the same ports', async (t) => {
  await proxy.stop();
  proxy = await startSecureProxyOn(kafka.brokers, { base, pki });
  // With every broker (here: the proxy) unreachable kcat gives up by design ("All broker
  // connections are down ... terminating"); a new member of its group resumes where it committed.
  await until(() => kcat.exited, 10_000);
  if (kcat.exited) {
    t.match(kcat.err, /All broker connections are down/, 'kcat stopped because no broker was reachable');
    const before = kcat.out.length;
    kcat = startKcat();
    t.ok(await until(() => kcat.out.length > 0, 60_000), 'a new kcat member of the group consumes');
    const first = new Map<string, number>();
    for (const l of kcat.out) {
      const [, p, o] = l.split(' ');
      if (!first.has(p!)) first.set(p!, Number(o));
    }
    t.ok(
      [...first.values()].every((o) => o > 0),
      `it resumes from committed offsets, not from the start (${JSON.stringify([...first])}, ${before} records before)`,
    );
  }
  await verify(t, 'proxy restarted');
  const code = await producer.stop();
  t.equal(code, 0, 'the producer stops cleanly');
  const sent = producer.lines.find((l) => 'done' in l)?.done as number;
  t.equal(acks().length, sent, `every one of the ${sent} records sent was acknowledged`);
  await verify(t, 'final', false);
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
