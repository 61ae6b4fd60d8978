// The Kafka sink against a fake upstream client: where it asks, which versions it picks, how it
// partitions by principal, and the errors that make the spool keep and retry the lines.
import t from 'tap';
import { KafkaSink } from '../../src/audit/kafka-sink.js';
import type { BrokerAddress, UpstreamClient } from '../../src/audit/upstream-client.js';
import type * as metadata from '../../src/protocol/generated/metadata.js';
import type * as produce from '../../src/protocol/generated/produce.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { partitionForKey } from '../../src/protocol/murmur2.js';

const A = { host: 'a', port: 1 };
const B = { host: 'b', port: 2 };
const TOPIC_ID = Buffer.alloc(16, 7);

interface Sent {
  to: BrokerAddress;
  version: number;
  req: produce.Request;
}

function fakeUpstream(opts: { produceError?: number; topicError?: number; brokers?: BrokerAddress[] } = {}) {
  const produced: Sent[] = [];
  const metadataTo: BrokerAddress[] = [];
  const learned: Array<[string, string]> = [];
  let closed = 0;
  const client: UpstreamClient = {
    brokers: () => opts.brokers ?? [A, B],
    versions: (apiKey) => (apiKey === ApiKey.Produce ? [0, 11] : apiKey === ApiKey.Metadata ? [0, 12] : undefined),
    async metadata(to: BrokerAddress, _v: number, req: metadata.Request): Promise<metadata.Response> {
      metadataTo.push(to);
      return {
        brokers: [
          { nodeId: 1, host: A.host, port: A.port, rack: null },
          { nodeId: 2, host: B.host, port: B.port, rack: null },
        ],
        topics: [
          {
            errorCode: opts.topicError ?? 0,
            name: req.topics![0]!.name,
            topicId: TOPIC_ID,
            partitions: [
              { partitionIndex: 0, leaderId: 1 },
              { partitionIndex: 1, leaderId: 2 },
            ],
          },
        ],
      } as unknown as metadata.Response;
    },
    async produce(to: BrokerAddress, version: number, req: produce.Request): Promise<produce.Response> {
      produced.push({ to, version, req });
      return {
        responses: [{ partitionResponses: [{ errorCode: opts.produceError ?? 0 }] }],
      } as unknown as produce.Response;
    },
    learnTopicId: (id, name) => learned.push([id.toString('hex'), name]),
    close: () => void closed++,
  };
  return { client, produced, metadataTo, learned, closed: () => closed };
}

const line = (principal: string, n: number) => JSON.stringify({ id: n, data: { authenticationInfo: { principal } } });

t.test('lines go to the leader of their principal partition, in order, acks=all, Produce v9', async (t) => {
  const up = fakeUpstream();
  const sink = new KafkaSink({ topic: '_audit', timeoutMs: 500 }, up.client);
  t.equal(sink.name, 'kafka:_audit');
  const lines = [line('User:alice', 1), line('User:bob', 2), line('User:alice', 3), '{"id":4}'];
  await sink.deliver(lines);
  t.same(up.metadataTo, [A], 'metadata asked of the first known broker');
  t.same(up.learned, [[TOPIC_ID.toString('hex'), '_audit']], 'the topic id is learned');
  // Uncompressed batches: each value is in its batch verbatim.
  const delivered = new Map<number, Buffer>();
  for (const p of up.produced) {
    t.equal(p.version, 9, 'the highest version both sides speak');
    t.equal(p.req.acks, -1);
    const part = p.req.topicData[0]!.partitionData[0]!;
    t.same(p.to, part.index === 0 ? A : B, `partition ${part.index} sent to its leader`);
    delivered.set(part.index, part.records!);
  }
  for (const l of lines) {
    const principal = (JSON.parse(l).data?.authenticationInfo?.principal as string | undefined) ?? '';
    const p = partitionForKey(Buffer.from(principal), 2);
    t.ok(delivered.get(p)?.includes(l), `${principal || 'no principal'} on partition ${p}`);
  }
  const alice = [...delivered.values()].find((b) => b.includes(lines[0]!))!;
  t.ok(alice.indexOf(lines[0]!) < alice.indexOf(lines[2]!), 'order kept within a partition');
  t.equal(
    up.produced.length,
    new Set(up.produced.map((p) => p.req.topicData[0]!.partitionData[0]!.index)).size,
    'one Produce per partition',
  );
  await sink.deliver([line('User:bob', 5)]);
  t.equal(up.metadataTo.length, 1, 'the layout is kept between deliveries');
  sink.close();
  t.equal(up.closed(), 1, 'close closes the client');
});

t.test('failures throw with a stable code and forget the layout', async (t) => {
  const refused = fakeUpstream({ produceError: 7 });
  const sink = new KafkaSink({ topic: '_audit', timeoutMs: 500 }, refused.client);
  await t.rejects(sink.deliver([line('User:a', 1)]), { code: 'WARDEN_ERR_AUDIT_PRODUCE' });
  await t.rejects(sink.deliver([line('User:a', 1)]), { code: 'WARDEN_ERR_AUDIT_PRODUCE' });
  t.equal(refused.metadataTo.length, 2, 'metadata asked again after a failure');
  const missing = fakeUpstream({ topicError: 3 });
  await t.rejects(new KafkaSink({ topic: '_audit', timeoutMs: 500 }, missing.client).deliver(['{}']), {
    code: 'WARDEN_ERR_AUDIT_TOPIC',
    message: /UNKNOWN_TOPIC_OR_PARTITION/,
  });
  const none = fakeUpstream({ brokers: [] });
  await t.rejects(new KafkaSink({ topic: '_audit', timeoutMs: 500 }, none.client).deliver(['{}']), {
    code: 'WARDEN_ERR_UPSTREAM_CLOSED',
  });
});
