// The audit trail through the proxy with real clients (kcat, kafkajs): authentication successes
// and failures, denials, allowed management operations and first produces, ACL changes; written
// to a file and produced to a topic on the upstream cluster, both chained, all valid CloudEvents.
// Then the topic's broker goes down: events spool, and drain in order when it is back.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import { startSecureHarness, USERS, type SecureHarness } from '../helpers/secure.js';
import { kcat } from '../helpers/kcat.js';
import { auditTopicEvents, until } from '../helpers/audit-topic.js';
import { verifyLines } from '../../src/audit/chain.js';
import { cloudEventErrors } from '../helpers/cloudevents.js';
import { RawClient } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';

const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

interface Event {
  id: string;
  type: string;
  chainseq: number;
  data: {
    methodName: string;
    authenticationInfo?: { principal: string; metadata?: { mechanism: string; identifier: string } };
    authorizationInfo?: { granted: boolean; operation: string; resourceType: string; resourceName: string };
    result?: { status: string; reason?: string };
    change?: { kind: string; items: string[] };
    action?: string;
  };
}

const bob = (h: SecureHarness, password: string = USERS.bob) => [
  '-b',
  h.saslPlaintext,
  '-X',
  'security.protocol=SASL_PLAINTEXT',
  '-X',
  'sasl.mechanisms=SCRAM-SHA-256',
  '-X',
  'sasl.username=bob',
  '-X',
  `sasl.password=${password}`,
];

const topicEvents = (h: SecureHarness): Promise<Event[]> => auditTopicEvents<Event>(h.cluster.brokers, '_audit');

t.test('audit events from real clients, in a file and a topic', async (t) => {
  const h = await startSecureHarness({
    cluster: { topics: { orders: 1, secret: 1, _audit: 1 } },
    acl: { superUsers: ['User:alice'] },
    config: {
      audit: {
        spool: { dir: join(process.env.TMPDIR ?? '/tmp', `warden-audit-spool-${process.pid}-${Date.now()}`) },
        sinks: [
          { type: 'file', path: join(process.env.TMPDIR ?? '/tmp', `warden-audit-${process.pid}-${Date.now()}.jsonl`) },
          { type: 'kafka', topic: '_audit', lingerMs: 10 },
        ],
      },
    },
  });
  t.teardown(() => h.stop());
  const audit = h.proxy.audit!;
  const filePath = (audit.config.sinks[0] as { path: string }).path;
  const admin = new Kafka({
    clientId: 'alice-admin',
    brokers: [h.saslPlaintext],
    sasl: { mechanism: 'scram-sha-256', username: 'alice', password: USERS.alice },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  await admin.connect();
  await admin.createAcls({
    acl: [
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'orders',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: 'User:bob',
        host: '*',
        operation: AclOperationTypes.WRITE,
        permissionType: AclPermissionTypes.ALLOW,
      },
      // READ (so DESCRIBE) but not WRITE on secret: the client gets as far as the Produce.
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'secret',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: 'User:bob',
        host: '*',
        operation: AclOperationTypes.READ,
        permissionType: AclPermissionTypes.ALLOW,
      },
    ],
  });
  await admin.disconnect();
  const ok = await kcat(['-P', '-t', 'orders', ...bob(h)], { input: 'a\nb\nc\n', timeoutMs: 20_000 });
  t.equal(ok.code, 0, 'bob produces to orders');
  const denied = await kcat(['-P', '-t', 'secret', ...bob(h)], { input: 'x\n', timeoutMs: 20_000 });
  t.match(denied.stderr, /Topic authorization failed/);
  const wrong = await kcat(['-L', ...bob(h, 'not-the-password')], { timeoutMs: 20_000 });
  t.not(wrong.code, 0);
  // A request before authentication: the session closes the connection, a decision of its own.
  const early = await RawClient.connect(h.saslPlaintext);
  early.request(ApiKey.Metadata, 1, { topics: null }).catch(() => {});
  await early.closed;

  const read = () => readFileSync(filePath, 'utf8').trim().split('\n');
  // The file sink writes behind the proxy's decisions: wait for the last one recorded.
  await until(
    async () => readFileSync(filePath, 'utf8'),
    (text) => text.includes('io.kafkawarden/connection-closed'),
  );
  const lines = read();
  t.ok(verifyLines(lines).ok, 'the file chain verifies');
  const events = lines.map((l) => JSON.parse(l) as Event);
  for (const e of events) t.equal(cloudEventErrors(e), null, `${e.type} ${e.data.methodName}: a valid CloudEvent`);
  const find = (pred: (e: Event) => boolean) => events.find(pred);
  t.ok(
    find((e) => e.data.action === 'start'),
    'proxy start',
  );
  t.ok(
    find(
      (e) =>
        e.data.result?.status === 'SUCCESS' &&
        e.data.authenticationInfo?.principal === 'User:bob' &&
        e.data.authenticationInfo.metadata?.mechanism === 'SCRAM-SHA-256',
    ),
    'bob authenticated',
  );
  t.ok(
    find(
      (e) => e.data.result?.status === 'UNAUTHENTICATED' && e.data.authenticationInfo?.metadata?.identifier === 'bob',
    ),
    'the failed login, with the attempted user',
  );
  t.ok(
    find(
      (e) =>
        e.data.methodName === 'kafka.CreateAcls' &&
        e.data.authorizationInfo?.granted === true &&
        e.data.authorizationInfo.operation === 'Alter' &&
        e.data.authorizationInfo.resourceType === 'Cluster',
    ),
    'the allowed management operation',
  );
  t.match(
    find((e) => e.type === 'io.kafkawarden/connection-closed'),
    { data: { result: { status: 'CLOSED', reason: 'request_before_authentication' }, listener: /./ } },
    'the connection closed for a request before authentication, with its close reason',
  );
  t.match(
    find((e) => e.type === 'io.kafkawarden/change')?.data.change,
    { kind: 'acls-created', items: [/principal=User:bob.*operation=WRITE.*TOPIC:LITERAL:orders/] },
    'the ACL change',
  );
  const produces = events.filter((e) => e.data.methodName === 'kafka.Produce');
  t.ok(
    produces.some(
      (e) => e.data.authorizationInfo?.granted === true && e.data.authorizationInfo.resourceName === 'orders',
    ),
    'the first produce to orders',
  );
  t.ok(
    produces.some(
      (e) =>
        e.data.authorizationInfo?.granted === false &&
        e.data.authorizationInfo.resourceName === 'secret' &&
        e.data.authorizationInfo.operation === 'Write',
    ),
    'the denied produce to secret',
  );
  t.notOk(
    JSON.stringify(events).includes(USERS.bob) || JSON.stringify(events).includes('not-the-password'),
    'no password in any event',
  );

  const inTopic = await until(
    () => topicEvents(h),
    (got) => events.every((e) => got.some((g) => g.id === e.id)),
  );
  const ids = new Set(inTopic.map((e) => e.id));
  t.ok(
    events.every((e) => ids.has(e.id)),
    `every file event is in the topic too (${inTopic.length} there)`,
  );
  t.ok(
    verifyLines(inTopic.map((e) => JSON.stringify(e))).ok ||
      inTopic.every((e, i) => i === 0 || e.chainseq === inTopic[i - 1]!.chainseq + 1),
    'the topic holds its own chain in order',
  );

  // The topic's broker goes down: events wait in the spool, then drain, none missing, in order.
  await h.cluster.command('leader _audit 0 1');
  await h.cluster.command('down 1');
  for (let i = 0; i < 5; i++) await kcat(['-L', ...bob(h, `wrong-${i}`)], { timeoutMs: 20_000 });
  t.ok(
    (audit.pending()['kafka:_audit'] ?? 0) > 0,
    `events spooled while the broker is down (${audit.pending()['kafka:_audit']})`,
  );
  await h.cluster.command('up 1');
  const fileIds = read().map((l) => (JSON.parse(l) as Event).id);
  const after = await until(
    () => topicEvents(h),
    (got) => fileIds.every((id) => got.some((g) => g.id === id)),
    30_000,
  );
  const seen = new Set<string>();
  const unique = after.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
  t.ok(
    fileIds.every((id) => seen.has(id)),
    'none missing after the broker returned',
  );
  t.ok(
    unique.every((e, i) => i === 0 || e.chainseq === unique[i - 1]!.chainseq + 1),
    'none reordered: chainseq runs 1, 2, 3... in the topic',
  );
  t.equal(audit.pending()['kafka:_audit'], 0, 'the spool drained');
});
