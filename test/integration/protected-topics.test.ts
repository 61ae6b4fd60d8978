// The audit topic through the real proxy with real clients (kcat, kafkajs): a super user can
// neither see, read nor write it; the principal named in protectedTopics.principals reads it (as
// its ACLs allow), and finds the super user's refusals recorded there; the audit sink keeps
// producing to it, through its own upstream connection. Without an acl section the topic is off
// limits all the same, and everything else works as without the proxy's checks.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { startSecureHarness, USERS, type SecureHarness } from '../helpers/secure.js';
import { startHarness } from '../helpers/proxy.js';
import { kcat } from '../helpers/kcat.js';
import { auditTopicEvents, until } from '../helpers/audit-topic.js';
import { loginScram } from '../helpers/scram-client.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as produce from '../../src/protocol/generated/produce.js';
import type * as fetch from '../../src/protocol/generated/fetch.js';

const AUDIT = '_kafka_warden_audit';

interface Event {
  id: string;
  type: string;
  data: {
    methodName: string;
    action?: string;
    authenticationInfo?: { principal: string };
    authorizationInfo?: {
      granted: boolean;
      operation: string;
      resourceName: string;
      protectedTopic?: boolean;
      superUserAuthorization?: boolean;
    };
  };
}

const sasl = (h: SecureHarness, user: 'alice' | 'bob') => [
  '-b',
  h.saslPlaintext,
  '-X',
  'security.protocol=SASL_PLAINTEXT',
  '-X',
  'sasl.mechanisms=SCRAM-SHA-256',
  '-X',
  `sasl.username=${user}`,
  '-X',
  `sasl.password=${USERS[user]}`,
];
const kafkaAs = (h: SecureHarness, user: 'alice' | 'bob', clientId: string) =>
  new Kafka({
    clientId,
    brokers: [h.saslPlaintext],
    sasl: { mechanism: 'scram-sha-256', username: user, password: USERS[user] },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });

const direct = (h: { cluster: { brokers: string[] } }): Promise<Event[]> =>
  auditTopicEvents<Event>(h.cluster.brokers, AUDIT);

t.test('a super user cannot see, read or write the audit topic; the named principal reads it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-protected-'));
  const aclFile = join(dir, 'acls.yaml');
  writeFileSync(
    aclFile,
    `acls:
  - { resourceType: TOPIC, resourceName: ${AUDIT}, principal: "User:bob", operation: READ }
  - { resourceType: GROUP, resourceName: bob-, patternType: PREFIXED, principal: "User:bob", operation: READ }
`,
  );
  const h = await startSecureHarness({
    cluster: { topics: { orders: 1, [AUDIT]: 1 } },
    acl: { superUsers: ['User:alice'], file: aclFile },
    config: {
      protectedTopics: { principals: ['User:bob'] },
      audit: { spool: { dir: join(dir, 'spool') }, sinks: [{ type: 'kafka', lingerMs: 10 }] },
    },
  });
  t.teardown(() => h.stop());

  const list = await kcat(['-L', ...sasl(h, 'alice')], { timeoutMs: 20_000 });
  t.equal(list.code, 0, `kcat -L as alice (${list.stderr.slice(0, 200)})`);
  t.match(list.stdout, /topic "orders"/, 'the super user sees the other topics');
  t.notMatch(list.stdout, new RegExp(`topic "${AUDIT}"`), 'but not the audit topic');

  const write = await kcat(['-P', '-t', AUDIT, '-p', '0', ...sasl(h, 'alice')], {
    input: 'forged\n',
    timeoutMs: 20_000,
  });
  t.match(write.stderr, /Topic authorization failed/, 'kcat: the super user may not write it');
  const read = await kcat(['-C', '-t', AUDIT, '-p', '0', '-o', 'beginning', '-e', ...sasl(h, 'alice')], {
    timeoutMs: 20_000,
  });
  t.match(read.stderr, /Topic authorization failed/, 'nor read it');

  const producer = kafkaAs(h, 'alice', 'alice-producer').producer();
  await producer.connect();
  const sent = await producer.send({ topic: AUDIT, messages: [{ value: 'forged' }] }).then(
    () => 'ok',
    (e: Error & { type?: string }) => `${e.type} ${e.message}`,
  );
  await producer.disconnect();
  t.match(
    sent,
    /TOPIC_AUTHORIZATION_FAILED|Topic authorization failed|Not authorized/,
    'kafkajs: refused as a topic authorization failure',
  );

  // Straight at the leader, past any client-side metadata check.
  const alice = await loginScram(`127.0.0.1:${h.base + 71}`, 'alice', USERS.alice);
  t.teardown(() => alice.close());
  await h.cluster.command(`leader ${AUDIT} 0 1`);
  const batch = await recordBatch([Buffer.from('forged')]);
  const res = await alice.request<produce.Response>(ApiKey.Produce, 7, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: AUDIT, partitionData: [{ index: 0, records: batch }] }],
  });
  t.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 29, 'a raw Produce: TOPIC_AUTHORIZATION_FAILED');
  const fetched = await alice.request<fetch.Response>(ApiKey.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: AUDIT,
        partitions: [
          { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 1 << 20 },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  t.equal(fetched.responses[0]!.partitions[0]!.errorCode, 29, 'a raw Fetch: TOPIC_AUTHORIZATION_FAILED');

  // bob, named in protectedTopics.principals and allowed READ, consumes it through the proxy.
  const consumer = kafkaAs(h, 'bob', 'bob-auditor').consumer({ groupId: 'bob-auditors', maxWaitTimeInMs: 200 });
  const seen: Event[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: AUDIT, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => void seen.push(JSON.parse(message.value!.toString()) as Event),
  });
  const refusal = (e: Event) =>
    e.data.authenticationInfo?.principal === 'User:alice' &&
    e.data.authorizationInfo?.granted === false &&
    e.data.authorizationInfo.resourceName === AUDIT &&
    e.data.authorizationInfo.protectedTopic === true;
  const deadline = Date.now() + 30_000;
  while (
    !(
      seen.some((e) => e.data.action === 'start') &&
      seen.some((e) => refusal(e) && e.data.authorizationInfo!.operation === 'Write') &&
      seen.some((e) => refusal(e) && e.data.authorizationInfo!.operation === 'Read')
    ) &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await consumer.disconnect();
  t.ok(
    seen.some((e) => e.data.action === 'start'),
    'bob reads the proxy start event',
  );
  t.ok(
    seen.some((e) => refusal(e) && e.data.authorizationInfo!.operation === 'Write'),
    "and alice's refused writes, recorded as denials of a protected topic",
  );
  t.ok(
    seen.some((e) => refusal(e) && e.data.authorizationInfo!.operation === 'Read'),
    'and her refused reads',
  );
  t.notOk(
    seen.some((e) => JSON.stringify(e).includes('forged')),
    'nothing alice sent reached the topic',
  );

  const bobWrite = await kcat(['-P', '-t', AUDIT, '-p', '0', ...sasl(h, 'bob')], {
    input: 'forged\n',
    timeoutMs: 20_000,
  });
  t.match(
    bobWrite.stderr,
    /Topic authorization failed/,
    'bob may not write it: the ACLs decide for him, and he has no WRITE',
  );

  // The sink is no client: it goes on producing through its own upstream connection.
  const before = (await direct(h)).length;
  await kcat(['-L', ...sasl(h, 'alice')], { timeoutMs: 20_000 });
  const after = await until(
    () => direct(h),
    (got) => got.length > before,
  );
  t.ok(after.length > before, `the sink keeps writing to the topic (${before} -> ${after.length} events)`);
  t.notOk(
    after.some((e) => JSON.stringify(e).includes('forged')),
    'and only it',
  );
});

t.test('without an acl section the audit topic is off limits all the same', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-protected-open-'));
  const h = await startHarness({
    cluster: { brokers: 3, topics: { orders: 1, [AUDIT]: 1 } },
    config: { audit: { spool: { dir: join(dir, 'spool') }, sinks: [{ type: 'kafka', lingerMs: 10 }] } },
  });
  t.teardown(() => h.stop());
  const list = await kcat(['-L', '-b', h.bootstrap], { timeoutMs: 20_000 });
  t.match(list.stdout, /topic "orders"/);
  t.notMatch(list.stdout, new RegExp(`topic "${AUDIT}"`), 'not listed');
  const write = await kcat(['-P', '-t', AUDIT, '-p', '0', '-b', h.bootstrap], { input: 'forged\n', timeoutMs: 20_000 });
  t.match(write.stderr, /Topic authorization failed/, 'not writable');
  const read = await kcat(['-C', '-t', AUDIT, '-p', '0', '-o', 'beginning', '-e', '-b', h.bootstrap], {
    timeoutMs: 20_000,
  });
  t.match(read.stderr, /Topic authorization failed/, 'not readable');
  const ok = await kcat(['-P', '-t', 'orders', '-p', '0', '-b', h.bootstrap], {
    input: 'o-1\no-2\n',
    timeoutMs: 20_000,
  });
  t.equal(ok.code, 0, 'other topics are written as before');
  const back = await kcat(['-C', '-t', 'orders', '-p', '0', '-o', 'beginning', '-e', '-q', '-b', h.bootstrap], {
    timeoutMs: 20_000,
  });
  t.match(back.stdout, /o-1\no-2/, 'and read');
  const batch = await recordBatch([Buffer.from('x')]);
  await h.cluster.command(`leader ${AUDIT} 0 1`);
  const raw = await RawClient.connect(`127.0.0.1:${h.base + 11}`);
  t.teardown(() => raw.close());
  const res = await raw.request<produce.Response>(ApiKey.Produce, 7, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: AUDIT, partitionData: [{ index: 0, records: batch }] }],
  });
  t.equal(res.responses[0]!.partitionResponses[0]!.errorCode, 29, 'a raw Produce to its leader: 29');
  const events = await until(
    () => direct(h),
    (got) => got.some((e) => e.data.authorizationInfo?.protectedTopic === true),
  );
  t.ok(
    events.some(
      (e) =>
        e.data.authenticationInfo?.principal === 'User:ANONYMOUS' &&
        e.data.authorizationInfo?.protectedTopic === true &&
        e.data.authorizationInfo.granted === false,
    ),
    'the refusals are audited',
  );
  t.notOk(
    events.some((e) => e.data.authorizationInfo?.resourceName === 'orders'),
    'allowed use of other topics is not (there is no authorization to record)',
  );
});
