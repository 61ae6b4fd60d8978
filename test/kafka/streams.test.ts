// A Kafka Streams application with exactly-once processing, through the proxy over SASL_SSL with
// ACLs on, given the ACLs Kafka's documentation lists for Streams (prefixed on the application id
// for its internal topics, its group and its transactional ids). It re-keys and counts, so it
// creates a repartition and a changelog topic through the proxy, consumes in a group and writes in
// transactions. Killed with SIGKILL in the middle of a batch and started again, its counts must
// come out exact: not one record counted twice or lost.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startKafka, kafkaTool, clientProperties, jaas, javaClient, startJavaClient } from '../helpers/kafka.js';
import { startSecureProxyOn, USERS } from '../helpers/secure.js';

const APP = 'warden-streams';
const WORDS = 10;

const dir = mkdtempSync(join(tmpdir(), 'warden-streams-'));
const aclFile = join(dir, 'acls.yaml');
writeFileSync(
  aclFile,
  `acls:
  - { resourceType: TOPIC, resourceName: streams-in, principal: "User:bob", operation: READ }
  - { resourceType: TOPIC, resourceName: streams-out, principal: "User:bob", operation: WRITE }
  - { resourceType: TOPIC, resourceName: ${APP}-, patternType: PREFIXED, principal: "User:bob", operation: ALL }
  - { resourceType: GROUP, resourceName: ${APP}, principal: "User:bob", operation: READ }
  - { resourceType: TRANSACTIONAL_ID, resourceName: ${APP}-, patternType: PREFIXED, principal: "User:bob", operation: WRITE }
`,
);

const kafka = await startKafka(t);
await kafka.createTopics({ 'streams-in': 3, 'streams-out': 3 });
const proxy = await startSecureProxyOn(kafka.brokers, { acl: { superUsers: ['User:alice'], file: aclFile } });
t.teardown(() => proxy.stop());

const asBob = clientProperties({
  'bootstrap.servers': proxy.saslSsl,
  'security.protocol': 'SASL_SSL',
  'sasl.mechanism': 'SCRAM-SHA-256',
  'sasl.jaas.config': jaas('SCRAM-SHA-256', 'bob', USERS.bob),
  'ssl.truststore.type': 'PEM',
  'ssl.truststore.location': proxy.pki.caFile,
});
// The output is read from the broker itself, so that what the proxy served is checked from outside.
const direct = clientProperties({ 'bootstrap.servers': kafka.bootstrap, 'group.id': 'streams-checker' });

/** `count` input records straight to the broker, key k<i>, value w<i mod WORDS>. */
async function produceInput(from: number, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `k${from + i}:w${(from + i) % WORDS}`).join('\n') + '\n';
  const r = await kafkaTool(
    'kafka-console-producer',
    [
      '--bootstrap-server',
      kafka.bootstrap,
      '--topic',
      'streams-in',
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=:',
      '--producer-property',
      'acks=all',
    ],
    { input: lines },
  );
  if (r.code !== 0) throw new Error(`console producer failed: ${r.stderr}`);
}

async function committedCounts(): Promise<Record<string, number>> {
  const r = await javaClient('StreamsCounter', ['read', direct, 'streams-out']);
  if (r.code !== 0) throw new Error(`reading the counts failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { counts: Record<string, number> }).counts;
}

async function countsReach(perWord: number, timeoutMs = 90_000): Promise<Record<string, number>> {
  const end = Date.now() + timeoutMs;
  let counts: Record<string, number> = {};
  while (Date.now() < end) {
    counts = await committedCounts();
    const values = Object.values(counts);
    if (values.length === WORDS && values.every((v) => v >= perWord)) return counts;
    await new Promise((r) => setTimeout(r, 500));
  }
  return counts;
}

const expected = (perWord: number) => Object.fromEntries(Array.from({ length: WORDS }, (_, i) => [`w${i}`, perWord]));

t.test('exactly-once counts through a crash, with only the documented Streams ACLs', async (t) => {
  await produceInput(0, 1000);
  const first = startJavaClient('StreamsCounter', [
    'run',
    asBob,
    APP,
    join(dir, 'state-1'),
    'streams-in',
    'streams-out',
    '2',
  ]);
  t.teardown(() => first.kill());
  await first.waitFor((l) => l.state === 'RUNNING', 90_000, 'RUNNING');
  t.same(await countsReach(100), expected(100), 'the first batch is counted once');

  // A second batch, and a crash while it is being processed: at 2 ms a record it takes the
  // application 6 s, so SIGKILL lands with a transaction open and others committed.
  await produceInput(1000, 3000);
  await new Promise((r) => setTimeout(r, 1500));
  await first.kill();
  t.notOk(
    first.lines.some((l) => 'error' in l),
    'no stream thread failed before the crash',
    { lines: first.lines },
  );
  const atCrash = await committedCounts();
  t.ok(
    Object.values(atCrash).some((v) => v < 400),
    'the crash came before the second batch was all counted',
    { atCrash },
  );

  // Started again with a fresh state folder: it restores its store from the changelog (through
  // the proxy) and goes on from the last committed transaction.
  const second = startJavaClient('StreamsCounter', [
    'run',
    asBob,
    APP,
    join(dir, 'state-2'),
    'streams-in',
    'streams-out',
  ]);
  t.teardown(() => second.kill());
  await second.waitFor((l) => l.state === 'RUNNING', 90_000, 'RUNNING');
  t.same(
    await countsReach(400),
    expected(400),
    'after the crash every word counts 400: nothing lost, nothing counted twice',
  );
  t.equal(await second.stop(), 0, 'it closes cleanly');
  t.notOk(
    second.lines.some((l) => 'error' in l),
    'no stream thread failed',
    { lines: second.lines, stderr: second.stderr().slice(-3000) },
  );

  // Its internal topics were created through the proxy, under the application id.
  const topics = await kafkaTool('kafka-topics', ['--bootstrap-server', kafka.bootstrap, '--list']);
  t.match(topics.stdout, new RegExp(`${APP}-counts-repartition`), 'the repartition topic exists');
  t.match(topics.stdout, new RegExp(`${APP}-counts-changelog`), 'the changelog topic exists');
});

t.test('an application id the ACLs do not cover is refused with Kafka authorization errors', async (t) => {
  const app = startJavaClient('StreamsCounter', [
    'run',
    asBob,
    'other-app',
    join(dir, 'state-other'),
    'streams-in',
    'streams-out',
  ]);
  t.teardown(() => app.kill());
  const failure = await app.waitFor((l) => 'error' in l, 90_000, 'a stream thread error');
  t.match(
    JSON.stringify(failure) + app.stderr(),
    /AuthorizationException|Not authorized/,
    'the stream thread stops on an authorization error',
  );
  const topics = await kafkaTool('kafka-topics', ['--bootstrap-server', kafka.bootstrap, '--list']);
  t.notMatch(topics.stdout, /other-app-/, 'no internal topic was created for it');
});
