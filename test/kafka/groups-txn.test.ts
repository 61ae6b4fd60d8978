// Transactions and the idempotent producer through kafka-warden in front of a real single-node
// Kafka 4.4, ACLs on, no super user (the ACLs of test/helpers/groups-probe.ts): committed and
// aborted transactions under both isolation levels, and an idempotent producer that keeps sending
// while the proxy is stopped and started again on the same ports, checked against the broker's log.
import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startKafka, javaClient, JAVA_CLIENTS } from '../helpers/kafka.js';
import { ensureKafkaJars, javaBinary } from '../../src/demo/kafka-cluster.js';
import { startSecureProxyOn, type SecureProxy } from '../helpers/secure.js';
import { GROUPS_ACLS, probeArgs, parseLines, type ProbeLine } from '../helpers/groups-probe.js';

const kafka = await startKafka(t);
await kafka.createTopics({ 'grp-txn': 1, 'grp-idem': 1 });
const dir = mkdtempSync(join(tmpdir(), 'warden-groups-txn-'));
const aclFile = join(dir, 'acls.yaml');
writeFileSync(aclFile, GROUPS_ACLS);
const acl = { superUsers: [], allowEveryoneIfNoAclFound: false, file: aclFile };
let proxy: SecureProxy = await startSecureProxyOn(kafka.brokers, { acl });
t.teardown(() => proxy.stop());

const find = (lines: ProbeLine[], probe: string, event: string): ProbeLine => {
  const l = lines.find((x) => x.probe === probe && x.event === event);
  if (!l) throw new Error(`no ${probe} ${event} line in: ${JSON.stringify(lines).slice(0, 3000)}`);
  return l;
};

t.test('a committed, an aborted and a committed transaction: read_committed sees the committed only', async (t) => {
  const r = await javaClient('GroupsProbe', [...probeArgs(proxy.saslPlaintext, kafka.brokers[0]!), 'run=txn'], {
    timeoutMs: 90_000,
  });
  t.equal(r.code, 0, r.stderr.slice(-2000));
  const lines = parseLines(r.stdout);
  t.same(
    lines.filter((l) => l.event === 'failed'),
    [],
    'the transactions ran',
  );
  const res = find(lines, 'txn', 'result');
  const five = (p: string) => [0, 1, 2, 3, 4].map((i) => `${p}-${i}`);
  t.same(
    res.readCommitted,
    [...five('c1'), ...five('c2')],
    'read_committed: both committed transactions, nothing of the aborted one',
  );
  t.same(
    res.readUncommitted,
    [...five('c1'), ...five('a1'), ...five('c2')],
    'read_uncommitted: the aborted records too, in log order',
  );
});

/** GroupsProbe's idem probe, streaming: progress lines as they come, "stop" on stdin ends it. */
function idempotentProducer(bootstrap: string) {
  const cp = `${JAVA_CLIENTS}:${ensureKafkaJars()}/*`;
  const child = spawn(
    javaBinary(),
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      cp,
      'GroupsProbe',
      ...probeArgs(bootstrap, kafka.brokers[0]!),
      'run=idem',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  let out = '';
  let err = '';
  const lines: ProbeLine[] = [];
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const parts = out.split('\n');
    out = parts.pop()!;
    for (const l of parts) if (l.startsWith('{')) lines.push(JSON.parse(l) as ProbeLine);
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => (clearTimeout(killer), resolve(code))),
  );
  const last = () => [...lines].reverse().find((l) => l.event === 'progress');
  const acked = () => Number(last()?.acked ?? 0);
  return {
    lines,
    stderr: () => err,
    acked,
    /** Records sent and not acknowledged yet, at the last progress line. */
    pending: () => Number(last()?.sent ?? 0) - acked(),
    /** Resolves once `n` records are acknowledged; rejects if the program ends first. */
    async ackedAtLeast(n: number): Promise<void> {
      while (acked() < n) {
        if (child.exitCode !== null) throw new Error(`the producer ended: ${err.slice(-2000)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
    },
    async stop(): Promise<number | null> {
      child.stdin.end('stop\n');
      return exited;
    },
  };
}

t.test('an idempotent producer across a proxy restart: every acknowledged record once in the log', async (t) => {
  const p = idempotentProducer(proxy.saslPlaintext);
  await p.ackedAtLeast(500);
  const base = proxy.base;
  await proxy.stop();
  const whileDown = p.acked();
  // The producer goes on sending into its buffer and retrying; the proxy is down for a while.
  await new Promise((r) => setTimeout(r, 3000));
  const pendingAtRestart = p.pending();
  const ackedAtRestart = p.acked();
  proxy = await startSecureProxyOn(kafka.brokers, { acl, base });
  await p.ackedAtLeast(whileDown + 1000);
  const code = await p.stop();
  t.equal(code, 0, p.stderr().slice(-2000));
  const done = find(p.lines, 'idem', 'done');
  t.same(done.errors, [], 'no send failed (no OutOfOrderSequence, no expired batch)');
  t.equal(done.errorCount, 0);
  const acked = done.acked as Array<[number, number]>;
  t.equal(acked.length, done.sent, 'every record sent was acknowledged');
  t.ok(
    acked.length >= whileDown + 1000,
    `records acknowledged after the restart (${whileDown} before it, ${acked.length} in all)`,
  );
  t.ok(pendingAtRestart > 0, `the producer had records waiting while the proxy was down (${pendingAtRestart})`);
  t.ok(
    ackedAtRestart - whileDown < pendingAtRestart,
    `and they were not acknowledged until it was back (${ackedAtRestart - whileDown} acknowledged while down)`,
  );

  // The partition as the broker has it, read straight from the broker.
  const read = await javaClient('GroupsProbe', [`bootstrap=${kafka.brokers[0]}`, 'run=read', 'topic=grp-idem'], {
    timeoutMs: 90_000,
  });
  t.equal(read.code, 0, read.stderr.slice(-2000));
  const records = parseLines(read.stdout).find((l) => l.probe === 'read')?.records as Array<[number, number, string]>;
  t.ok(Array.isArray(records), `the partition was read (${read.stdout.slice(0, 500)})`);
  const offsetsOf = new Map<string, number[]>();
  for (const [, offset, value] of records) offsetsOf.set(value, [...(offsetsOf.get(value) ?? []), offset]);
  const twice = [...offsetsOf].filter(([, o]) => o.length > 1);
  t.same(twice, [], 'no record is in the log twice');
  t.equal(records.length, acked.length, 'the log holds exactly the acknowledged records');
  const wrong = acked.filter(([i, offset]) => offsetsOf.get(`idem-${i}`)?.[0] !== offset).slice(0, 5);
  t.same(wrong, [], 'each acknowledged record is in the log at the offset it was acknowledged with');
  const order = records.map(([, , v]) => Number(v.slice('idem-'.length)));
  t.ok(
    order.every((v, i) => i === 0 || v > order[i - 1]!),
    'in the order sent',
  );
});
