// Kafka's own tools through the proxy to a real Kafka, over every security protocol the Java client
// speaks: PLAINTEXT, SSL without and with a client certificate, SASL_PLAINTEXT and SASL_SSL with
// PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. For each: kafka-topics creates, alters, describes and
// deletes a topic, the console producer's records come back through the console consumer, and
// kafka-consumer-groups describes the group's offsets, resets them and deletes the group. A refused
// login prints the text a Kafka broker makes these tools print (checked against Kafka 4.4 directly).
import t from 'tap';
import { startKafka, kafkaTool, type JavaResult } from '../helpers/kafka.js';
import {
  startJavaSecurityProxy,
  propertiesFile,
  addressFor,
  variantName,
  VARIANTS,
  MECHANISMS,
  type Variant,
} from '../helpers/java-security.js';

const kafka = await startKafka(t);
const proxy = await startJavaSecurityProxy(kafka.brokers);
t.teardown(() => proxy.stop());

const slug = (v: Variant) =>
  variantName(v)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-$/, '');
const out = (r: JavaResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`.slice(0, 4000);

/** Tool output rows of `kafka-consumer-groups --describe` / `--reset-offsets` for a topic: columns by header. */
function rows(stdout: string, topic: string): Array<Record<string, string>> {
  const lines = stdout.split('\n').map((l) => l.trim().split(/\s+/));
  const header = lines.find((l) => l.includes('PARTITION'));
  if (!header) return [];
  return lines.filter((l) => l.includes(topic)).map((l) => Object.fromEntries(header.map((h, i) => [h, l[i] ?? ''])));
}

const deleted: string[] = [];

t.test('every variant', async (t) => {
  // Nine variants, three at a time (each runs nine tools, one JVM each).
  t.jobs = 3;
  for (const v of VARIANTS)
    t.test(`${variantName(v)}: kafka-topics, console producer and consumer, kafka-consumer-groups`, async (t) => {
      const addr = addressFor(proxy, v);
      const props = propertiesFile(proxy, v);
      const tool = (name: Parameters<typeof kafkaTool>[0], args: string[], input?: string) =>
        kafkaTool(name, ['--bootstrap-server', addr, '--command-config', props, ...args], { input, timeoutMs: 60_000 });
      const topic = `tools-${slug(v)}`;
      const group = `group-${slug(v)}`;

      const create = await tool('kafka-topics', [
        '--create',
        '--topic',
        topic,
        '--partitions',
        '1',
        '--replication-factor',
        '1',
      ]);
      t.equal(create.code, 0, out(create));
      t.match(create.stdout, `Created topic ${topic}.`);
      const alter = await tool('kafka-topics', ['--alter', '--topic', topic, '--partitions', '3']);
      t.equal(alter.code, 0, out(alter));
      const describe = await tool('kafka-topics', ['--describe', '--topic', topic]);
      t.equal(describe.code, 0, out(describe));
      t.match(
        describe.stdout,
        new RegExp(`Topic: ${topic}\\s+TopicId: \\S+\\s+PartitionCount: 3\\s+ReplicationFactor: 1`),
        'created with 1 partition, altered to 3',
      );
      t.same(
        [...describe.stdout.matchAll(/Partition: (\d+)\s+Leader: (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]),
        [
          [0, 1],
          [1, 1],
          [2, 1],
        ],
        'every partition led by the broker (node 1)',
      );

      const records = Array.from({ length: 12 }, (_, i) => `${slug(v)}-record-${i}`);
      // One record per batch (linger 0, keys 0..2 spread over the partitions) so that every partition gets some.
      const produce = await tool(
        'kafka-console-producer',
        ['--topic', topic, '--reader-property', 'parse.key=true', '--reader-property', 'key.separator=:'],
        records.map((r, i) => `k${i % 3}:${r}`).join('\n') + '\n',
      );
      t.equal(produce.code, 0, out(produce));
      const consume = await tool('kafka-console-consumer', [
        '--topic',
        topic,
        '--group',
        group,
        '--from-beginning',
        '--max-messages',
        String(records.length),
        '--timeout-ms',
        '30000',
      ]);
      t.equal(consume.code, 0, out(consume));
      t.same(consume.stdout.trim().split('\n').sort(), [...records].sort(), 'every record produced comes back');
      t.match(consume.stderr, `Processed a total of ${records.length} messages`);

      const groupDescribe = await tool('kafka-consumer-groups', ['--describe', '--group', group]);
      t.equal(groupDescribe.code, 0, out(groupDescribe));
      const committed = rows(groupDescribe.stdout, topic);
      t.equal(committed.length, 3, `an offset for each partition\n${groupDescribe.stdout}`);
      t.equal(
        committed.reduce((n, r) => n + Number(r['CURRENT-OFFSET']), 0),
        records.length,
        'committed offsets add up to the records consumed',
      );
      t.ok(
        committed.every((r) => r['LAG'] === '0' && r['CURRENT-OFFSET'] === r['LOG-END-OFFSET']),
        'no lag',
      );

      const reset = await tool('kafka-consumer-groups', [
        '--reset-offsets',
        '--group',
        group,
        '--topic',
        topic,
        '--to-earliest',
        '--execute',
      ]);
      t.equal(reset.code, 0, out(reset));
      const newOffsets = rows(reset.stdout, topic);
      t.same(
        newOffsets.map((r) => [r['PARTITION'], r['NEW-OFFSET']]).sort(),
        [
          ['0', '0'],
          ['1', '0'],
          ['2', '0'],
        ],
        'reset to the earliest offsets',
      );

      const groupDelete = await tool('kafka-consumer-groups', ['--delete', '--group', group]);
      t.equal(groupDelete.code, 0, out(groupDelete));
      t.match(groupDelete.stdout, `Deletion of requested consumer groups ('${group}') was successful.`);

      const topicDelete = await tool('kafka-topics', ['--delete', '--topic', topic]);
      t.equal(topicDelete.code, 0, out(topicDelete));
      deleted.push(topic);
    });
});

t.test('refused logins: the text a Kafka broker makes the tools print', async (t) => {
  const cases = [
    ...MECHANISMS.map((mechanism) => ({ v: { protocol: 'SASL_SSL', mechanism } as Variant, user: 'alice' })),
    ...MECHANISMS.map((mechanism) => ({ v: { protocol: 'SASL_PLAINTEXT', mechanism } as Variant, user: 'alice' })),
    { v: { protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512' } as Variant, user: 'nobody' },
  ];
  await Promise.all(
    cases.map(async ({ v, user }) => {
      if (v.protocol !== 'SASL_SSL' && v.protocol !== 'SASL_PLAINTEXT') return;
      const props = propertiesFile(proxy, v, { user, password: 'wrong-password' });
      const r = await kafkaTool(
        'kafka-topics',
        ['--bootstrap-server', addressFor(proxy, v), '--command-config', props, '--list'],
        { timeoutMs: 60_000 },
      );
      const message =
        v.mechanism === 'PLAIN'
          ? 'Authentication failed: Invalid username or password'
          : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${v.mechanism}`;
      const label = `${variantName(v)}, ${user === 'alice' ? 'wrong password' : 'unknown user'}`;
      t.equal(r.code, 1, `${label}: exit 1\n${out(r)}`);
      t.equal(r.stdout.trim(), `Error while executing topic command : ${message}`, `${label}: the tool's message`);
      t.match(
        r.stderr,
        `org.apache.kafka.common.errors.SaslAuthenticationException: ${message}`,
        `${label}: the exception`,
      );
    }),
  );
});

t.test('mTLS: a client certificate from a CA the proxy does not trust is refused', async (t) => {
  const v: Variant = { protocol: 'SSL', clientCert: true };
  // Kafka fails the handshake with a bad_certificate alert, which the Java client reports at once
  // (Kafka 4.4 directly: "Error while executing topic command : Failed to process post-handshake
  // messages", SslAuthenticationException caused by "Received fatal alert: bad_certificate"). node:tls cannot send that alert (its certificate check runs
  // after the handshake, and a refused socket can only be closed), so the client sees a connection
  // closed during authentication and retries until its API timeout, kept short here.
  const props = propertiesFile(
    proxy,
    v,
    { cert: 'rogue' },
    { 'default.api.timeout.ms': 8000, 'request.timeout.ms': 3000, 'reconnect.backoff.ms': 500 },
  );
  const r = await kafkaTool(
    'kafka-topics',
    ['--bootstrap-server', addressFor(proxy, v), '--command-config', props, '--list'],
    { timeoutMs: 60_000 },
  );
  t.equal(r.code, 1, out(r));
  t.match(
    r.stdout,
    /^Error while executing topic command : Timed out waiting for a node assignment\. Call: listTopics/,
    'the tool gives up',
  );
  t.match(
    r.stderr,
    /Connection to node -1 \(localhost\/127\.0\.0\.1:\d+\) terminated during authentication/,
    'closed during authentication',
  );
  t.notMatch(r.stdout + r.stderr, /^\S*tools-/m, 'nothing listed');
  const refusals = proxy.logs.filter(
    (l) => l.msg === 'TLS handshake failed' && l.reason === 'client certificate refused',
  );
  t.ok(refusals.length > 0, 'the proxy refused the certificate');
  t.ok(
    refusals.every((l) => l.code === 'UNABLE_TO_GET_ISSUER_CERT'),
    `for its unknown issuer (${String(refusals[0]?.code)})`,
  );
});

t.test('the deleted topics are gone from the broker itself', async (t) => {
  const list = await kafkaTool('kafka-topics', ['--bootstrap-server', kafka.bootstrap, '--list']);
  t.equal(list.code, 0, out(list));
  t.equal(deleted.length, VARIANTS.length, 'every variant deleted its topic');
  for (const topic of deleted) t.notMatch(list.stdout, new RegExp(`^${topic}$`, 'm'), `${topic} deleted`);
});
