// The pipeline as buildPipeline wires it: the stages in order, the upstream sink at the end.
import t from 'tap';
import pino from 'pino';
import { ApiKey } from '../../../src/protocol/generated/index.js';
import { buildPipeline } from '../../../src/proxy/stages/index.js';
import { MemoryBudget } from '../../../src/proxy/memory-budget.js';
import type { ClientContext } from '../../../src/proxy/client-context.js';
import { FakePort, identityOf, metricsOf, packetOf, responseOf, securityOf } from '../../helpers/stage-fakes.js';
import { listOffsets } from '../../helpers/requests.js';

const log = pino({ level: 'silent' });

function contextOf(protocol: 'PLAINTEXT' | 'SASL_PLAINTEXT'): ClientContext {
  return {
    security: securityOf(protocol),
    listenerName: 'l',
    addresses: { addressFor: () => ({ host: 'h', port: 1 }), learn: () => {} },
    cluster: { versionsOf: () => null, topicNames: new Map() } as never,
    pools: null as never,
    log,
    maxFrameBytes: 1 << 20,
    maxInFlight: 10,
    maxRequestElements: 1000,
    maxBufferedBytes: 1 << 20,
    memory: new MemoryBudget(1 << 30),
    requestTimeoutMs: 1000,
    audit: null,
    clusterId: () => 'c',
    metrics: metricsOf(),
  };
}

const bytes = { holdRequest: () => {}, releaseRequest: () => {} };

t.test('the session comes first: before authentication nothing reaches the broker', async (t) => {
  const sent: Buffer[] = [];
  const lane = { send: (p: Buffer) => sent.push(p) };
  const port = new FakePort();
  const { chain, session } = buildPipeline(
    port,
    contextOf('SASL_PLAINTEXT'),
    identityOf(),
    { nodeId: 1, lane: lane as never },
    bytes,
  );
  t.equal(session.open(), null);
  chain.handle(packetOf(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 1));
  t.equal(
    responseOf(port.answers[0]!, ApiKey.ApiVersions, 3).correlationId,
    1,
    'ApiVersions answered by the local APIs',
  );
  chain.handle(packetOf(ApiKey.ListOffsets, 7, listOffsets('orders'), 2));
  t.equal(port.holds, 1, 'the refusal waits out the failed-authentication delay');
  t.same(sent, [], 'and nothing went upstream');
  session.dispose();
});

t.test('an authenticated request every stage passes ends at the upstream lane', async (t) => {
  const sent: Buffer[] = [];
  const lane = { send: (p: Buffer) => sent.push(p) };
  const port = new FakePort();
  const id = identityOf();
  const { chain, session } = buildPipeline(port, contextOf('PLAINTEXT'), id, { nodeId: 1, lane: lane as never }, bytes);
  session.open();
  const packet = packetOf(ApiKey.ListOffsets, 7, listOffsets('orders'), 3);
  chain.handle(packet);
  t.same(sent, [packet], 'the client bytes, forwarded');
  t.equal(port.slots.length, 1);
});

t.test('behind a port with no broker, a request closes the connection as no_upstream', async (t) => {
  const port = new FakePort();
  const { chain, session } = buildPipeline(
    port,
    contextOf('PLAINTEXT'),
    identityOf(),
    { nodeId: 7, lane: null },
    bytes,
  );
  session.open();
  chain.handle(packetOf(ApiKey.ListOffsets, 7, listOffsets('orders'), 3));
  t.equal(port.closes[0]?.reason, 'no_upstream');
});
