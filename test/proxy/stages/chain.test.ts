// The request chain alone: stages are fakes, the port records what the chain asks of the connection.
import t from 'tap';
import { ApiKey, apiSpec, type AnyResponse } from '../../../src/protocol/generated/index.js';
import { RequestChain, type FrameGate, type UpstreamSink } from '../../../src/proxy/stages/chain.js';
import type { ClientRequest } from '../../../src/proxy/stages/request.js';
import {
  FORWARD,
  DROP,
  answer,
  close,
  forward,
  later,
  type Outcome,
  type ResponseStep,
  type Stage,
  type LocalOutcome,
} from '../../../src/proxy/stages/stage.js';
import { FakePort, OPEN_GATE, metricsOf, packetOf, responseOf } from '../../helpers/stage-fakes.js';
import { metadata } from '../../helpers/requests.js';

const NO_INTERCEPT: FrameGate = { interceptFrame: () => null, elementBudget: () => 10_000 };

class Sink implements UpstreamSink {
  sent: Array<{ req: ClientRequest; step: ResponseStep | undefined }> = [];
  send(req: ClientRequest, step: ResponseStep | undefined): void {
    this.sent.push({ req, step });
  }
}

const stage = (name: string, decide: (req: ClientRequest) => Outcome, seen: string[] = []): Stage => ({
  name,
  onRequest: (req) => {
    seen.push(name);
    return decide(req);
  },
});

function chainOf(stages: Stage[], gate: FrameGate = NO_INTERCEPT) {
  const port = new FakePort();
  const sink = new Sink();
  const metrics = metricsOf();
  return { port, sink, metrics, chain: new RequestChain(port, gate, OPEN_GATE, stages, sink, metrics) };
}

const topics = (...names: string[]) => names.map((name) => ({ name, topicId: Buffer.alloc(16) }));
const metadataPacket = (correlationId = 7) => packetOf(ApiKey.Metadata, 12, metadata(topics('a', 'b')), correlationId);

t.test('a request every stage forwards reaches the sink, with response steps nearest-the-broker first', async (t) => {
  const seen: string[] = [];
  const order: string[] = [];
  const step = (name: string) => (r: AnyResponse) => {
    order.push(name);
    return r;
  };
  const { chain, sink, port } = chainOf([
    stage('one', () => forward(step('one')), seen),
    stage('two', () => FORWARD, seen),
    stage('three', () => forward(step('three')), seen),
  ]);
  chain.handle(metadataPacket());
  t.same(seen, ['one', 'two', 'three']);
  t.equal(sink.sent.length, 1);
  t.equal(sink.sent[0]!.req.apiKey, ApiKey.Metadata);
  sink.sent[0]!.step!(apiSpec(ApiKey.Metadata).defaultResponse());
  t.same(order, ['three', 'one'], 'the last stage to attach a step sees the response first');
  t.equal(port.slots.length, 0, 'the sink reserves its own slot');
  t.equal(chain.request, null, 'no request is current once it has been handled');
});

t.test('a stage that forwards a new body replaces the request the sink sends', async (t) => {
  const { chain, sink } = chainOf([
    stage('filter', (req) => {
      if (req.is(ApiKey.Metadata)) req.replaceBody(metadata(topics('a')));
      return FORWARD;
    }),
  ]);
  chain.handle(metadataPacket());
  const req = sink.sent[0]!.req;
  t.same(
    (req.body as { topics: Array<{ name: string }> }).topics.map((x) => x.name),
    ['a'],
  );
  t.not(req.upstreamPacket(), metadataPacket(), 'the packet is re-encoded');
});

t.test('the first outcome that is not forward ends the request there', async (t) => {
  const seen: string[] = [];
  const { chain, sink, port } = chainOf([
    stage(
      'local',
      () => answer({ throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1, topics: [] }),
      seen,
    ),
    stage('never', () => FORWARD, seen),
  ]);
  chain.handle(metadataPacket(42));
  t.same(seen, ['local']);
  t.equal(sink.sent.length, 0);
  t.equal(port.answers.length, 1);
  const res = responseOf(port.answers[0]!, ApiKey.Metadata, 12);
  t.equal(res.correlationId, 42, 'answered with the request correlation id');
  t.equal(res.body.controllerId, 1, 'encoded at the request version');
  t.same(port.drains, [], 'and the connection goes on');
});

t.test('an answer may drain the connection after it, with a linger', async (t) => {
  const { chain, port } = chainOf([
    stage('refuse', () =>
      answer(
        { throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 1, topics: [] },
        { drain: true, lingerMs: 30 },
      ),
    ),
  ]);
  chain.handle(metadataPacket());
  t.equal(port.answers.length, 1);
  t.same(port.drains, [30]);
});

t.test('close closes with its reason and the request named; drop answers nothing', async (t) => {
  const closing = chainOf([stage('deny', () => close('acks_zero_denied', { principal: 'User:x' }))]);
  closing.chain.handle(metadataPacket(9));
  t.same(closing.port.closes, [
    {
      reason: 'acks_zero_denied',
      fields: { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 9, principal: 'User:x' },
    },
  ]);
  const dropping = chainOf([stage('drop', () => DROP)]);
  dropping.chain.handle(metadataPacket());
  t.equal(dropping.port.slots.length, 0);
  t.equal(dropping.port.closes.length, 0);
  t.equal(dropping.sink.sent.length, 0);
});

t.test('a later outcome keeps the request its place and holds the frames behind it', async (t) => {
  let settle: (o: LocalOutcome) => void = () => {};
  const pending = new Promise<LocalOutcome>((resolve) => (settle = resolve));
  const { chain, port } = chainOf([stage('slow', () => later(pending))]);
  chain.handle(metadataPacket(5));
  t.equal(port.slots.length, 1, 'the slot is reserved at once');
  t.equal(port.holds, 1);
  t.equal(port.releases, 0);
  settle(answer({ throttleTimeMs: 0, brokers: [], clusterId: null, controllerId: 3, topics: [] }));
  await pending;
  await new Promise((r) => setImmediate(r));
  t.equal(
    responseOf(port.slots[0]!.packet!, ApiKey.Metadata, 12).correlationId,
    5,
    'the answer fills the reserved slot',
  );
  t.equal(port.releases, 1, 'and the held frames are released');
});

t.test('a later outcome that fails closes the connection as an internal error', async (t) => {
  const { chain, port } = chainOf([stage('broken', () => later(Promise.reject(new Error('bug'))))]);
  chain.handle(metadataPacket());
  await new Promise((r) => setImmediate(r));
  t.equal(port.closes[0]?.reason, 'internal_error');
});

t.test('a later outcome settling after the connection closed changes nothing', async (t) => {
  const { chain, port } = chainOf([
    stage('slow', () => later(Promise.resolve(answer(apiSpec(ApiKey.Metadata).defaultResponse())))),
  ]);
  chain.handle(metadataPacket());
  port.closed = true;
  await new Promise((r) => setImmediate(r));
  t.equal(port.slots[0]!.packet, null);
  t.equal(port.releases, 0);
});

t.test('frames that are not requests the proxy serves close the connection as a protocol error', async (t) => {
  const short = chainOf([]);
  short.chain.handle(Buffer.from([0, 0, 0, 2, 0, 3]));
  t.equal(short.port.closes[0]?.reason, 'protocol_error');
  const unknownApi = chainOf([]);
  const p = metadataPacket();
  p.writeInt16BE(9999, 4);
  unknownApi.chain.handle(p);
  t.match(unknownApi.port.closes[0], { reason: 'protocol_error', fields: { code: 'WARDEN_ERR_API_REFUSED' } });
  const badVersion = chainOf([]);
  const v = metadataPacket();
  v.writeInt16BE(999, 6);
  badVersion.chain.handle(v);
  t.match(badVersion.port.closes[0], { reason: 'protocol_error', fields: { code: 'WARDEN_ERR_UNSUPPORTED_VERSION' } });
  const truncated = chainOf([stage('reads-body', (req) => (req.body, FORWARD))]);
  const whole = metadataPacket();
  const cut = whole.subarray(0, whole.length - 3);
  cut.writeInt32BE(cut.length - 4, 0);
  truncated.chain.handle(cut);
  t.match(
    truncated.port.closes[0],
    { reason: 'protocol_error', fields: { apiKey: ApiKey.Metadata, correlationId: 7 } },
    'a body that does not decode, with the request named',
  );
});

t.test('an exception in a stage closes the connection as an internal error', async (t) => {
  const { chain, port } = chainOf([
    stage('bug', () => {
      throw new TypeError('oops');
    }),
  ]);
  chain.handle(metadataPacket());
  t.equal(port.closes[0]?.reason, 'internal_error');
});

t.test('a frame the gate intercepts never reaches the stages', async (t) => {
  const seen: string[] = [];
  const gate: FrameGate = { interceptFrame: () => close('authentication_failed'), elementBudget: () => 1 };
  const { chain, port } = chainOf([stage('never', () => FORWARD, seen)], gate);
  chain.handle(Buffer.from([0, 0, 0, 3, 1, 2, 3]));
  t.same(seen, []);
  t.equal(port.closes[0]?.reason, 'authentication_failed');
});

t.test('requests are counted per API', async (t) => {
  const { chain, metrics } = chainOf([]);
  chain.handle(metadataPacket());
  chain.handle(metadataPacket());
  t.match(await metrics.text(), /kafka_warden_requests_total\{api="Metadata"\} 2/);
});
