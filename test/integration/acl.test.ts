// ACLs enforced through the proxy with real clients: kcat (librdkafka) and kafkajs, as user bob
// over SASL_PLAINTEXT with SCRAM-SHA-256; alice is the super user who manages ACLs with kafkajs
// admin. The brokers behind the proxy are librdkafka's mock cluster, which has no security at all.
import t from 'tap';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';

// kafkajs is CommonJS; Node cannot see these as named exports.
const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;
import { startSecureHarness, USERS, type SecureHarness } from '../helpers/secure.js';
import { kcat } from '../helpers/kcat.js';
import { loginScram } from '../helpers/scram-client.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import type * as describeUserScramCredentials from '../../src/protocol/generated/describe-user-scram-credentials.js';
import type * as createAcls from '../../src/protocol/generated/create-acls.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as produce from '../../src/protocol/generated/produce.js';
import { makePki } from '../helpers/certs.js';
import { allowDescribeCreation } from '../helpers/requests.js';

const INITIAL = `acls:
  - { resourceType: TOPIC, resourceName: orders, principal: "User:bob", operation: WRITE }
  - { resourceType: TOPIC, resourceName: orders, principal: "User:bob", operation: READ }
  - { resourceType: GROUP, resourceName: bob-, patternType: PREFIXED, principal: "User:bob", operation: READ }
  - { resourceType: TOPIC, resourceName: secret, principal: "User:carol", operation: WRITE }
  - { resourceType: GROUP, resourceName: viewer-group, principal: "User:bob", operation: DESCRIBE }
  - { resourceType: TRANSACTIONAL_ID, resourceName: tx-bob, principal: "User:bob", operation: DESCRIBE }
  - { resourceType: TRANSACTIONAL_ID, resourceName: tx-ok, principal: "User:bob", operation: WRITE }
  - { resourceType: TOPIC, resourceName: readonly, principal: "User:bob", operation: READ }
`;

async function harness(t: { teardown(fn: () => unknown): void }): Promise<{ h: SecureHarness; aclFile: string }> {
  const dir = (await makePki()).dir;
  const aclFile = join(dir, 'acls.yaml');
  writeFileSync(aclFile, INITIAL);
  const h = await startSecureHarness({
    cluster: { topics: { orders: 2, secret: 1, hidden: 1, later: 1, readonly: 1 } },
    acl: { superUsers: ['User:alice'], file: aclFile },
  });
  t.teardown(() => h.stop());
  return { h, aclFile };
}

const bobArgs = (h: SecureHarness) => [
  '-b',
  h.saslPlaintext,
  '-X',
  'security.protocol=SASL_PLAINTEXT',
  '-X',
  'sasl.mechanisms=SCRAM-SHA-256',
  '-X',
  'sasl.username=bob',
  '-X',
  `sasl.password=${USERS.bob}`,
];
const kafkaAs = (h: SecureHarness, user: 'alice' | 'bob', clientId: string) =>
  new Kafka({
    clientId,
    brokers: [h.saslPlaintext],
    sasl: { mechanism: 'scram-sha-256', username: user, password: USERS[user] },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });

t.test('kcat: Metadata hides what bob may not describe; a denied topic gets Topic authorization failed', async (t) => {
  const { h } = await harness(t);
  const list = await kcat(['-L', ...bobArgs(h)], { timeoutMs: 20_000 });
  t.equal(list.code, 0, `kcat -L as bob (${list.stderr.slice(0, 200)})`);
  t.match(list.stdout, /topic "orders" with 2 partitions/, 'orders is listed');
  t.notMatch(list.stdout, /topic "(secret|hidden|later)"/, 'topics without DESCRIBE are left out');
  const admin = await kcat(
    [
      '-L',
      '-b',
      h.saslPlaintext,
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-256',
      '-X',
      'sasl.username=alice',
      '-X',
      `sasl.password=${USERS.alice}`,
    ],
    { timeoutMs: 20_000 },
  );
  t.match(admin.stdout, /topic "hidden"/, 'the super user sees every topic');

  const denied = await kcat(['-P', '-t', 'secret', ...bobArgs(h)], { input: 'nope\n', timeoutMs: 20_000 });
  t.match(denied.stderr, /Topic authorization failed/, 'kcat reports the broker error for the denied topic');
  const allowed = await kcat(['-P', '-t', 'orders', '-p', '0', ...bobArgs(h)], {
    input: 'yes-1\nyes-2\n',
    timeoutMs: 20_000,
  });
  t.equal(allowed.code, 0, `the allowed topic takes the messages (${allowed.stderr.slice(0, 200)})`);
  const read = await kcat(['-C', '-t', 'orders', '-p', '0', '-o', 'beginning', '-e', '-q', ...bobArgs(h)], {
    timeoutMs: 20_000,
  });
  t.match(read.stdout, /yes-1\nyes-2/, 'and bob reads them back');
  t.ok(
    h.logs.some((l) => l.msg === 'authorization denied' && l.resourceName === 'secret' && l.principal === 'User:bob'),
    'the denial is logged with principal and resource',
  );
});

t.test('one Produce naming an allowed and a denied topic: split, forwarded in part, merged in order', async (t) => {
  const { h } = await harness(t);
  // Through a node port, so the request reaches the leader of both partitions (node 1 leads
  // orders-0 and secret-0 on a fresh 3-broker mock with these topics, but pin it to be sure).
  await h.cluster.command('leader orders 0 1');
  await h.cluster.command('leader secret 0 1');
  const c = await loginScram(`127.0.0.1:${h.base + 71}`, 'bob', USERS.bob);
  t.teardown(() => c.close());
  const batch = await recordBatch([Buffer.from('mixed')]);
  const res = await c.request<produce.Response>(ApiKey.Produce, 7, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [
      { name: 'secret', partitionData: [{ index: 0, records: batch }] },
      { name: 'orders', partitionData: [{ index: 0, records: batch }] },
    ],
  });
  t.same(
    res.responses.map((r) => [r.name, r.partitionResponses[0]!.errorCode]),
    [
      ['secret', 29],
      ['orders', 0],
    ],
    'TOPIC_AUTHORIZATION_FAILED for secret, success for orders, in request order',
  );
  const read = await kcat(['-C', '-t', 'orders', '-p', '0', '-o', 'beginning', '-e', '-q', ...bobArgs(h)], {
    timeoutMs: 20_000,
  });
  t.match(read.stdout, /mixed/, 'the allowed part reached the broker');
  // Read the denied partition straight from the upstream cluster, bypassing the proxy.
  const direct = await kcat(
    ['-C', '-t', 'secret', '-p', '0', '-o', 'beginning', '-e', '-q', '-b', h.cluster.brokers.join(',')],
    { timeoutMs: 20_000 },
  );
  t.equal(direct.code, 0);
  t.notMatch(direct.stdout, /mixed/, 'the denied part never reached the broker');
});

t.test('kafkajs sendBatch: one Produce with an allowed and a denied topic', async (t) => {
  const { h } = await harness(t);
  // Both partitions led by broker 1, so kafkajs puts both topics in one Produce request.
  await h.cluster.command('leader orders 0 1');
  await h.cluster.command('leader readonly 0 1');
  const producer = kafkaAs(h, 'bob', 'bob-batch').producer();
  await producer.connect();
  const err = await producer
    .sendBatch({
      topicMessages: [
        { topic: 'readonly', messages: [{ value: 'nope', partition: 0 }] },
        { topic: 'orders', messages: [{ value: 'batched', partition: 0 }] },
      ],
    })
    .then(
      () => null,
      (e: Error & { type?: string }) => e,
    );
  await producer.disconnect();
  t.ok(err !== null, 'kafkajs reports the failure');
  t.match(
    `${err?.type} ${err?.message}`,
    /TOPIC_AUTHORIZATION_FAILED|Topic authorization failed|Not authorized to access topics/,
    'as a topic authorization failure',
  );
  const direct = await kcat(
    ['-C', '-t', 'orders', '-p', '0', '-o', 'beginning', '-e', '-q', '-b', h.cluster.brokers.join(',')],
    { timeoutMs: 20_000 },
  );
  t.match(direct.stdout, /batched/, 'the allowed topic of the same request was written');
  const denied = await kcat(
    ['-C', '-t', 'readonly', '-p', '0', '-o', 'beginning', '-e', '-q', '-b', h.cluster.brokers.join(',')],
    { timeoutMs: 20_000 },
  );
  t.notMatch(denied.stdout, /nope/, 'the denied one was not');
  t.ok(
    h.logs.some((l) => l.msg === 'authorization denied' && l.resourceName === 'readonly' && l.operation === 'WRITE'),
    'the proxy split the request',
  );
});

t.test(
  'kafkajs: a consumer in a denied group gets GROUP_AUTHORIZATION_FAILED; a group it may read works',
  async (t) => {
    const { h } = await harness(t);
    const kafka = kafkaAs(h, 'bob', 'bob-consumer');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', messages: [{ value: 'for-the-group' }] });
    await producer.disconnect();

    // DESCRIBE but not READ on viewer-group: FindCoordinator is allowed, JoinGroup is not. (With
    // no ACL at all FindCoordinator already fails with 30, which kafkajs reports as "Failed to find
    // group coordinator", as it would against a Kafka broker.)
    const denied = kafka.consumer({ groupId: 'viewer-group', maxWaitTimeInMs: 100, retry: { retries: 0 } });
    const crashed = new Promise<Error>((resolve) =>
      denied.on(denied.events.CRASH, (e: { payload: { error: Error } }) => resolve(e.payload.error)),
    );
    await denied.connect();
    await denied.subscribe({ topic: 'orders', fromBeginning: true });
    await denied.run({ eachMessage: async () => {} });
    const err = (await Promise.race([
      crashed,
      new Promise((r) => setTimeout(() => r(new Error('no crash within 20 s')), 20_000)),
    ])) as Error & { type?: string };
    t.equal(err.type, 'GROUP_AUTHORIZATION_FAILED', `kafkajs reports ${err.type ?? err.message}`);
    await denied.disconnect();
    t.ok(
      h.logs.some(
        (l) => l.msg === 'authorization denied' && l.resourceName === 'viewer-group' && l.operation === 'READ',
      ),
      'the proxy denied READ on the group',
    );

    const ok = kafka.consumer({ groupId: 'bob-group', maxWaitTimeInMs: 100 });
    const seen: string[] = [];
    await ok.connect();
    await ok.subscribe({ topic: 'orders', fromBeginning: true });
    await ok.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    const deadline = Date.now() + 30_000;
    while (!seen.includes('for-the-group') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await ok.disconnect();
    t.ok(seen.includes('for-the-group'), 'bob-group (READ by prefix) consumes');
  },
);

t.test('kafkajs: a transactional producer without WRITE on its transactional id is refused', async (t) => {
  const { h } = await harness(t);
  const producer = kafkaAs(h, 'bob', 'bob-txn').producer({
    transactionalId: 'tx-bob',
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 1 },
  });
  await producer.connect();
  // kafkajs sends FindCoordinator (transactional id) and InitProducerId when a transaction starts.
  // bob may DESCRIBE tx-bob, so the coordinator is found; InitProducerId needs WRITE.
  const err = (await producer.transaction().then(
    () => null,
    (e: Error & { type?: string }) => e,
  )) as (Error & { type?: string }) | null;
  t.ok(err !== null, 'starting a transaction fails');
  t.equal(err?.type, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', `with ${err?.type ?? err?.message}`);
  await producer.disconnect().catch(() => {});
});

t.test('kafkajs: a transactional producer allowed by the ACLs commits, offsets included', async (t) => {
  const { h } = await harness(t);
  // WRITE on tx-ok, WRITE and READ on orders, READ on bob-* groups: everything a
  // consume-transform-produce transaction needs (InitProducerId, AddPartitionsToTxn,
  // AddOffsetsToTxn, TxnOffsetCommit, EndTxn, each checked and each held by a broker until its
  // coordinator's write has replicated, so each moves bob's lane off the shared connection).
  const producer = kafkaAs(h, 'bob', 'bob-txn-ok').producer({
    transactionalId: 'tx-ok',
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 5 },
  });
  await producer.connect();
  const txn = await producer.transaction();
  await txn.send({
    topic: 'orders',
    messages: [
      { value: 'in-txn-1', partition: 1 },
      { value: 'in-txn-2', partition: 1 },
    ],
  });
  await txn.sendOffsets({
    consumerGroupId: 'bob-txn-group',
    topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '1' }] }],
  });
  await txn.commit();
  t.pass('committed');
  await producer.disconnect();

  const consumer = kafkaAs(h, 'bob', 'bob-txn-reader').consumer({
    groupId: 'bob-txn-reader',
    maxWaitTimeInMs: 200,
    readUncommitted: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
  const deadline = Date.now() + 30_000;
  while (!(seen.includes('in-txn-1') && seen.includes('in-txn-2')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  t.ok(seen.includes('in-txn-1') && seen.includes('in-txn-2'), 'a read_committed consumer gets the committed messages');
  const denials = h.logs.filter(
    (l) => l.msg === 'authorization denied' && l.principal === 'User:bob' && l.resourceName === 'tx-ok',
  );
  t.equal(denials.length, 0, 'no decision on tx-ok was a denial');
});

t.test('kafkajs admin: ACLs created and deleted apply to an already-open connection and persist', async (t) => {
  const { h, aclFile } = await harness(t);
  const producer = kafkaAs(h, 'bob', 'bob-later').producer();
  await producer.connect();
  const send = () =>
    producer.send({ topic: 'later', messages: [{ value: 'x' }] }).then(
      () => 'ok',
      // kafkajs reports a denied topic in metadata as "Not authorized to access topics: [Topic authorization failed]".
      (e: Error & { type?: string }) =>
        /TOPIC_AUTHORIZATION_FAILED|Topic authorization failed/.test(`${e.type} ${e.message}`)
          ? 'denied'
          : `${e.type}: ${e.message}`,
    );
  t.equal(await send(), 'denied', 'denied before the ACL exists');

  const admin = kafkaAs(h, 'alice', 'alice-admin').admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  const binding = {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: 'later',
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:bob',
    host: '*',
    operation: AclOperationTypes.WRITE,
    permissionType: AclPermissionTypes.ALLOW,
  };
  await admin.createAcls({ acl: [binding] });
  t.equal(await send(), 'ok', 'the same producer connection may write once the ACL is created');
  t.match(
    readFileSync(aclFile, 'utf8'),
    /resourceName: later[^\n]*principal: User:bob[^\n]*operation: WRITE/,
    'the new ACL is persisted to the file',
  );

  const described = await admin.describeAcls({
    resourceType: AclResourceTypes.TOPIC,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  t.same(
    described.resources.map((r) => r.resourceName).sort(),
    ['later', 'orders', 'readonly', 'secret'],
    'describeAcls lists the topic ACLs by resource',
  );
  const bobOnly = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    principal: 'User:bob',
    resourcePatternType: ResourcePatternTypes.MATCH,
    resourceName: 'bob-anything',
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  t.same(
    bobOnly.resources.map((r) => [r.resourceName, r.resourcePatternType]),
    [['bob-', ResourcePatternTypes.PREFIXED]],
    'MATCH finds the prefixed group ACL that applies to bob-anything',
  );

  const deleted = await admin.deleteAcls({ filters: [{ ...binding }] });
  t.equal(deleted.filterResponses[0]!.matchingAcls.length, 1, 'deleteAcls removes the binding');
  t.equal(await send(), 'denied', 'and the open connection is denied again');
  t.notMatch(readFileSync(aclFile, 'utf8'), /resourceName: later/, 'the file no longer has it');

  // bob may not manage ACLs.
  const bobAdmin = kafkaAs(h, 'bob', 'bob-admin').admin();
  await bobAdmin.connect();
  const refused = await bobAdmin.createAcls({ acl: [{ ...binding }] }).then(
    () => null,
    (e: Error & { type?: string }) => e.type ?? e.message,
  );
  t.equal(refused, 'CLUSTER_AUTHORIZATION_FAILED', 'a principal without ALTER on the cluster cannot create ACLs');
  await bobAdmin.disconnect();

  // An edit of the file is picked up too.
  writeFileSync(
    aclFile,
    `${INITIAL}  - { resourceType: TOPIC, resourceName: later, principal: "User:bob", operation: WRITE }\n`,
  );
  const deadline = Date.now() + 10_000;
  let outcome = await send();
  while (outcome !== 'ok' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    outcome = await send();
  }
  t.equal(outcome, 'ok', 'an ACL added to the file applies without a restart');
  writeFileSync(aclFile, 'acls: [ { resourceType: NOPE } ]\n');
  await new Promise((r) => setTimeout(r, 500));
  t.ok(
    h.logs.some((l) => l.msg === 'ACL file reload refused; the previous ACLs stay in force'),
    'a broken file is refused',
  );
  t.equal(await send(), 'ok', 'and the previous ACLs stay in force');
  await producer.disconnect();
});

t.test('a denied acks=0 Produce closes the connection; SCRAM admin follows CLUSTER ACLs', async (t) => {
  const { h } = await harness(t);
  const c = await loginScram(h.saslPlaintext, 'bob', USERS.bob);
  const batch = await recordBatch([Buffer.from('fire-and-forget')]);
  c.socket.write(
    RawClient.packet(ApiKey.Produce, 7, 99, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: 'secret', partitionData: [{ index: 0, records: batch }] }],
    }),
  );
  const closed = await Promise.race([c.closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
  t.ok(closed, 'the broker behaviour: no response to send, so the connection is closed');
  t.ok(
    h.logs.some((l) => l.msg === 'client connection closed' && l.reason === 'acks_zero_denied'),
    'with a logged reason',
  );

  const bob = await loginScram(h.saslPlaintext, 'bob', USERS.bob);
  t.teardown(() => bob.close());
  const describe = () =>
    bob.request<describeUserScramCredentials.Response>(ApiKey.DescribeUserScramCredentials, 0, { users: null });
  t.equal((await describe()).errorCode, 31, 'bob may not describe credentials');
  const alice = await loginScram(h.saslPlaintext, 'alice', USERS.alice);
  t.teardown(() => alice.close());
  const created = await alice.request<createAcls.Response>(ApiKey.CreateAcls, 3, {
    creations: [allowDescribeCreation(4, 'kafka-cluster', 'User:bob')],
  });
  t.same(
    created.results.map((r) => r.errorCode),
    [0],
    'alice grants bob DESCRIBE on the cluster',
  );
  const after = await describe();
  t.equal(after.errorCode, 0, 'now bob may, on the same connection');
  t.same(after.results.map((r) => r.user).sort(), ['alice', 'bob']);
  const bad = await alice.request<createAcls.Response>(ApiKey.CreateAcls, 3, {
    creations: [
      {
        resourceType: 4,
        resourceName: 'other-cluster',
        resourcePatternType: 3,
        principal: 'User:bob',
        host: '*',
        operation: 8,
        permissionType: 3,
      },
    ],
  });
  t.equal(bad.results[0]!.errorCode, 42, 'an invalid binding is refused with INVALID_REQUEST');
});
