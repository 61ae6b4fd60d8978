// Admin APIs whose answers only a real broker gives (issue 11 point 3), through the proxy with ACLs
// on, against a 3-node Kafka: bob holds exactly the ACLs each call needs, alice lacks them and gets
// Kafka's authorization error; wherever the broker's answer must be the same either way, the call
// is also made straight against the broker and the answers are compared.
// Leader changes (OffsetForLeaderEpoch, ElectLeaders) are in admin-apis-leader.test.ts.
import t from 'tap';
import { startKafka, kafkaTool } from '../helpers/kafka.js';
import { adminSetup, answer, type ProbeResult } from '../helpers/admin-probe.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as metadataCodec from '../../src/protocol/generated/metadata.js';
import type * as produceCodec from '../../src/protocol/generated/produce.js';
import { encodeRecordBatch } from '../../src/protocol/record-batch.js';
import { metadata, produce } from '../helpers/requests.js';

const kafka = await startKafka(t, { nodes: 3 });
await kafka.createTopics({ dr: 2, ts: 1, cp: 2, 'cp-direct': 2, cfg: 1, txn: 1, big: 2, quota: 1 });

const setup = await adminSetup(t, kafka, [
  // DeleteRecords: DELETE on the topic (which implies DESCRIBE, for the Admin client's Metadata).
  '{ resourceType: TOPIC, resourceName: dr, principal: "User:bob", operation: DELETE }',
  '{ resourceType: TOPIC, resourceName: dr, principal: "User:alice", operation: DESCRIBE }',
  // ListOffsets: DESCRIBE on the topic; alice has nothing on it.
  '{ resourceType: TOPIC, resourceName: ts, principal: "User:bob", operation: DESCRIBE }',
  // CreatePartitions: ALTER on the topic.
  '{ resourceType: TOPIC, resourceName: cp, principal: "User:bob", operation: ALTER }',
  '{ resourceType: TOPIC, resourceName: cp, principal: "User:alice", operation: DESCRIBE }',
  // IncrementalAlterConfigs of a topic: ALTER_CONFIGS on it (implies DESCRIBE_CONFIGS).
  '{ resourceType: TOPIC, resourceName: cfg, principal: "User:bob", operation: ALTER_CONFIGS }',
  '{ resourceType: TOPIC, resourceName: cfg, principal: "User:alice", operation: DESCRIBE_CONFIGS }',
  // A broker's config: ALTER_CONFIGS on the cluster; DescribeLogDirs: DESCRIBE on the cluster.
  '{ resourceType: CLUSTER, resourceName: kafka-cluster, principal: "User:bob", operation: ALTER_CONFIGS }',
  '{ resourceType: CLUSTER, resourceName: kafka-cluster, principal: "User:bob", operation: DESCRIBE }',
  '{ resourceType: CLUSTER, resourceName: kafka-cluster, principal: "User:alice", operation: DESCRIBE_CONFIGS }',
  // Transactions: WRITE on the topic and the transactional ids; DescribeProducers: READ on the
  // topic; DescribeTransactions: DESCRIBE on the id (implied by WRITE).
  '{ resourceType: TOPIC, resourceName: txn, principal: "User:bob", operation: WRITE }',
  '{ resourceType: TOPIC, resourceName: txn, principal: "User:bob", operation: READ }',
  '{ resourceType: TRANSACTIONAL_ID, resourceName: tx-bob-, patternType: PREFIXED, principal: "User:bob", operation: WRITE }',
  '{ resourceType: TOPIC, resourceName: txn, principal: "User:alice", operation: DESCRIBE }',
  // The largest record, and the produce quota.
  '{ resourceType: TOPIC, resourceName: big, principal: "User:bob", operation: WRITE }',
  '{ resourceType: TOPIC, resourceName: big, principal: "User:bob", operation: READ }',
  '{ resourceType: TOPIC, resourceName: quota, principal: "User:bob", operation: WRITE }',
]);

// Kafka's default message.max.bytes: the largest record batch (its 12-byte log overhead included).
const MESSAGE_MAX_BYTES = 1048588;
// A record of this value size makes a batch of about MESSAGE_MAX_BYTES - 200 bytes.
const UNDER = MESSAGE_MAX_BYTES - 300;
const OVER = MESSAGE_MAX_BYTES + 100;
const BIG_PRODUCER = 'max.request.size=4194304';

// Explicit timestamps, out of order: the largest is not the last.
const base = Math.floor(Date.now() / 1000) * 1000 - 600_000;
const stamps = [1000, 2000, 5000, 3000, 4000].map((d) => base + d);
const specs = [
  'earliest',
  'latest',
  'max',
  `ts=${base + 1500}`,
  `ts=${base + 2500}`,
  `ts=${base + 4000}`,
  `ts=${base + 6000}`,
];

// The broker-side produce quota, set on the broker's own listener as an operator does.
const quota = await kafkaTool('kafka-configs', [
  '--bootstrap-server',
  kafka.bootstrap,
  '--alter',
  '--entity-type',
  'clients',
  '--entity-name',
  'throttled',
  '--add-config',
  'producer_byte_rate=1024',
]);

const lines = [
  'direct produce dr 0 10x100',
  'direct produce dr 1 10x100',
  'bob deleteRecords dr 0 4',
  'direct deleteRecords dr 1 4',
  'alice deleteRecords dr 0 6',
  'bob listOffsets dr 0 earliest',
  'direct listOffsets dr 0 earliest',
  'bob listOffsets dr 1 earliest',
  'direct listOffsets dr 1 earliest',
  `direct produce ts 0 ${stamps.join(',')}`,
  ...specs.flatMap((s) => [`bob listOffsets ts 0 ${s}`, `direct listOffsets ts 0 ${s}`]),
  'alice listOffsets ts 0 latest',
  'bob createPartitions cp 4',
  'direct createPartitions cp-direct 4',
  'alice createPartitions cp 6',
  'bob createPartitions cp 3',
  'direct createPartitions cp-direct 3',
  'bob describeTopic cp',
  'direct describeTopic cp',
  'bob alterConfig TOPIC cfg retention.ms 123456789',
  'alice alterConfig TOPIC cfg retention.ms 1',
  'bob describeConfig TOPIC cfg retention.ms 123456789',
  'direct describeConfig TOPIC cfg retention.ms 123456789',
  'bob alterConfig BROKER 2 log.cleaner.backoff.ms 16000',
  'alice alterConfig BROKER 2 log.cleaner.backoff.ms 1',
  'bob describeConfig BROKER 2 log.cleaner.backoff.ms 16000',
  'direct describeConfig BROKER 2 log.cleaner.backoff.ms 16000',
  // Transactions written through the proxy (transactions v2: Produce v12 adds the partitions).
  'bob txn txn 0 tx-bob-done 3 commit',
  'bob txn txn 0 tx-bob-open 2 open',
  'bob produce txn 0 2x10',
  'bob describeProducers txn 0',
  'direct describeProducers txn 0',
  'alice describeProducers txn 0',
  'bob describeTransactions tx-bob-done',
  'direct describeTransactions tx-bob-done',
  'bob describeTransactions tx-bob-open',
  'direct describeTransactions tx-bob-open',
  'alice describeTransactions tx-bob-done',
  `bob produce big 0 1x${UNDER} ${BIG_PRODUCER}`,
  `bob consume big 0 0 1`,
  `direct consume big 0 0 1`,
  `bob produce big 0 1x${OVER} ${BIG_PRODUCER} retries=0`,
  `direct produce big 0 1x${OVER} ${BIG_PRODUCER} retries=0`,
  'bob describeLogDirs 1,2,3',
  'direct describeLogDirs 1,2,3',
  'alice describeLogDirs 1,2,3',
  // Last: the broker mutes a throttled connection for the throttle time.
  'bob produce quota 0 12x1000 client.id=throttled',
];
const results = await setup.probe(lines, 180_000);
const at = (line: string): ProbeResult => {
  const i = lines.indexOf(line);
  if (i < 0) throw new Error(`no line ${line}`);
  return results[i]!;
};
const okOf = (r: ProbeResult) => (r.ok ? 'ok' : `${r.error}: ${r.message}`);

t.test('DeleteRecords moves the low watermark, through the proxy as directly', async (t) => {
  t.ok(at('direct produce dr 0 10x100').ok && at('direct produce dr 1 10x100').ok, 'ten records in each partition');
  t.equal(
    at('bob deleteRecords dr 0 4').lowWatermark,
    4,
    `through the proxy (${okOf(at('bob deleteRecords dr 0 4'))})`,
  );
  t.equal(at('direct deleteRecords dr 1 4').lowWatermark, 4, 'directly');
  for (const p of [0, 1]) {
    t.equal(at(`bob listOffsets dr ${p} earliest`).offset, 4, `partition ${p} starts at 4 through the proxy`);
    t.same(
      answer(at(`bob listOffsets dr ${p} earliest`)),
      answer(at(`direct listOffsets dr ${p} earliest`)),
      `and the same ListOffsets answer directly`,
    );
  }
  t.equal(
    at('alice deleteRecords dr 0 6').error,
    'TopicAuthorizationException',
    'without DELETE: TOPIC_AUTHORIZATION_FAILED',
  );
  t.comment(JSON.stringify(at('alice deleteRecords dr 0 6')));
});

t.test('ListOffsets by timestamp, earliest, latest and max-timestamp', async (t) => {
  const produced = at(`direct produce ts 0 ${stamps.join(',')}`);
  t.same(produced.offsets, [0, 1, 2, 3, 4], 'five records with explicit timestamps');
  const maxAt = stamps.indexOf(Math.max(...stamps));
  for (const s of specs) {
    const viaProxy = at(`bob listOffsets ts 0 ${s}`);
    const direct = at(`direct listOffsets ts 0 ${s}`);
    t.ok(viaProxy.ok, `${s} through the proxy (${okOf(viaProxy)})`);
    t.same(answer(viaProxy), answer(direct), `${s}: the same answer as directly (${JSON.stringify(answer(direct))})`);
    // What Kafka defines each spec to be, from what was produced.
    if (s === 'earliest') t.equal(viaProxy.offset, 0);
    else if (s === 'latest') t.equal(viaProxy.offset, stamps.length);
    else if (s === 'max')
      t.match(viaProxy, { offset: maxAt, timestamp: stamps[maxAt] }, 'the record with the largest timestamp');
    else {
      const target = Number(s.slice(3));
      const i = stamps.findIndex((x) => x >= target);
      t.match(
        viaProxy,
        i < 0 ? { offset: -1 } : { offset: i, timestamp: stamps[i] },
        `the first record at or after ${target}`,
      );
    }
  }
  t.equal(
    at('alice listOffsets ts 0 latest').error,
    'TopicAuthorizationException',
    'without DESCRIBE: TOPIC_AUTHORIZATION_FAILED',
  );
});

t.test('CreatePartitions', async (t) => {
  t.ok(at('bob createPartitions cp 4').ok, `through the proxy (${okOf(at('bob createPartitions cp 4'))})`);
  t.ok(at('direct createPartitions cp-direct 4').ok, 'directly');
  const d = at('bob describeTopic cp');
  t.equal((d.partitions as unknown[]).length, 4, 'the topic has four partitions');
  t.same(answer(d), answer(at('direct describeTopic cp')), 'described alike through the proxy and directly');
  t.equal(
    at('bob createPartitions cp 3').error,
    'InvalidPartitionsException',
    'fewer partitions: INVALID_PARTITIONS through the proxy',
  );
  t.equal(at('bob createPartitions cp 3').error, at('direct createPartitions cp-direct 3').error, 'as directly');
  t.equal(
    at('alice createPartitions cp 6').error,
    'TopicAuthorizationException',
    'without ALTER: TOPIC_AUTHORIZATION_FAILED',
  );
});

t.test('IncrementalAlterConfigs of a topic and of a broker', async (t) => {
  t.ok(
    at('bob alterConfig TOPIC cfg retention.ms 123456789').ok,
    okOf(at('bob alterConfig TOPIC cfg retention.ms 123456789')),
  );
  t.match(
    at('direct describeConfig TOPIC cfg retention.ms 123456789'),
    { value: '123456789', source: 'DYNAMIC_TOPIC_CONFIG' },
    'the broker has the topic config',
  );
  t.same(
    answer(at('bob describeConfig TOPIC cfg retention.ms 123456789')),
    answer(at('direct describeConfig TOPIC cfg retention.ms 123456789')),
    'described alike through the proxy',
  );
  t.equal(
    at('alice alterConfig TOPIC cfg retention.ms 1').error,
    'TopicAuthorizationException',
    'without ALTER_CONFIGS on the topic: TOPIC_AUTHORIZATION_FAILED',
  );
  t.ok(
    at('bob alterConfig BROKER 2 log.cleaner.backoff.ms 16000').ok,
    okOf(at('bob alterConfig BROKER 2 log.cleaner.backoff.ms 16000')),
  );
  t.match(
    at('direct describeConfig BROKER 2 log.cleaner.backoff.ms 16000'),
    { value: '16000', source: 'DYNAMIC_BROKER_CONFIG' },
    'broker 2 has the dynamic config',
  );
  t.same(
    answer(at('bob describeConfig BROKER 2 log.cleaner.backoff.ms 16000')),
    answer(at('direct describeConfig BROKER 2 log.cleaner.backoff.ms 16000')),
    'described alike through the proxy',
  );
  t.equal(
    at('alice alterConfig BROKER 2 log.cleaner.backoff.ms 1').error,
    'ClusterAuthorizationException',
    'without ALTER_CONFIGS on the cluster: CLUSTER_AUTHORIZATION_FAILED',
  );
});

t.test('DescribeProducers and DescribeTransactions after idempotent and transactional producers', async (t) => {
  t.same(
    at('bob txn txn 0 tx-bob-done 3 commit').offsets,
    [0, 1, 2],
    `a committed transaction (${okOf(at('bob txn txn 0 tx-bob-done 3 commit'))})`,
  );
  t.same(at('bob txn txn 0 tx-bob-open 2 open').offsets, [4, 5], 'an open one (after the commit marker)');
  t.same(at('bob produce txn 0 2x10').offsets, [6, 7], 'and an idempotent producer');
  const viaProxy = at('bob describeProducers txn 0');
  t.ok(viaProxy.ok, okOf(viaProxy));
  t.same(
    answer(viaProxy),
    answer(at('direct describeProducers txn 0')),
    'the same producer states through the proxy as directly',
  );
  const producers = viaProxy.producers as Array<{ lastSequence: number; currentTransactionStartOffset: number }>;
  t.equal(producers.length, 3, 'three producers');
  t.same(
    producers.map((p) => p.currentTransactionStartOffset).sort((a, b) => a - b),
    [-1, -1, 4],
    'the open transaction started at offset 4',
  );
  // Two records each from the open transaction and the idempotent producer; the committed one
  // shows -1: with transaction.version 2 its commit bumped the epoch, which restarts the sequence.
  t.same(
    producers.map((p) => p.lastSequence).sort((a, b) => a - b),
    [-1, 1, 1],
    'last sequences',
  );
  t.equal(
    at('alice describeProducers txn 0').error,
    'TopicAuthorizationException',
    'without READ: TOPIC_AUTHORIZATION_FAILED',
  );

  const done = at('bob describeTransactions tx-bob-done');
  t.match(done, { ok: true, state: 'COMPLETE_COMMIT', partitions: [] }, okOf(done));
  t.same(
    answer(done),
    answer(at('direct describeTransactions tx-bob-done')),
    'the same committed transaction directly',
  );
  const open = at('bob describeTransactions tx-bob-open');
  t.match(open, { ok: true, state: 'ONGOING', partitions: ['txn-0'], timeoutMs: 120000 }, okOf(open));
  t.same(answer(open), answer(at('direct describeTransactions tx-bob-open')), 'the same ongoing transaction directly');
  t.equal(
    at('alice describeTransactions tx-bob-done').error,
    'TransactionalIdAuthorizationException',
    'without DESCRIBE on the id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  );
});

t.test("DescribeLogDirs lists the brokers' real log dirs and replica sizes", async (t) => {
  const viaProxy = at('bob describeLogDirs 1,2,3');
  t.ok(viaProxy.ok, okOf(viaProxy));
  const brokers = viaProxy.brokers as Record<
    string,
    Record<string, { error: string | null; totalBytes: number; replicas: Record<string, number> }>
  >;
  t.same(Object.keys(brokers), ['1', '2', '3'], 'every broker answers');
  for (const n of kafka.nodes) {
    const dirs = brokers[String(n.id)]!;
    t.same(Object.keys(dirs), [`${n.dir}/data`], `broker ${n.id}: its log.dirs`);
    const d = dirs[`${n.dir}/data`]!;
    t.equal(d.error, null);
    t.ok(d.totalBytes > 0, 'with the size of its file system');
    t.ok(
      d.replicas['dr-0']! > 0 && d.replicas['big-0']! > UNDER,
      `and its replicas with their sizes (dr-0 ${d.replicas['dr-0']}, big-0 ${d.replicas['big-0']})`,
    );
  }
  t.same(answer(viaProxy), answer(at('direct describeLogDirs 1,2,3')), 'the same answer directly');
  t.equal(
    at('alice describeLogDirs 1,2,3').error,
    'ClusterAuthorizationException',
    'without DESCRIBE on the cluster: CLUSTER_AUTHORIZATION_FAILED',
  );
});

t.test('the largest record the broker takes: through the proxy as directly', async (t) => {
  const produced = at(`bob produce big 0 1x${UNDER} ${BIG_PRODUCER}`);
  t.same(produced.offsets, [0], `a record of ${UNDER} bytes is produced through the proxy (${okOf(produced)})`);
  t.same(at('bob consume big 0 0 1').sizes, [UNDER], 'and consumed through the proxy');
  t.same(answer(at('bob consume big 0 0 1')), answer(at('direct consume big 0 0 1')), 'as directly');
  const over = at(`bob produce big 0 1x${OVER} ${BIG_PRODUCER} retries=0`);
  t.equal(
    over.error,
    'RecordTooLargeException',
    `${OVER} bytes: MESSAGE_TOO_LARGE from the broker through the proxy (${over.message})`,
  );
  t.equal(over.error, at(`direct produce big 0 1x${OVER} ${BIG_PRODUCER} retries=0`).error, 'as directly');

  // The exact limit, with our raw client: a batch of exactly message.max.bytes, and one byte more.
  const batchOf = (size: number): Buffer => {
    // Varint lengths grow with the value: settle the value's size in a few rounds.
    let value = size - 100;
    for (let i = 0; i < 5; i++) {
      const b = encodeRecordBatch([{ key: null, value: Buffer.alloc(value, 0x61) }]);
      if (b.length === size) return b;
      value += size - b.length;
    }
    throw new Error(`no batch of exactly ${size} bytes`);
  };
  const direct = await setup.raw('direct', 1);
  const md = await direct.request<metadataCodec.Response>(
    ApiKey.Metadata,
    12,
    metadata([{ name: 'big', topicId: Buffer.alloc(16) }]),
  );
  const leader = md.topics[0]!.partitions.find((p) => p.partitionIndex === 1)!.leaderId;
  direct.close();
  const codes: Record<string, number[]> = {};
  for (const via of ['direct', 'bob'] as const) {
    const c = await setup.raw(via, leader);
    codes[via] = [];
    for (const size of [MESSAGE_MAX_BYTES, MESSAGE_MAX_BYTES + 1]) {
      const req = produce('big', -1);
      req.timeoutMs = 10_000;
      req.topicData[0]!.partitionData[0]!.index = 1;
      req.topicData[0]!.partitionData[0]!.records = batchOf(size);
      const r = await c.request<produceCodec.Response>(ApiKey.Produce, 9, req);
      codes[via].push(r.responses[0]!.partitionResponses[0]!.errorCode);
    }
    c.close();
  }
  t.same(
    codes.bob,
    [0, 10],
    `a batch of ${MESSAGE_MAX_BYTES} bytes is taken through the proxy, one more byte is MESSAGE_TOO_LARGE (10)`,
  );
  t.same(codes.bob, codes.direct, 'exactly as directly');
});

t.test("the broker's throttle time reaches the client through the proxy", async (t) => {
  t.equal(quota.code, 0, `kafka-configs sets the quota on the broker (${quota.stderr.slice(-500)})`);
  const r = at('bob produce quota 0 12x1000 client.id=throttled');
  t.ok(r.ok, okOf(r));
  t.comment(JSON.stringify(r));
  t.ok(
    typeof r.throttleTimeMax === 'number' && r.throttleTimeMax > 0,
    `produce-throttle-time-max ${r.throttleTimeMax} ms with producer_byte_rate=1024 for client.id throttled`,
  );
});
