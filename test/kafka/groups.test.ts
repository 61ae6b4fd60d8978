// Consumer groups through kafka-warden in front of a real single-node Kafka 4.4, with ACLs on and
// no super user: bob (SCRAM-SHA-256 over SASL_PLAINTEXT) has exactly the ACLs his clients need,
// alice the same topic ACLs but no Group or TransactionalId ACL. The Java client
// (test/clients/java/GroupsProbe.java) runs the new consumer group protocol (KIP-848) and the
// classic one, static membership and share groups (KIP-932); Kafka's tools describe the groups.
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startKafka, kafkaTool, clientProperties, jaas, javaClient } from '../helpers/kafka.js';
import { startSecureProxyOn, USERS } from '../helpers/secure.js';
import { GROUPS_ACLS, probeArgs, parseLines, type ProbeLine } from '../helpers/groups-probe.js';

const kafka = await startKafka(t);
await kafka.createTopics({ 'grp-classic': 4, 'grp-consumer': 4, 'grp-static': 4, 'grp-share': 2 });
const dir = mkdtempSync(join(tmpdir(), 'warden-groups-'));
const aclFile = join(dir, 'acls.yaml');
writeFileSync(aclFile, GROUPS_ACLS);
const proxy = await startSecureProxyOn(kafka.brokers, {
  acl: { superUsers: [], allowEveryoneIfNoAclFound: false, file: aclFile },
});
t.teardown(() => proxy.stop());

// One JVM for every probe, in order: the groups first (denied reuses their topics).
const run = await javaClient(
  'GroupsProbe',
  [...probeArgs(proxy.saslPlaintext, kafka.brokers[0]!), 'run=groups-classic,groups-consumer,static,share,denied'],
  { timeoutMs: 200_000 },
);
const lines = parseLines(run.stdout);
const one = (probe: string, what?: string): ProbeLine => {
  const l = lines.find((x) => x.probe === probe && (what === undefined || x.what === what) && x.event !== 'progress');
  if (!l) throw new Error(`no ${probe} ${what ?? ''} line in: ${run.stdout}\n${run.stderr.slice(-3000)}`);
  return l;
};
const bobProps = clientProperties({
  'security.protocol': 'SASL_PLAINTEXT',
  'sasl.mechanism': 'SCRAM-SHA-256',
  'sasl.jaas.config': jaas('SCRAM-SHA-256', 'bob', USERS.bob),
});

t.test('the probe program ran', async (t) => {
  t.equal(run.code, 0, run.stderr.slice(-2000));
  t.same(
    lines.filter((l) => l.event === 'failed'),
    [],
    'no probe failed',
  );
});

for (const protocol of ['classic', 'consumer'] as const) {
  t.test(
    `${protocol} group protocol: two members share the partitions, every record once, commits visible`,
    async (t) => {
      const r = one(`groups-${protocol}`);
      const a = r.assignedA as number[];
      const b = r.assignedB as number[];
      t.ok(a.length > 0 && b.length > 0, `both members have partitions (a ${a}, b ${b})`);
      t.same([...a, ...b].sort(), [0, 1, 2, 3], 'together they have every partition, none twice');
      t.equal(
        r.groupType,
        protocol === 'classic' ? 'CLASSIC' : 'CONSUMER',
        'the broker runs the group with the protocol asked for',
      );
      t.equal(r.distinct, r.produced, 'every record was consumed');
      t.equal(r.duplicates, 0, 'none twice');
      t.equal(r.misplaced, 0, 'each from a partition its member was assigned');
      t.ok(
        (r.consumedA as number) > 0 && (r.consumedB as number) > 0,
        `both members consumed (${r.consumedA} + ${r.consumedB})`,
      );
      t.same(
        Object.values(r.members as Record<string, number[]>).map((p) => p.length > 0),
        [true, true],
        'Admin describes two members with partitions',
      );
      t.same(
        r.committed,
        r.endOffsets,
        'the committed offsets (Admin.listConsumerGroupOffsets) are the end of each partition',
      );
      t.equal(
        Object.values(r.endOffsets as Record<string, number>).reduce((x, y) => x + y, 0),
        r.produced,
        'which hold every record produced',
      );
    },
  );
}

t.test('kafka-consumer-groups --describe through the proxy shows both groups committed to the end', async (t) => {
  const d = await kafkaTool('kafka-consumer-groups', [
    '--bootstrap-server',
    proxy.saslPlaintext,
    '--command-config',
    bobProps,
    '--describe',
    '--group',
    'grp-g-classic',
    '--group',
    'grp-g-consumer',
  ]);
  t.equal(d.code, 0, d.stderr);
  for (const protocol of ['classic', 'consumer']) {
    const rows = d.stdout
      .split('\n')
      .filter((l) => l.startsWith(`grp-g-${protocol} `))
      .map((l) => l.trim().split(/\s+/));
    t.equal(rows.length, 4, `four partitions of grp-${protocol} listed:\n${d.stdout}`);
    const r = one(`groups-${protocol}`);
    for (const row of rows) {
      const [, topic, partition, current, end, lag] = row;
      t.equal(topic, `grp-${protocol}`);
      t.equal(
        Number(current),
        (r.endOffsets as Record<string, number>)[partition!],
        `partition ${partition}: committed offset as Admin read it`,
      );
      t.equal(current, end, `partition ${partition}: committed to the log end`);
      t.equal(lag, '0');
    }
  }
});

t.test('static membership: a member back within the session timeout gets its partitions, no rebalance', async (t) => {
  const r = one('static');
  t.same(r.assignedAfter, r.assignedBefore, 'the member that came back has the same partitions');
  t.same(r.bAfter, r.bBefore, 'the other member kept its partitions');
  t.equal(r.generationAAfter, r.generationABefore, 'in the same generation');
  t.equal(r.generationBAfter, r.generationBBefore, 'the other member saw no new generation');
  t.equal(r.bRevokedCallbacks, 0, 'nothing was revoked from the other member');
  t.equal(r.bAssignedCallbacks, 0, 'nor assigned again');
  t.same(
    Object.keys(r.membersWhileAway as object),
    ['inst-a', 'inst-b'],
    'while it was away the broker kept its static member',
  );
  t.not(r.memberIdAfter, r.memberIdBefore, 'it came back as a new member id for the same instance');
  t.same(Object.keys(r.members as object), ['inst-a', 'inst-b']);
  t.equal(r.groupState, 'STABLE');
});

t.test('share group: records delivered and acknowledged through the proxy', async (t) => {
  const r = one('share');
  t.equal(r.distinct, r.produced, 'every record was delivered');
  t.equal(r.duplicates, 0, 'once');
  t.equal(r.maxDeliveryCount, 1, 'at the first delivery');
  t.same(r.commitErrors, [], 'every acknowledgement was accepted');
  t.equal(r.members, 1);
  const starts = r.startOffsets as Record<string, number>;
  t.same(
    Object.keys(starts).sort(),
    ['grp-share-0', 'grp-share-1'],
    'Admin.listShareGroupOffsets lists both partitions',
  );

  // The broker itself is the reference for the tool's view of the group.
  const args = ['--describe', '--group', 'grp-s-1'];
  const d = await kafkaTool('kafka-share-groups', [
    '--bootstrap-server',
    proxy.saslPlaintext,
    '--command-config',
    bobProps,
    ...args,
  ]);
  const direct = await kafkaTool('kafka-share-groups', ['--bootstrap-server', kafka.brokers[0]!, ...args]);
  t.equal(d.code, 0, d.stderr);
  const rows = d.stdout
    .split('\n')
    .filter((l) => l.startsWith('grp-s-1 '))
    .map((l) => l.trim().split(/\s+/));
  t.equal(rows.length, 2, `kafka-share-groups --describe lists both partitions:\n${d.stdout}`);
  for (const [, topic, partition, start, lag] of rows) {
    t.equal(topic, 'grp-share');
    t.equal(Number(start), starts[`grp-share-${partition}`], `partition ${partition}: start offset as Admin read it`);
    t.equal(lag, '0', `partition ${partition}: nothing left to deliver`);
  }
  t.equal(d.stdout, direct.stdout, 'the same description as straight from the broker');
});

t.test('without the Group ACL the broker error comes back; the topic itself stays readable', async (t) => {
  for (const what of ['group-classic', 'group-consumer', 'share']) {
    const r = one('denied', what);
    t.equal(r.error, 'GroupAuthorizationException', `${what}: ${r.message}`);
    t.match(r.message, /grp-(g-classic|g-consumer|s-1)/, 'naming the group');
  }
  const tx = one('denied', 'transactional-id');
  t.equal(tx.error, 'TransactionalIdAuthorizationException', `transactional id: ${tx.message}`);
  const read = one('denied', 'topic-read');
  t.equal(read.values, 200, 'alice reads grp-classic by partition assignment (no group): 200 records');
});
