// The upstream stage alone, on a fake lane: what goes up, what comes back, acks=0, failures.
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import { UpstreamError, type PendingRequest } from '../../../src/proxy/upstream.js';
import { UpstreamStage } from '../../../src/proxy/stages/upstream.js';
import { responsePacket } from '../../../src/proxy/responses.js';
import { FakePort, requestOf, responseOf } from '../../helpers/stage-fakes.js';
import { fetchByName, listOffsets, produce as emptyProduce } from '../../helpers/requests.js';
import { recordBatch } from '../../helpers/raw-client.js';

const RECORDS = await recordBatch([Buffer.from('value')]);
/** A Produce of one valid record batch. */
const produce = (topic: string, acks = -1) => {
  const req = emptyProduce(topic, acks);
  req.topicData[0]!.partitionData[0]!.records = RECORDS;
  return req;
};

class FakeLane {
  sent: Array<{ packet: Buffer; pending: PendingRequest; parks: boolean; written?: () => void }> = [];
  send(packet: Buffer, pending: PendingRequest, parks: boolean, written?: () => void): void {
    this.sent.push({ packet, pending, parks, written });
  }
}

class Bytes {
  held = 0;
  holdRequest(n: number): void {
    this.held += n;
  }
  releaseRequest(n: number): void {
    this.held -= n;
  }
}

const ADDRESSES = { addressFor: () => ({ host: 'proxy', port: 9092 }), learn: () => {} };

function stageOf() {
  const port = new FakePort();
  const lane = new FakeLane();
  const bytes = new Bytes();
  const stage = new UpstreamStage(port, lane as never, bytes, { addresses: ADDRESSES, requestTimeoutMs: 1000 });
  return { port, lane, bytes, stage };
}

const produceResponse = (correlationId: number, errorCode: number, version = 9) => {
  const body = apiSpec(ApiKey.Produce).defaultResponse();
  body.responses = [
    {
      name: 'orders',
      partitionResponses: [
        {
          index: 0,
          errorCode,
          baseOffset: 0n,
          logAppendTimeMs: -1n,
          logStartOffset: 0n,
          recordErrors: [],
          errorMessage: null,
          currentLeader: { leaderId: -1, leaderEpoch: -1 },
        },
      ],
      topicId: Buffer.alloc(16),
    },
  ];
  return responsePacket(ApiKey.Produce, version, correlationId, body);
};

t.test(
  'a request goes up as sent, its bytes counted until written, with its deadline and whether it parks',
  async (t) => {
    const { stage, lane, port, bytes } = stageOf();
    const req = requestOf(ApiKey.ListOffsets, 7, listOffsets('orders'));
    const before = Date.now();
    stage.send(req, undefined);
    const sent = lane.sent[0]!;
    t.equal(sent.packet, req.packet, 'the client bytes themselves');
    t.equal(sent.pending.clientCorrelationId, 7);
    t.ok(sent.pending.deadline >= before + 1000, 'the request timeout and what the broker may hold it for');
    t.equal(sent.parks, false);
    t.equal(bytes.held, req.packet.length);
    sent.written!();
    t.equal(bytes.held, 0, 'released once written');
    t.equal(port.slots.length, 1);
    const answer = responsePacket(ApiKey.ListOffsets, 7, 7, apiSpec(ApiKey.ListOffsets).defaultResponse());
    sent.pending.onResponse(answer);
    t.equal(port.slots[0]!.packet, answer, 'a response that needs no rewrite passes as it is');
    stage.send(requestOf(ApiKey.Fetch, 12, fetchByName('orders')), undefined);
    t.equal(lane.sent[1]!.parks, true, 'a Fetch gets a connection of its own');
  },
);

t.test('a response step rewrites the response before it reaches the slot', async (t) => {
  const { stage, lane, port } = stageOf();
  stage.send(requestOf(ApiKey.Produce, 9, produce('orders')), (r) => ({ ...r, throttleTimeMs: 1234 }));
  lane.sent[0]!.pending.onResponse(produceResponse(7, 0));
  t.equal(responseOf(port.slots[0]!.packet!, ApiKey.Produce, 9).body.throttleTimeMs, 1234);
});

t.test('acks=0 goes up as acks=1; its answer stays here; a failure closes the connection', async (t) => {
  const ok = stageOf();
  const req = requestOf(ApiKey.Produce, 9, produce('orders', 0));
  ok.stage.send(req, undefined);
  const upstream = requestOf(ApiKey.Produce, 9, produce('orders'));
  t.equal(ok.lane.sent[0]!.packet.length, upstream.packet.length);
  t.ok(
    requestOf(ApiKey.Produce, 9, produce('orders', 1)).packet.equals(ok.lane.sent[0]!.packet),
    'byte for byte the same request with acks=1',
  );
  t.equal(ok.port.slots[0]!.silent, true);
  ok.lane.sent[0]!.pending.onResponse(produceResponse(7, 0));
  t.same(ok.port.slots[0]!.packet, Buffer.alloc(0), 'a silent slot: nothing goes to the client');
  const failed = stageOf();
  failed.stage.send(requestOf(ApiKey.Produce, 9, produce('orders', 0)), undefined);
  failed.lane.sent[0]!.pending.onResponse(produceResponse(7, 3));
  t.same(failed.port.closes, [{ reason: 'acks_zero_failed', fields: { errorCode: 3 } }]);
});

t.test('a broken or unreadable upstream closes this client only, with its reason', async (t) => {
  const broken = stageOf();
  broken.stage.send(requestOf(ApiKey.ListOffsets, 7, listOffsets('orders')), undefined);
  broken.lane.sent[0]!.pending.onError(new UpstreamError('WARDEN_ERR_UPSTREAM', 'connection reset'));
  t.match(broken.port.closes[0], {
    reason: 'upstream_failed',
    fields: { code: 'WARDEN_ERR_UPSTREAM', detail: 'connection reset' },
  });
  const garbled = stageOf();
  garbled.stage.send(requestOf(ApiKey.Produce, 9, produce('orders')), (r) => r);
  garbled.lane.sent[0]!.pending.onResponse(Buffer.from([0, 0, 0, 6, 0, 0, 0, 7, 0xff, 0xff]));
  t.equal(garbled.port.closes[0]?.reason, 'upstream_malformed');
  const garbledZero = stageOf();
  garbledZero.stage.send(requestOf(ApiKey.Produce, 9, produce('orders', 0)), undefined);
  garbledZero.lane.sent[0]!.pending.onResponse(Buffer.from([0, 0, 0, 5, 0, 0, 0, 7, 0xff]));
  t.equal(garbledZero.port.closes[0]?.reason, 'upstream_malformed');
  const late = stageOf();
  late.stage.send(requestOf(ApiKey.ListOffsets, 7, listOffsets('orders')), undefined);
  late.port.closed = true;
  late.lane.sent[0]!.pending.onResponse(
    responsePacket(ApiKey.ListOffsets, 7, 7, apiSpec(ApiKey.ListOffsets).defaultResponse()),
  );
  t.equal(late.port.slots[0]!.packet, null, 'nothing is answered on a closed connection');
});
