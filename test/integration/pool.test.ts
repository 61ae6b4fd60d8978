// The upstream pool: many client connections share a bounded set of upstream connections, each
// client keeps its order, a parked request never delays another client, and an upstream failure
// fails the affected clients quickly instead of leaving them hanging.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { startHarness, type Harness } from '../helpers/proxy.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as metadata from '../../src/protocol/generated/metadata.js';
import type * as produce from '../../src/protocol/generated/produce.js';
import type * as fetchCodec from '../../src/protocol/generated/fetch.js';

/** Established TCP connections from this machine to a port (the proxy's upstream connections). */
function establishedTo(port: number): number {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.trim()).length;
}

async function leaders(h: Harness, topic: string): Promise<Map<number, number>> {
  const c = await RawClient.connect(h.bootstrap);
  const md = await c.request<metadata.Response>(ApiKey.Metadata, 1, { topics: [{ name: topic }] });
  c.close();
  return new Map(md.topics[0]!.partitions.map((p) => [p.partitionIndex, p.leaderId]));
}

const produceBody = (topic: string, partition: number, records: Buffer, acks = 1) => ({
  transactionalId: null,
  acks,
  timeoutMs: 5000,
  topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
});

async function idleProducers(h: Harness, count: number, topic: string): Promise<RawClient[]> {
  const lead = await leaders(h, topic);
  const records = await recordBatch([Buffer.from('hello')]);
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i += 25) {
    const wave = await Promise.all(
      Array.from({ length: Math.min(25, count - i) }, async (_, j) => {
        const partition = (i + j) % 3;
        const c = await RawClient.connect(`127.0.0.1:${h.base + 10 + lead.get(partition)!}`);
        await c.request(ApiKey.ApiVersions, 0, {});
        const r = await c.request<produce.Response>(ApiKey.Produce, 7, produceBody(topic, partition, records));
        if (r.responses[0]!.partitionResponses[0]!.errorCode !== 0) throw new Error('produce failed');
        return c;
      }),
    );
    clients.push(...wave);
  }
  return clients;
}

t.test('200 idle producers share at most maxConnectionsPerBroker upstream connections per broker', async (t) => {
  const h = await startHarness({
    cluster: { brokers: 3, topics: { idle: 3 } },
    upstream: { pool: { mode: 'pooled', maxConnectionsPerBroker: 4 } },
    config: { limits: { maxConnectionCreationRatePerIp: 0 } },
  });
  for (let p = 0; p < 3; p++) await h.cluster.command(`leader idle ${p} ${p + 1}`);
  const clients = await idleProducers(h, 200, 'idle');
  t.teardown(async () => {
    for (const c of clients) c.close();
    await h.stop();
  });
  t.equal(clients.filter((c) => !c.isClosed).length, 200, '200 producers connected and produced');
  await new Promise((r) => setTimeout(r, 300)); // let the cluster view's version lookups close
  for (const b of h.cluster.brokers) {
    const port = Number(b.split(':')[1]);
    const pool = h.proxy.pools.all().find((p) => p.address.port === port)!;
    t.ok(
      pool.connectionCount >= 1 && pool.connectionCount <= 4,
      `broker ${b}: ${pool.connectionCount} pooled connections`,
    );
    // Plus the one connection the cluster view keeps to one broker (readiness watches it).
    const watch = h.proxy.cluster.watching?.port === port ? 1 : 0;
    const os = establishedTo(port);
    t.ok(
      os <= 4 + watch,
      `broker ${b}: ${os} established TCP connections seen by the OS${watch ? " (one is the cluster view's)" : ''}`,
    );
  }
});

t.test('dedicated mode opens one upstream connection per client (for comparison)', async (t) => {
  const h = await startHarness({
    cluster: { brokers: 3, topics: { idle: 3 } },
    upstream: { pool: { mode: 'dedicated', maxConnectionsPerBroker: 4 } },
    config: { limits: { maxConnectionCreationRatePerIp: 0 } },
  });
  for (let p = 0; p < 3; p++) await h.cluster.command(`leader idle ${p} ${p + 1}`);
  const clients = await idleProducers(h, 30, 'idle');
  t.teardown(async () => {
    for (const c of clients) c.close();
    await h.stop();
  });
  const total = h.proxy.pools.all().reduce((n, p) => n + p.connectionCount, 0);
  t.equal(total, 30, '30 clients, 30 upstream connections');
});

t.test('each client keeps its order on a shared connection', async (t) => {
  const h = await startHarness({
    cluster: { brokers: 1, topics: { ordered: 1 } },
    upstream: { pool: { mode: 'pooled', maxConnectionsPerBroker: 1 } },
  });
  t.teardown(() => h.stop());
  const clients = await Promise.all(Array.from({ length: 5 }, () => RawClient.connect(`127.0.0.1:${h.base + 11}`)));
  const results = await Promise.all(
    clients.map(async (c, ci) => {
      const batches = await Promise.all(
        Array.from({ length: 40 }, (_, i) => recordBatch([Buffer.from(`c${ci}-${i}`)])),
      );
      // All 40 requests are written at once (pipelined) and answered through one upstream connection.
      const responses = await Promise.all(
        batches.map((b) => c.request<produce.Response>(ApiKey.Produce, 7, produceBody('ordered', 0, b))),
      );
      return responses.map((r) => r.responses[0]!.partitionResponses[0]!.baseOffset);
    }),
  );
  for (const [ci, offsets] of results.entries()) {
    t.ok(
      offsets.every((o, i) => i === 0 || o > offsets[i - 1]!),
      `client ${ci}: 40 responses in request order`,
    );
  }
  t.equal(h.proxy.pools.all()[0]!.sharedCount, 1, 'all on one shared upstream connection');
  for (const c of clients) c.close();
});

t.test('a parked fetch never delays another client on the same broker', async (t) => {
  const h = await startHarness({
    cluster: { brokers: 1, topics: { quiet: 1, busy: 1 } },
    upstream: { pool: { mode: 'pooled', maxConnectionsPerBroker: 1 } },
  });
  t.teardown(() => h.stop());
  const node = `127.0.0.1:${h.base + 11}`;
  const consumer = await RawClient.connect(node);
  const producer = await RawClient.connect(node);
  const events: string[] = [];
  const fetch = consumer
    .request<fetchCodec.Response>(ApiKey.Fetch, 4, {
      replicaId: -1,
      maxWaitMs: 3000,
      minBytes: 1,
      maxBytes: 100000,
      isolationLevel: 0,
      topics: [{ topic: 'quiet', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 100000 }] }],
    })
    .then(() => events.push('fetch answered'));
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 3; i++) {
    await producer.request<produce.Response>(
      ApiKey.Produce,
      7,
      produceBody('busy', 0, await recordBatch([Buffer.from(`p${i}`)])),
    );
    events.push(`produce ${i} answered`);
  }
  await fetch;
  t.same(
    events,
    ['produce 0 answered', 'produce 1 answered', 'produce 2 answered', 'fetch answered'],
    'produces answered while the fetch was parked',
  );
  consumer.close();
  producer.close();
});

t.test('a request the broker holds (Produce acks=all, OffsetCommit) never delays another client', async (t) => {
  // The mock holds the next request of an API on a broker when told to (`delay`), as a Kafka
  // broker holds Produce acks=all until the followers have the records and OffsetCommit until
  // __consumer_offsets has replicated it; a Kafka broker reads nothing more from that connection
  // meanwhile, and the mock answers nothing more on it, so a client sharing the connection waits.
  const h = await startHarness({
    cluster: { brokers: 1, topics: { held: 1, other: 1 } },
    upstream: { pool: { mode: 'pooled', maxConnectionsPerBroker: 1 } },
  });
  t.teardown(() => h.stop());
  const node = `127.0.0.1:${h.base + 11}`;
  const slow = await RawClient.connect(node);
  const fast = await RawClient.connect(node);
  // Both clients on the one shared upstream connection first.
  await slow.request(ApiKey.Produce, 7, produceBody('held', 0, await recordBatch([Buffer.from('warm')])));
  await fast.request(ApiKey.Produce, 7, produceBody('other', 0, await recordBatch([Buffer.from('warm')])));
  t.equal(h.proxy.pools.all()[0]!.sharedCount, 1, 'one shared upstream connection');
  const cases: Array<[string, number, () => Promise<unknown>]> = [
    [
      'Produce acks=all',
      ApiKey.Produce,
      async () => slow.request(ApiKey.Produce, 7, produceBody('held', 0, await recordBatch([Buffer.from('all')]), -1)),
    ],
    [
      'OffsetCommit',
      ApiKey.OffsetCommit,
      () =>
        slow.request(ApiKey.OffsetCommit, 2, {
          groupId: 'held-group',
          generationIdOrMemberEpoch: -1,
          memberId: '',
          retentionTimeMs: -1n,
          topics: [{ name: 'held', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }],
        }),
    ],
  ];
  for (const [name, apiKey, held] of cases) {
    await h.cluster.command(`delay 1 ${apiKey} 1500`);
    const events: string[] = [];
    const first = held().then(() => events.push(`${name} answered`));
    await new Promise((r) => setTimeout(r, 100));
    await fast.request(ApiKey.Produce, 7, produceBody('other', 0, await recordBatch([Buffer.from('x')])));
    events.push('the other client answered');
    await first;
    t.same(
      events,
      ['the other client answered', `${name} answered`],
      `${name} held at the broker: the other client is answered meanwhile`,
    );
  }
  slow.close();
  fast.close();
});

t.test('an upstream failure fails the affected client quickly', async (t) => {
  const h = await startHarness({ cluster: { brokers: 3, topics: { f: 3 } } });
  t.teardown(() => h.stop());
  for (let p = 0; p < 3; p++) await h.cluster.command(`leader f ${p} ${p + 1}`);
  const victim = await RawClient.connect(`127.0.0.1:${h.base + 11}`);
  const other = await RawClient.connect(`127.0.0.1:${h.base + 12}`);
  const parked = victim.request<fetchCodec.Response>(ApiKey.Fetch, 4, {
    replicaId: -1,
    maxWaitMs: 20_000,
    minBytes: 1,
    maxBytes: 1000,
    isolationLevel: 0,
    topics: [{ topic: 'f', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] }],
  });
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  // Attach the expectation before the broker goes down: the proxy may close the client before
  // the mock's command round trip returns, and a rejection with no handler yet is fatal to tap.
  const parkedFails = t.rejects(parked, /connection closed/, 'the parked request fails');
  await h.cluster.command('down 1');
  await parkedFails;
  await victim.closed;
  t.ok(Date.now() - started < 10_000, `client closed after ${Date.now() - started} ms, not after the 20 s long poll`);
  t.match(
    h.logs.find((l) => l.msg === 'client connection closed' && l.reason === 'upstream_failed'),
    { node: 1 },
    'with a logged reason',
  );
  const md = await other.request<metadata.Response>(ApiKey.Metadata, 1, { topics: null });
  t.ok(md.brokers.length >= 2, 'a client of another broker is unaffected');
  await h.cluster.command('up 1');
  const again = await RawClient.connect(`127.0.0.1:${h.base + 11}`);
  const r = await again.request<produce.Response>(
    ApiKey.Produce,
    7,
    produceBody('f', 0, await recordBatch([Buffer.from('back')])),
  );
  t.equal(r.responses[0]!.partitionResponses[0]!.errorCode, 0, 'the broker is used again once it is back');
  again.close();
  other.close();
});
