// Bad input from the network closes only the connection that sent it, with a logged reason; the
// proxy keeps serving every other connection and nothing malformed reaches the broker.
import t from 'tap';
import fc from 'fast-check';
import { startHarness } from '../helpers/proxy.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as metadata from '../../src/protocol/generated/metadata.js';
import type * as produce from '../../src/protocol/generated/produce.js';

const sized = (payload: Buffer) => {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(payload.length);
  payload.copy(b, 4);
  return b;
};
const header = (apiKey: number, version: number, cid = 1) => {
  const b = Buffer.alloc(10);
  b.writeInt16BE(apiKey, 0);
  b.writeInt16BE(version, 2);
  b.writeInt32BE(cid, 4);
  b.writeInt16BE(-1, 8); // null client id
  return b;
};
const metadataOk = async (addr: string) => {
  const c = await RawClient.connect(addr);
  const m = await c.request<metadata.Response>(ApiKey.Metadata, 1, { topics: null });
  c.close();
  return m.brokers.length;
};

t.test('malformed frames close only their connection', async (t) => {
  const h = await startHarness({
    cluster: { brokers: 3, topics: { t1: 1 } },
    config: { limits: { maxFrameBytes: 1024 * 1024, maxInFlightPerClient: 128 } },
  });
  t.teardown(() => h.stop());
  const bystander = await RawClient.connect(h.bootstrap);

  const negative = Buffer.alloc(4);
  negative.writeInt32BE(-1);
  const huge = Buffer.alloc(4);
  huge.writeInt32BE(2 * 1024 * 1024);
  const impossibleCount = Buffer.concat([header(ApiKey.Metadata, 1), Buffer.from([0x3b, 0x9a, 0xca, 0x00])]);
  const good = await recordBatch([Buffer.from('payload')]);
  const badCrc = Buffer.from(good);
  badCrc[badCrc.length - 1]! ^= 1;
  const produceBadCrc = RawClient.packet(ApiKey.Produce, 7, 1, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: 't1', partitionData: [{ index: 0, records: badCrc }] }],
  });
  const cases: Array<[string, Buffer, RegExp]> = [
    ['negative size', negative, /WARDEN_ERR_FRAME_NEGATIVE_SIZE/],
    ['size above the limit', huge, /WARDEN_ERR_FRAME_TOO_LARGE/],
    ['truncated header', sized(Buffer.from([0, 3, 0])), /WARDEN_ERR_DECODE/],
    ['unknown api key', sized(header(999, 0)), /WARDEN_ERR_API_REFUSED/],
    ['unsupported version', sized(header(ApiKey.Metadata, 99)), /WARDEN_ERR_UNSUPPORTED_VERSION/],
    ['broker-internal api (LeaderAndIsr)', sized(header(ApiKey.LeaderAndIsr, 0)), /WARDEN_ERR_API_REFUSED/],
    [
      'broker-internal api (ControlledShutdown v0)',
      sized(Buffer.from([0, 7, 0, 0, 0, 0, 0, 1])),
      /WARDEN_ERR_API_REFUSED/,
    ],
    ['impossible array count', sized(impossibleCount), /WARDEN_ERR_DECODE/],
    ['truncated body', sized(header(ApiKey.Metadata, 1)), /WARDEN_ERR_DECODE/],
    ['produce with a corrupt batch', produceBadCrc, /WARDEN_ERR_RECORD_BATCH/],
  ];
  for (const [name, bytes, code] of cases) {
    const before = h.logs.length;
    const c = await RawClient.connect(h.bootstrap);
    c.writeRaw(bytes);
    await c.closed;
    const line = h.logs.slice(before).find((l) => l.msg === 'client connection closed');
    t.match(String(line?.code), code, `${name}: closed with ${String(line?.code)}`);
  }
  t.notOk(bystander.isClosed, 'the bystander connection stayed open');
  const md = await bystander.request<metadata.Response>(ApiKey.Metadata, 1, { topics: null });
  t.equal(md.brokers.length, 3, 'and is still served');
  // A valid produce with a correct CRC goes through (sent to the partition leader's port).
  const leader = md.topics.find((x) => x.name === 't1')!.partitions[0]!.leaderId;
  const direct = await RawClient.connect(`127.0.0.1:${h.base + 10 + leader}`);
  t.teardown(() => direct.close());
  const ok = await direct.request<produce.Response>(ApiKey.Produce, 7, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 1000,
    topicData: [{ name: 't1', partitionData: [{ index: 0, records: good }] }],
  });
  t.equal(ok.responses[0]!.partitionResponses[0]!.errorCode, 0, 'a valid produce is accepted by the broker');
  bystander.close();
});

t.test('fuzzed frames never reach the broker malformed and never crash anything', async (t) => {
  // 400 connections from one address within seconds: past the default per-address creation rate.
  const h = await startHarness({
    cluster: { brokers: 1, topics: { t1: 1 } },
    config: { limits: { maxConnectionCreationRatePerIp: 0 } },
  });
  t.teardown(() => h.stop());
  const good = await recordBatch([Buffer.from('a'), Buffer.from('bb')]);
  const seeds = [
    RawClient.packet(ApiKey.Metadata, 1, 1, { topics: [{ name: 't1' }] }),
    RawClient.packet(ApiKey.Metadata, 9, 1, { topics: null, allowAutoTopicCreation: false }),
    RawClient.packet(ApiKey.Produce, 7, 1, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 500,
      topicData: [{ name: 't1', partitionData: [{ index: 0, records: good }] }],
    }),
    RawClient.packet(ApiKey.Fetch, 4, 1, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1000,
      isolationLevel: 0,
      topics: [{ topic: 't1', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] }],
    }),
    RawClient.packet(ApiKey.ListOffsets, 1, 1, {
      replicaId: -1,
      topics: [{ name: 't1', partitions: [{ partitionIndex: 0, timestamp: -1n }] }],
    }),
    RawClient.packet(ApiKey.JoinGroup, 1, 1, {
      groupId: 'g',
      sessionTimeoutMs: 6000,
      rebalanceTimeoutMs: 6000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(4) }],
    }),
  ];
  let sent = 0;
  // Mutations of valid requests: flipped bytes, cut or extended bodies, random counts.
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
    cut: fc.option(fc.nat(), { nil: null }),
  });
  const batches = fc.sample(mutation, { numRuns: 400, seed: 4242 });
  // Frames go out in waves over fresh connections (each bad frame closes its connection).
  for (let i = 0; i < batches.length; i += 40) {
    await Promise.all(
      batches.slice(i, i + 40).map(async (m) => {
        const base = Buffer.from(seeds[m.seed]!);
        for (const [pos, x] of m.flips) {
          const p = 4 + (pos % (base.length - 4));
          if (p >= 8 && p < 12) continue; // leave the correlation id alone (it is not validated)
          base[p]! ^= x;
        }
        let frameBytes = base.subarray(4);
        if (m.cut !== null) frameBytes = frameBytes.subarray(0, m.cut % frameBytes.length);
        const c = await RawClient.connect(h.bootstrap);
        c.writeRaw(sized(Buffer.from(frameBytes)));
        sent++;
        await Promise.race([c.closed, new Promise((r) => setTimeout(r, 300))]);
        c.close();
      }),
    );
  }
  t.equal(sent, 400, '400 mutated frames sent');
  t.equal(await metadataOk(h.bootstrap), 1, 'the proxy and the broker still answer');
  const refused = h.logs.filter(
    (l) => l.msg === 'client connection closed' && String(l.code).startsWith('WARDEN_ERR'),
  ).length;
  t.ok(refused > 100, `${refused} frames were refused by the proxy`);
  t.notOk(
    h.logs.some((l) => l.msg === 'unexpected error handling a request'),
    'no frame caused an unexpected exception',
  );
});
