// Leader changes through the proxy with ACLs on, against a 3-node Kafka (issue 11 point 3): a
// Java consumer reading through the proxy while the leader is killed validates its position with
// OffsetForLeaderEpoch and resumes with no loss and no OFFSET_OUT_OF_RANGE; OffsetForLeaderEpoch
// answers the same through the proxy as directly, before and after the change; a preferred leader
// election after the preferred leader came back. bob holds exactly the ACLs, alice lacks them.
import t from 'tap';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startKafka } from '../helpers/kafka.js';
import { adminSetup, answer, type ProbeResult } from '../helpers/admin-probe.js';
import { RawClient } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as metadataCodec from '../../src/protocol/generated/metadata.js';
import type * as produceCodec from '../../src/protocol/generated/produce.js';
import type * as createTopics from '../../src/protocol/generated/create-topics.js';
import type * as offsetForLeaderEpochCodec from '../../src/protocol/generated/offset-for-leader-epoch.js';
import { encodeRecordBatch } from '../../src/protocol/record-batch.js';
import { metadata, offsetForLeaderEpoch, produce } from '../helpers/requests.js';

// No automatic rebalancing: the preferred leader comes back only through ElectLeaders.
const kafka = await startKafka(t, { nodes: 3, config: { 'auto.leader.rebalance.enable': false } });
const setup = await adminSetup(t, kafka, [
  // Fetch and ListOffsets: READ (which implies DESCRIBE, what OffsetForLeaderEpoch needs).
  '{ resourceType: TOPIC, resourceName: le, principal: "User:bob", operation: READ }',
  // ElectLeaders: ALTER on the cluster.
  '{ resourceType: CLUSTER, resourceName: kafka-cluster, principal: "User:bob", operation: ALTER }',
]);

const TOPIC = 'le';
const PREFERRED = 1;

/** A broker's view of the topic's partitions, straight from a running node. */
async function partitions(): Promise<metadataCodec.Response['topics'][number]['partitions']> {
  const node = kafka.nodes.find((n) => n.process)!;
  const c = await RawClient.connect(`127.0.0.1:${node.ports.PLAINTEXT}`);
  try {
    const md = await c.request<metadataCodec.Response>(
      ApiKey.Metadata,
      12,
      metadata([{ name: TOPIC, topicId: Buffer.alloc(16) }]),
    );
    return [...md.topics[0]!.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex);
  } finally {
    c.close();
  }
}

/** Polls (bounded) until `ok` holds for the topic's partitions. */
async function until(
  what: string,
  ok: (p: Awaited<ReturnType<typeof partitions>>) => boolean,
  timeoutMs = 60_000,
): Promise<Awaited<ReturnType<typeof partitions>>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const p = await partitions().catch(() => null);
    if (p && p.length > 0 && ok(p)) return p;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Writes `count` records straight to the leader (which may take a moment to know it leads: 6 is retried). */
async function produceTo(leader: number, partition: number, count: number, from: number): Promise<void> {
  const c = await setup.raw('direct', leader);
  try {
    const req = produce(TOPIC, -1);
    req.timeoutMs = 10_000;
    req.topicData[0]!.partitionData[0]!.index = partition;
    req.topicData[0]!.partitionData[0]!.records = encodeRecordBatch(
      Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`record-${from + i}`) })),
    );
    const end = Date.now() + 15_000;
    for (;;) {
      const r = await c.request<produceCodec.Response>(ApiKey.Produce, 9, req);
      const code = r.responses[0]!.partitionResponses[0]!.errorCode;
      if (code === 0) return;
      if (code !== 6 || Date.now() > end)
        throw new Error(`produce to ${TOPIC}-${partition} on ${leader}: error ${code}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  } finally {
    c.close();
  }
}

interface EpochEnd {
  partition: number;
  errorCode: number;
  leaderEpoch: number;
  endOffset: number;
}

/**
 * OffsetForLeaderEpoch for `epoch` of each partition, sent to the partition's leader (`leaders[p]`)
 * straight or through the proxy, as a consumer sends it.
 */
async function epochEnds(via: 'direct' | 'bob' | 'alice', leaders: number[], epoch: number): Promise<EpochEnd[]> {
  const out: EpochEnd[] = [];
  for (const [partition, nodeId] of leaders.entries()) {
    const c = await setup.raw(via, nodeId);
    try {
      const req = offsetForLeaderEpoch(TOPIC);
      req.topics[0]!.partitions = [
        { ...req.topics[0]!.partitions[0]!, partition, currentLeaderEpoch: -1, leaderEpoch: epoch },
      ];
      const r = await c.request<offsetForLeaderEpochCodec.Response>(ApiKey.OffsetForLeaderEpoch, 4, req);
      const p = r.topics[0]!.partitions[0]!;
      out.push({
        partition: p.partition,
        errorCode: p.errorCode,
        leaderEpoch: p.leaderEpoch,
        endOffset: Number(p.endOffset),
      });
    } finally {
      c.close();
    }
  }
  return out;
}

async function requestsOf(api: string): Promise<number> {
  const m = await setup.proxy.proxy.metrics.requests.get();
  return m.values.filter((v) => v.labels.api === api).reduce((n, v) => n + v.value, 0);
}

// The topic, with broker 1 the preferred leader of both partitions.
{
  const c = await RawClient.connect(kafka.brokers[0]!);
  const r = await c.request<createTopics.Response>(ApiKey.CreateTopics, 5, {
    topics: [
      {
        name: TOPIC,
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [
          { partitionIndex: 0, brokerIds: [1, 2, 3] },
          { partitionIndex: 1, brokerIds: [1, 3, 2] },
        ],
        configs: [],
      },
    ],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  c.close();
  if (r.topics[0]!.errorCode !== 0)
    throw new Error(`CreateTopics: ${r.topics[0]!.errorCode} ${r.topics[0]!.errorMessage}`);
}
await until('broker 1 leading both partitions', (p) =>
  p.every((x) => x.leaderId === PREFERRED && x.isrNodes.length === 3),
);
for (const p of [0, 1]) await produceTo(PREFERRED, p, 20, 0);

t.test('OffsetForLeaderEpoch before the leader change: the same answer through the proxy', async (t) => {
  const direct = await epochEnds('direct', [PREFERRED, PREFERRED], 0);
  t.same(
    direct,
    [0, 1].map((partition) => ({ partition, errorCode: 0, leaderEpoch: 0, endOffset: 20 })),
    'epoch 0 ends at the log end, 20',
  );
  t.same(await epochEnds('bob', [PREFERRED, PREFERRED], 0), direct, 'through the proxy as directly');
  t.same(
    (await epochEnds('alice', [PREFERRED, PREFERRED], 0)).map((p) => p.errorCode),
    [29, 29],
    'without DESCRIBE on the topic: TOPIC_AUTHORIZATION_FAILED',
  );
});

t.test(
  'a consumer through the proxy resumes across a leader crash with no loss and no OFFSET_OUT_OF_RANGE',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-leader-'));
    const ready = join(dir, 'ready');
    const go = join(dir, 'go');
    const before = await requestsOf('OffsetForLeaderEpoch');
    const consumer = setup.probe([`bob consumeAcross ${TOPIC} 0 20 40 ${ready} ${go}`], 120_000);
    const end = Date.now() + 60_000;
    while (!existsSync(ready) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    t.ok(existsSync(ready), 'the consumer read the first 20 records through the proxy');

    await kafka.killNode(PREFERRED, 'SIGKILL');
    const after = await until('a new leader for both partitions', (p) =>
      p.every((x) => x.leaderId !== PREFERRED && x.leaderId >= 0),
    );
    t.ok(
      after.every((p) => p.leaderEpoch > 0),
      `new leaders ${after.map((p) => `${p.partitionIndex}:${p.leaderId}@${p.leaderEpoch}`).join(', ')}`,
    );
    await produceTo(after[0]!.leaderId, 0, 20, 20);
    writeFileSync(go, '');

    const [r] = (await consumer) as [ProbeResult];
    t.comment(JSON.stringify(r));
    t.ok(r.ok, `${r.error ?? ''} ${r.message ?? ''}`);
    t.match(
      r,
      { count: 40, distinct: 40, firstOffset: 0, lastOffset: 39, contiguous: true, position: 40 },
      'every record once, in order, before and after the crash',
    );
    t.same(r.errors, [], 'no OffsetOutOfRangeException (auto.offset.reset=none) nor any other error');
    t.ok(
      (await requestsOf('OffsetForLeaderEpoch')) > before,
      'the consumer validated its position with OffsetForLeaderEpoch through the proxy',
    );

    // The new leaders' answers: epoch 0 ended at 20 (where each new leader's epoch began), and the
    // current epoch at the log end (40 on partition 0, written after the crash; 20 on partition 1).
    const leaders = after.map((p) => p.leaderId);
    const old = await epochEnds('direct', leaders, 0);
    t.same(
      old.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset]),
      [
        [0, 0, 20],
        [0, 0, 20],
      ],
      `brokers ${leaders}: epoch 0 ends at 20`,
    );
    t.same(await epochEnds('bob', leaders, 0), old, 'through the proxy as directly');
    const epoch = after[0]!.leaderEpoch;
    t.equal(after[1]!.leaderEpoch, epoch, 'both partitions are in the same new epoch');
    const current = await epochEnds('direct', leaders, epoch);
    t.same(
      current.map((p) => [p.errorCode, p.leaderEpoch, p.endOffset]),
      [
        [0, epoch, 40],
        [0, epoch, 20],
      ],
      `epoch ${epoch} ends at each log end`,
    );
    t.same(await epochEnds('bob', leaders, epoch), current, 'through the proxy as directly');
  },
);

t.test('preferred leader election after the preferred leader came back', async (t) => {
  await kafka.startNode(PREFERRED);
  await until('broker 1 back in both ISRs', (p) => p.every((x) => x.isrNodes.includes(PREFERRED)));
  const lines = [
    `bob describeTopic ${TOPIC}`,
    `alice electLeaders ${TOPIC} 0`,
    `bob electLeaders ${TOPIC} 0`,
    `direct electLeaders ${TOPIC} 1`,
    `bob electLeaders ${TOPIC} 0 1`,
    `direct electLeaders ${TOPIC} 0 1`,
    `bob describeTopic ${TOPIC} ${PREFERRED}`,
    `direct describeTopic ${TOPIC} ${PREFERRED}`,
  ];
  const r = await setup.probe(lines);
  const at = (l: string) => r[lines.indexOf(l)]!;
  const leaders = (d: ProbeResult) => (d.partitions as Array<{ leader: number }>).map((p) => p.leader);
  t.ok(
    leaders(at(`bob describeTopic ${TOPIC}`)).every((l) => l !== PREFERRED),
    `broker 1 is back but leads nothing (${leaders(at(`bob describeTopic ${TOPIC}`))})`,
  );
  t.equal(
    at(`alice electLeaders ${TOPIC} 0`).error,
    'ClusterAuthorizationException',
    'without ALTER on the cluster: CLUSTER_AUTHORIZATION_FAILED',
  );
  t.match(
    at(`bob electLeaders ${TOPIC} 0`),
    { ok: true, results: { 0: null } },
    `partition 0 elected through the proxy (${JSON.stringify(at(`bob electLeaders ${TOPIC} 0`))})`,
  );
  t.match(at(`direct electLeaders ${TOPIC} 1`), { ok: true, results: { 1: null } }, 'partition 1 elected directly');
  t.same(
    at(`bob electLeaders ${TOPIC} 0 1`).results,
    { 0: 'ElectionNotNeededException', 1: 'ElectionNotNeededException' },
    'again: ELECTION_NOT_NEEDED through the proxy',
  );
  t.same(answer(at(`bob electLeaders ${TOPIC} 0 1`)), answer(at(`direct electLeaders ${TOPIC} 0 1`)), 'as directly');
  t.same(
    leaders(at(`bob describeTopic ${TOPIC} ${PREFERRED}`)),
    [PREFERRED, PREFERRED],
    'broker 1 leads both partitions again',
  );
  t.same(
    answer(at(`bob describeTopic ${TOPIC} ${PREFERRED}`)),
    answer(at(`direct describeTopic ${TOPIC} ${PREFERRED}`)),
    'described alike through the proxy and directly',
  );
});
