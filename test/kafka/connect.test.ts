// A Kafka Connect distributed worker through the proxy over SASL_SSL, with ACLs on and only the
// ACLs a Connect cluster needs: its group, its three internal (compacted) topics, the topic its
// connector writes, and for exactly-once source support the transactional ids of its tasks
// (<group>-<connector>-<task>) and of its leader (connect-cluster-<group>, KIP-618). A source
// connector of ours (test/clients/java/CountingSource.java) writes 0..N-1; the worker is killed
// with SIGKILL midway and a new one takes over the connector from the configs and offsets kept in
// the internal topics (the connector writes 200 a second, so the kill lands in the middle). With exactly-once source support, the topic read with read_committed holds
// every number once, in order.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  startKafka,
  kafkaTool,
  clientProperties,
  jaas,
  startJavaClient,
  type LongJavaClient,
} from '../helpers/kafka.js';
import { startSecureProxyOn, USERS } from '../helpers/secure.js';
import { freePort } from '../../src/demo/kafka-cluster.js';

const GROUP = 'warden-connect';
const COUNT = 3000;

const dir = mkdtempSync(join(tmpdir(), 'warden-connect-'));
const aclFile = join(dir, 'acls.yaml');
writeFileSync(
  aclFile,
  `acls:
  - { resourceType: GROUP, resourceName: ${GROUP}, principal: "User:bob", operation: READ }
  - { resourceType: TOPIC, resourceName: ${GROUP}-, patternType: PREFIXED, principal: "User:bob", operation: ALL }
  - { resourceType: TOPIC, resourceName: connect-out, principal: "User:bob", operation: WRITE }
  - { resourceType: TRANSACTIONAL_ID, resourceName: ${GROUP}-, patternType: PREFIXED, principal: "User:bob", operation: WRITE }
  - { resourceType: TRANSACTIONAL_ID, resourceName: connect-cluster-${GROUP}, principal: "User:bob", operation: WRITE }
  - { resourceType: CLUSTER, resourceName: kafka-cluster, principal: "User:bob", operation: IDEMPOTENT_WRITE }
`,
);

const kafka = await startKafka(t);
await kafka.createTopics({ 'connect-out': 1 });
const proxy = await startSecureProxyOn(kafka.brokers, { acl: { superUsers: ['User:alice'], file: aclFile } });
t.teardown(() => proxy.stop());

const security = {
  'security.protocol': 'SASL_SSL',
  'sasl.mechanism': 'SCRAM-SHA-256',
  'sasl.jaas.config': jaas('SCRAM-SHA-256', 'bob', USERS.bob),
  'ssl.truststore.type': 'PEM',
  'ssl.truststore.location': proxy.pki.caFile,
};
// The worker's own clients take the top-level settings; the connector's producer and the
// worker's admin client take the prefixed copies.
const prefixed = (prefix: string) => Object.fromEntries(Object.entries(security).map(([k, v]) => [`${prefix}${k}`, v]));

async function startWorker(): Promise<{ worker: LongJavaClient; rest: string }> {
  const port = await freePort();
  const props = clientProperties({
    'bootstrap.servers': proxy.saslSsl,
    ...security,
    ...prefixed('producer.'),
    ...prefixed('consumer.'),
    ...prefixed('admin.'),
    'group.id': GROUP,
    'config.storage.topic': `${GROUP}-configs`,
    'offset.storage.topic': `${GROUP}-offsets`,
    'status.storage.topic': `${GROUP}-status`,
    'config.storage.replication.factor': 1,
    'offset.storage.replication.factor': 1,
    'status.storage.replication.factor': 1,
    'offset.storage.partitions': 1,
    'status.storage.partitions': 1,
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'exactly.once.source.support': 'enabled',
    'offset.flush.interval.ms': 500,
    listeners: `http://127.0.0.1:${port}`,
    'plugin.discovery': 'only_scan',
    'scheduled.rebalance.max.delay.ms': 0,
  });
  const worker = startJavaClient('org.apache.kafka.connect.cli.ConnectDistributed', [props], { maxMs: 240_000 });
  const rest = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => (await fetch(`${rest}/`).catch(() => null))?.ok === true,
    90_000,
    'the worker REST API',
    worker,
  );
  return { worker, rest };
}

async function waitUntil(
  ok: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  worker?: LongJavaClient,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `no ${what} within ${timeoutMs} ms${worker ? `; worker stderr: ${worker.stderr().slice(-3000)}` : ''}`,
  );
}

async function status(
  rest: string,
): Promise<{ connector?: { state: string }; tasks?: Array<{ state: string; trace?: string }> } | null> {
  const r = await fetch(`${rest}/connectors/counter/status`).catch(() => null);
  return r?.ok ? ((await r.json()) as { connector: { state: string }; tasks: Array<{ state: string }> }) : null;
}

const running = async (rest: string) => {
  const s = await status(rest);
  return s?.connector?.state === 'RUNNING' && s.tasks?.length === 1 && s.tasks[0]!.state === 'RUNNING';
};

/** The topic's end offset (records and transaction markers), from the broker itself. */
async function endOffset(): Promise<number> {
  const r = await kafkaTool('kafka-get-offsets', ['--bootstrap-server', kafka.bootstrap, '--topic', 'connect-out']);
  return Number(/connect-out:0:(\d+)/.exec(r.stdout)?.[1] ?? -1);
}

/** The topic's committed records, read from the broker itself once the writing is over. */
async function committed(): Promise<string[]> {
  const r = await kafkaTool('kafka-console-consumer', [
    '--bootstrap-server',
    kafka.bootstrap,
    '--topic',
    'connect-out',
    '--from-beginning',
    '--isolation-level',
    'read_committed',
    '--timeout-ms',
    '4000',
  ]);
  return r.stdout.split('\n').filter((l) => l.startsWith('n-'));
}

t.test('a Connect cluster with exactly-once source support survives its worker being killed', async (t) => {
  const first = await startWorker();
  t.teardown(() => first.worker.kill());
  const created = await fetch(`${first.rest}/connectors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'counter',
      config: {
        'connector.class': 'CountingSource',
        'tasks.max': '1',
        topic: 'connect-out',
        count: String(COUNT),
        batch: '20',
        'pause.ms': '100',
        'exactly.once.support': 'required',
      },
    }),
  });
  t.equal(created.status, 201, 'the connector is created', { response: await created.text() });
  await waitUntil(() => running(first.rest), 90_000, 'running connector', first.worker);
  await waitUntil(async () => (await endOffset()) >= 300, 90_000, 'first records', first.worker);
  await first.worker.kill();
  const atCrash = await endOffset();
  t.ok(atCrash < COUNT, `the worker was killed midway (end offset ${atCrash}, ${COUNT} records to write)`);

  // A new worker reads the connector's config and its committed offset back from the internal
  // topics (through the proxy) and carries on.
  const second = await startWorker();
  t.teardown(() => second.worker.kill());
  await waitUntil(() => running(second.rest), 120_000, 'running connector on the new worker', second.worker);
  await waitUntil(async () => (await endOffset()) >= COUNT, 120_000, 'every record', second.worker);
  await new Promise((r) => setTimeout(r, 1000)); // the last transaction's marker
  const values = await committed();
  t.equal(values.length, COUNT, 'exactly COUNT records committed: none twice');
  t.same(
    values,
    Array.from({ length: COUNT }, (_, i) => `n-${i}`),
    'every number once, in order',
  );

  const topics = await kafkaTool('kafka-topics', [
    '--bootstrap-server',
    kafka.bootstrap,
    '--describe',
    '--topic',
    `${GROUP}-configs`,
  ]);
  t.match(topics.stdout, /cleanup\.policy=compact/, 'the config topic was created compacted, through the proxy');
  second.worker.child.kill('SIGTERM');
  t.equal(await second.worker.stop(20_000), 143, 'the worker stops on SIGTERM');
});
