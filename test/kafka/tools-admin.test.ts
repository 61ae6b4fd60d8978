// Kafka's admin tools through the proxy to a real Kafka over SASL_SSL (SCRAM-SHA-512), and mTLS:
// kafka-acls managing the proxy's ACL store (and those ACLs enforced, with Kafka's exact errors),
// kafka-configs adding, describing and removing SCRAM users in the proxy's credential store and
// changing topic configs on the broker, the producer and consumer perf tests, and our Java program
// (test/clients/java/WardenClientOps.java) for idempotent and transactional producers,
// read_committed consumers and admin calls.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startKafka, kafkaTool, javaClient, JAVA_CLIENTS, type JavaResult } from '../helpers/kafka.js';
import {
  startJavaSecurityProxy,
  propertiesFile,
  addressFor,
  type Login,
  type Variant,
} from '../helpers/java-security.js';
import { CredentialStore } from '../../src/auth/credentials.js';

const kafka = await startKafka(t);
const aclFile = join(mkdtempSync(join(tmpdir(), 'warden-tools-acl-')), 'acls.yaml');
writeFileSync(aclFile, 'acls:\n');
// Kafka's defaults: only what an ACL allows (alice is the super user).
const proxy = await startJavaSecurityProxy(kafka.brokers, {
  acl: { superUsers: ['User:alice'], allowEveryoneIfNoAclFound: false, file: aclFile },
});
t.teardown(() => proxy.stop());
await kafka.createTopics({ 'acl-open': 1, 'acl-closed': 1, 'cfg-topic': 1, perf: 2, idem: 1, txn: 1 });

const SCRAM: Variant = { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512' };
const MTLS: Variant = { protocol: 'SSL', clientCert: true };
const alice = propertiesFile(proxy, SCRAM);
const bob = propertiesFile(proxy, SCRAM, { user: 'bob' });
const out = (r: JavaResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`.slice(0, 4000);

/** A tool through the proxy's SASL_SSL listener (or `variant`'s) with the client properties `props`. */
function tool(
  name: Parameters<typeof kafkaTool>[0],
  props: string,
  args: string[],
  opts: { input?: string; variant?: Variant } = {},
): Promise<JavaResult> {
  return kafkaTool(
    name,
    ['--bootstrap-server', addressFor(proxy, opts.variant ?? SCRAM), '--command-config', props, ...args],
    { input: opts.input, timeoutMs: 60_000 },
  );
}

/** The `(principal=..., operation=..., permissionType=...)` entries kafka-acls printed under "Current ACLs". */
function currentAcls(stdout: string): string[] {
  const at = stdout.lastIndexOf('Current ACLs for resource');
  if (at < 0) return [];
  return [...stdout.slice(at).matchAll(/\(principal=(\S+), host=(\S+), operation=(\S+), permissionType=(\S+)\)/g)]
    .map((m) => `${m[1]} ${m[3]} ${m[4]}`)
    .sort();
}

interface OpResult {
  op: string;
  error?: string;
  message?: string;
  [k: string]: unknown;
}

/** Our Java program: one JVM running `steps` in order, one JSON line each. */
async function ops(variant: Variant, login: Login, steps: string[][]): Promise<OpResult[]> {
  const props = propertiesFile(proxy, variant, login, { 'bootstrap.servers': addressFor(proxy, variant) });
  const r = await javaClient('WardenClientOps', [props, ...steps.flatMap((s, i) => (i === 0 ? s : ['--', ...s]))], {
    timeoutMs: 90_000,
  });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
  if (r.code !== 0 || lines.length !== steps.length)
    throw new Error(`WardenClientOps over ${JSON.stringify(variant)}: ${out(r)}`);
  return lines.map((l) => JSON.parse(l) as OpResult);
}

t.test('kafka-acls adds, lists and removes ACLs in the proxy, which enforces them', async (t) => {
  const addProducer = await tool('kafka-acls', alice, [
    '--add',
    '--allow-principal',
    'User:bob',
    '--producer',
    '--topic',
    'acl-open',
  ]);
  t.equal(addProducer.code, 0, out(addProducer));
  t.match(
    addProducer.stdout,
    'Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=acl-open, patternType=LITERAL)`',
  );
  const addConsumer = await tool('kafka-acls', alice, [
    '--add',
    '--allow-principal',
    'User:bob',
    '--consumer',
    '--topic',
    'acl-open',
    '--group',
    'bob-group',
  ]);
  t.equal(addConsumer.code, 0, out(addConsumer));
  const addCert = await tool('kafka-acls', alice, [
    '--add',
    '--allow-principal',
    proxy.certPrincipal,
    '--operation',
    'Write',
    '--topic',
    'acl-open',
  ]);
  t.equal(addCert.code, 0, out(addCert));

  const list = await tool('kafka-acls', alice, ['--list', '--topic', 'acl-open']);
  t.equal(list.code, 0, out(list));
  t.same(
    currentAcls(list.stdout),
    [
      'User:bob CREATE ALLOW',
      'User:bob DESCRIBE ALLOW',
      'User:bob READ ALLOW',
      'User:bob WRITE ALLOW',
      'User:writeuser WRITE ALLOW',
    ],
    'the topic ACLs, as kafka-acls lists them',
  );
  const store = readFileSync(aclFile, 'utf8');
  t.match(store, /resourceName: bob-group/, 'the group ACL is in the proxy ACL file');
  t.equal(store.match(/resourceName: acl-open/g)?.length, 5, 'and the five topic ACLs');
  const direct = await kafkaTool('kafka-acls', ['--bootstrap-server', kafka.bootstrap, '--list']);
  t.match(
    direct.stdout + direct.stderr,
    'SecurityDisabledException: No Authorizer is configured',
    'the broker itself has no ACLs: the proxy served them',
  );

  const produced = await tool('kafka-console-producer', bob, ['--topic', 'acl-open'], { input: 'from-bob\n' });
  t.equal(produced.code, 0, out(produced));
  t.notMatch(produced.stderr, /Exception/, 'bob may write acl-open');
  const deniedTopic = await tool('kafka-console-producer', bob, ['--topic', 'acl-closed'], { input: 'nope\n' });
  t.match(
    deniedTopic.stderr,
    'Error when sending message to topic acl-closed with key: null, value: 4 bytes with error:',
    `bob may not write acl-closed\n${out(deniedTopic)}`,
  );
  t.match(
    deniedTopic.stderr,
    'org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [acl-closed]',
  );

  const consumed = await tool('kafka-console-consumer', bob, [
    '--topic',
    'acl-open',
    '--group',
    'bob-group',
    '--from-beginning',
    '--max-messages',
    '1',
    '--timeout-ms',
    '30000',
  ]);
  t.equal(consumed.code, 0, out(consumed));
  t.equal(consumed.stdout.trim(), 'from-bob', 'bob reads acl-open in bob-group');
  const deniedGroup = await tool('kafka-console-consumer', bob, [
    '--topic',
    'acl-open',
    '--group',
    'other-group',
    '--from-beginning',
    '--max-messages',
    '1',
    '--timeout-ms',
    '30000',
  ]);
  t.equal(deniedGroup.stdout.trim(), '', 'nothing read in other-group');
  t.match(
    deniedGroup.stderr,
    'org.apache.kafka.common.errors.GroupAuthorizationException: Not authorized to access group: other-group',
  );

  const remove = await tool('kafka-acls', alice, [
    '--remove',
    '--allow-principal',
    'User:bob',
    '--operation',
    'Write',
    '--topic',
    'acl-open',
    '--force',
  ]);
  t.equal(remove.code, 0, out(remove));
  const after = await tool('kafka-acls', alice, ['--list', '--topic', 'acl-open']);
  t.same(
    currentAcls(after.stdout),
    ['User:bob CREATE ALLOW', 'User:bob DESCRIBE ALLOW', 'User:bob READ ALLOW', 'User:writeuser WRITE ALLOW'],
    "bob's WRITE removed",
  );
  t.equal(readFileSync(aclFile, 'utf8').match(/resourceName: acl-open/g)?.length, 4, 'and from the file');
  // The console producer is idempotent: without WRITE on any topic (or IDEMPOTENT_WRITE) bob gets no producer id.
  const deniedNow = await tool('kafka-console-producer', bob, ['--topic', 'acl-open'], { input: 'again\n' });
  t.match(
    deniedNow.stderr,
    'Error when sending message to topic acl-open with key: null, value: 5 bytes with error:',
    `bob may no longer write acl-open\n${out(deniedNow)}`,
  );
  t.match(
    deniedNow.stderr,
    'org.apache.kafka.common.errors.ClusterAuthorizationException: Cluster authorization failed.',
  );
  const deniedAdmin = await tool('kafka-acls', bob, ['--list']);
  t.not(deniedAdmin.code, 0, out(deniedAdmin));
  t.match(
    deniedAdmin.stdout + deniedAdmin.stderr,
    'org.apache.kafka.common.errors.ClusterAuthorizationException',
    'bob may not list ACLs',
  );
});

t.test('kafka-configs: SCRAM users added, described and removed in the proxy', async (t) => {
  const add = await tool('kafka-configs', alice, [
    '--alter',
    '--entity-type',
    'users',
    '--entity-name',
    'carol',
    '--add-config',
    'SCRAM-SHA-256=[iterations=8192,password=carol-pw],SCRAM-SHA-512=[password=carol-pw]',
  ]);
  t.equal(add.code, 0, out(add));
  t.match(add.stdout, 'Completed updating config for user carol.');
  const describe = await tool('kafka-configs', alice, [
    '--describe',
    '--entity-type',
    'users',
    '--entity-name',
    'carol',
  ]);
  t.equal(describe.code, 0, out(describe));
  const described = /SCRAM credential configs for user-principal 'carol' are (.*)$/m
    .exec(describe.stdout)?.[1]
    ?.split(', ')
    .sort();
  t.same(
    described,
    ['SCRAM-SHA-256=iterations=8192', 'SCRAM-SHA-512=iterations=4096'],
    'both mechanisms with their iterations',
  );
  t.equal(
    new CredentialStore(proxy.credentialsFile).lookup('carol', 'SCRAM-SHA-512')?.iterations,
    4096,
    "in the proxy's credentials file",
  );
  const direct = await kafkaTool('kafka-configs', [
    '--bootstrap-server',
    kafka.bootstrap,
    '--describe',
    '--entity-type',
    'users',
    '--entity-name',
    'carol',
  ]);
  t.equal(direct.code, 0, out(direct));
  t.notMatch(direct.stdout, /SCRAM/, 'the broker itself has no such user');

  const carol = propertiesFile(proxy, SCRAM, { user: 'carol', password: 'carol-pw' });
  const login = await tool('kafka-topics', carol, ['--list']);
  t.equal(login.code, 0, `carol logs in at once\n${out(login)}`);

  const deniedAlter = await tool('kafka-configs', bob, [
    '--alter',
    '--entity-type',
    'users',
    '--entity-name',
    'bob',
    '--add-config',
    'SCRAM-SHA-256=[password=mine]',
  ]);
  t.not(deniedAlter.code, 0, out(deniedAlter));
  t.match(
    deniedAlter.stdout + deniedAlter.stderr,
    'org.apache.kafka.common.errors.ClusterAuthorizationException',
    'bob may not change credentials',
  );

  const remove = await tool('kafka-configs', alice, [
    '--alter',
    '--entity-type',
    'users',
    '--entity-name',
    'carol',
    '--delete-config',
    'SCRAM-SHA-256,SCRAM-SHA-512',
  ]);
  t.equal(remove.code, 0, out(remove));
  t.equal(
    new CredentialStore(proxy.credentialsFile).lookup('carol', 'SCRAM-SHA-512'),
    undefined,
    'gone from the credentials file',
  );
  const refused = await tool('kafka-topics', carol, ['--list']);
  t.equal(refused.code, 1, out(refused));
  t.equal(
    refused.stdout.trim(),
    'Error while executing topic command : Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    'carol can no longer log in',
  );
});

t.test('kafka-configs: topic configs reach the broker', async (t) => {
  const alter = await tool('kafka-configs', alice, [
    '--alter',
    '--entity-type',
    'topics',
    '--entity-name',
    'cfg-topic',
    '--add-config',
    'retention.ms=123456789,cleanup.policy=compact',
  ]);
  t.equal(alter.code, 0, out(alter));
  t.match(alter.stdout, 'Completed updating config for topic cfg-topic.');
  const describe = await tool('kafka-configs', alice, [
    '--describe',
    '--entity-type',
    'topics',
    '--entity-name',
    'cfg-topic',
  ]);
  t.equal(describe.code, 0, out(describe));
  const direct = await kafkaTool('kafka-configs', [
    '--bootstrap-server',
    kafka.bootstrap,
    '--describe',
    '--entity-type',
    'topics',
    '--entity-name',
    'cfg-topic',
  ]);
  t.equal(direct.code, 0, out(direct));
  for (const r of [describe, direct]) {
    t.match(r.stdout, 'Dynamic configs for topic cfg-topic are:');
    t.match(r.stdout, 'cleanup.policy=compact sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact');
    t.match(r.stdout, 'retention.ms=123456789 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=123456789');
  }
  t.equal(describe.stdout, direct.stdout, 'through the proxy as on the broker');
  const denied = await tool('kafka-configs', bob, [
    '--alter',
    '--entity-type',
    'topics',
    '--entity-name',
    'cfg-topic',
    '--add-config',
    'retention.ms=1',
  ]);
  t.not(denied.code, 0, out(denied));
  t.match(
    denied.stdout + denied.stderr,
    'org.apache.kafka.common.errors.TopicAuthorizationException: Topic authorization failed.',
    'bob may not alter it',
  );
});

t.test('producer and consumer perf tests', async (t) => {
  const records = 5000;
  const produce = await tool('kafka-producer-perf-test', alice, [
    '--topic',
    'perf',
    '--num-records',
    String(records),
    '--record-size',
    '100',
    '--throughput',
    '-1',
  ]);
  t.equal(produce.code, 0, out(produce));
  t.match(produce.stdout, new RegExp(`^${records} records sent, `, 'm'), 'every record sent');
  const consume = await tool('kafka-consumer-perf-test', alice, [
    '--topic',
    'perf',
    '--num-records',
    String(records),
    '--group',
    'perf-group',
    '--timeout',
    '30000',
  ]);
  t.equal(consume.code, 0, out(consume));
  const [header, row] = consume.stdout
    .trim()
    .split('\n')
    .slice(-2)
    .map((l) => l.split(',').map((c) => c.trim()));
  const col = (name: string) => Number(row?.[header?.indexOf(name) ?? -1]);
  t.equal(col('data.consumed.in.nMsg'), records, `every record consumed\n${consume.stdout}`);
  t.equal(col('data.consumed.in.MB').toFixed(4), ((records * 100) / 1024 / 1024).toFixed(4), 'all their bytes');
});

t.test('our Java program: idempotent and transactional producers, read_committed, admin calls', async (t) => {
  t.ok(existsSync(join(JAVA_CLIENTS, 'WardenClientOps.class')), 'built (scripts/build-test-clients.sh)');
  const [idem, txn, committed, uncommitted, idemRead, cluster, topics, describe, acls] = await ops(SCRAM, {}, [
    ['idempotent', 'idem', '20'],
    ['transaction', 'txn', 'txn-1'],
    ['consume', 'txn', 'read_committed', '4'],
    ['consume', 'txn', 'read_uncommitted', '6'],
    ['consume', 'idem', 'read_committed', '20'],
    ['cluster'],
    ['topics'],
    ['describe', 'acl-open'],
    ['acls'],
  ]);
  t.same(
    idem,
    { op: 'idempotent', offsets: Array.from({ length: 20 }, (_, i) => i) },
    'idempotent producer: 20 records acked in order',
  );
  t.same(txn, { op: 'transaction', committed: 4, aborted: 2 }, 'transactions committed and aborted');
  t.same(
    committed!.values,
    ['committed-0', 'committed-1', 'committed-2', 'committed-3'],
    'read_committed sees only committed records',
  );
  t.same(
    uncommitted!.values,
    ['committed-0', 'committed-1', 'committed-2', 'aborted-0', 'aborted-1', 'committed-3'],
    'read_uncommitted sees the aborted ones too',
  );
  t.equal(idemRead!.values && (idemRead!.values as string[]).length, 20, 'the idempotent records, once each');
  t.equal(cluster!.error, undefined, JSON.stringify(cluster));
  t.same(cluster!.nodes, [`localhost:${proxy.base + 31}`], "the broker at the proxy's address for it");
  t.equal(cluster!.clusterId, kafka.clusterId);
  t.same(
    cluster!.authorizedOperations,
    ['ALTER', 'ALTER_CONFIGS', 'CLUSTER_ACTION', 'CREATE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'IDEMPOTENT_WRITE'],
    'a super user: every cluster operation',
  );
  t.ok(
    (topics!.topics as string[]).includes('acl-closed') && (topics!.topics as string[]).includes('txn'),
    'every topic listed',
  );
  t.same(
    [describe!.partitions, describe!.leaders],
    [1, [`localhost:${proxy.base + 31}`]],
    'describeTopics: leaders at the proxy',
  );
  t.ok((describe!.authorizedOperations as string[]).includes('DELETE'), 'a super user may do everything on the topic');
  t.same(
    acls!.acls,
    [
      'GROUP:LITERAL:bob-group User:bob READ ALLOW',
      'TOPIC:LITERAL:acl-open User:bob CREATE ALLOW',
      'TOPIC:LITERAL:acl-open User:bob DESCRIBE ALLOW',
      'TOPIC:LITERAL:acl-open User:bob READ ALLOW',
      'TOPIC:LITERAL:acl-open User:writeuser WRITE ALLOW',
    ],
    'describeAcls: the ACLs kafka-acls left',
  );

  // bob: DESCRIBE, READ and CREATE on acl-open, no WRITE anywhere (after the kafka-acls test).
  const [bProduce, bIdem, bTxn, bDescribe, bDescribeOpen, bAcls, bCluster] = await ops(SCRAM, { user: 'bob' }, [
    ['produce', 'acl-closed', 'x'],
    ['idempotent', 'acl-open', '1'],
    ['transaction', 'acl-open', 'bob-txn'],
    ['describe', 'acl-closed'],
    ['describe', 'acl-open'],
    ['acls'],
    ['cluster'],
  ]);
  t.same(
    [bProduce!.error, bProduce!.message],
    ['TopicAuthorizationException', 'Not authorized to access topics: [acl-closed]'],
    'produce to a denied topic',
  );
  t.same(
    [bIdem!.error, bIdem!.message],
    ['ClusterAuthorizationException', 'Cluster authorization failed.'],
    'idempotent producer without WRITE on any topic or IDEMPOTENT_WRITE',
  );
  t.same(
    [bTxn!.error, bTxn!.message],
    ['TransactionalIdAuthorizationException', 'Transactional Id authorization failed.'],
    'transactional id not allowed',
  );
  t.same(
    [bDescribe!.error, bDescribe!.message],
    ['TopicAuthorizationException', 'Topic authorization failed.'],
    'describing a denied topic',
  );
  t.same(
    bDescribeOpen!.authorizedOperations,
    ['CREATE', 'DESCRIBE', 'READ'],
    "describeTopics: bob's operations on acl-open",
  );
  t.same(
    [bAcls!.error, bAcls!.message],
    ['ClusterAuthorizationException', 'Cluster authorization failed.'],
    'describeAcls needs DESCRIBE on the cluster',
  );
  t.same(bCluster!.authorizedOperations, [], 'no cluster operations for bob');

  // The certificate's principal (User:writeuser) over mTLS: WRITE on acl-open only.
  const [wIdem, wProduce, wDescribe] = await ops(MTLS, {}, [
    ['idempotent', 'acl-open', '3'],
    ['produce', 'acl-closed', 'x'],
    ['describe', 'acl-open'],
  ]);
  t.equal(wIdem!.error, undefined, `mTLS: idempotent producer with WRITE on acl-open (${JSON.stringify(wIdem)})`);
  t.equal((wIdem!.offsets as number[]).length, 3);
  t.same(
    [wProduce!.error, wProduce!.message],
    ['TopicAuthorizationException', 'Not authorized to access topics: [acl-closed]'],
    'mTLS: produce to a denied topic',
  );
  t.same(wDescribe!.authorizedOperations, ['DESCRIBE', 'WRITE'], 'mTLS: WRITE implies DESCRIBE');
});
