// One client sending the worst frames the codec admits must not stall every other client: the
// element budget bounds what one request may cost to decode (before authentication far more
// tightly). Timing bounds here are loose; bench/decode-stall.ts has the figures.
import t from 'tap';
import { MockCluster } from '../../src/demo/mock-cluster.js';
import { freePortBlock } from '../helpers/ports.js';
import { serveProxy } from '../helpers/serve.js';
import { measureStall, emptyTopicsProduce } from '../helpers/stall.js';
import { Reader } from '../../src/protocol/reader.js';
import { API_SPECS, ApiKey } from '../../src/protocol/generated/index.js';
import { DecodeBudgetError } from '../../src/protocol/errors.js';
import { decodeRequestHeader } from '../../src/protocol/headers.js';
import { startSecureHarness } from '../helpers/secure.js';
import { RawClient } from '../helpers/raw-client.js';

t.test('the element budget refuses a request before decoding it past the budget', async (t) => {
  const frame = emptyTopicsProduce(1000).subarray(4);
  const header = decodeRequestHeader(frame);
  const decode = (budget: number) => {
    const r = new Reader(frame, header.bodyOffset);
    r.elementBudget = budget;
    return API_SPECS.get(ApiKey.Produce)!.decodeRequest(r, header.apiVersion);
  };
  t.throws(() => decode(999), DecodeBudgetError, 'one element too many');
  t.doesNotThrow(() => decode(1000), 'exactly the budget');
  const huge = emptyTopicsProduce(1_000_000).subarray(4);
  const r = new Reader(huge, decodeRequestHeader(huge).bodyOffset);
  r.elementBudget = 20_000;
  t.throws(
    () => API_SPECS.get(ApiKey.Produce)!.decodeRequest(r, 7),
    DecodeBudgetError,
    'a million entries are refused at their count',
  );
  t.ok(r.pos < 32, `without decoding them (stopped at byte ${r.pos} of ${huge.length})`);
});

t.test("another client's round trips while one sends the worst frames", async (t) => {
  const cluster = await MockCluster.start({ brokers: 1 });
  t.teardown(() => cluster.stop());
  const base = await freePortBlock(20);
  const proxy = await serveProxy({
    upstream: { bootstrap: cluster.brokers },
    listeners: [
      {
        name: 'plain',
        securityProtocol: 'PLAINTEXT',
        host: '127.0.0.1',
        port: base,
        brokerPortBase: base + 10,
        advertisedHost: '127.0.0.1',
      },
    ],
    limits: { maxRequestElements: 20_000, maxConnectionCreationRatePerIp: 0 },
    logging: { level: 'info' },
  });
  t.teardown(() => proxy.stop());
  const address = `127.0.0.1:${base + 11}`;
  const admitted = await measureStall(address, emptyTopicsProduce(19_999), 3000);
  t.comment(
    `worst admitted frames (19,999 entries): prober p50 ${admitted.p50.toFixed(1)} ms, p99 ${admitted.p99.toFixed(1)} ms, max ${admitted.max.toFixed(1)} ms over ${admitted.rtts.length} round trips; ${admitted.attackerFrames} attacker frames`,
  );
  t.ok(admitted.attackerFrames > 10 && admitted.attackerClosed === 0, 'frames within the budget are served');
  t.ok(admitted.p99 < 200, `p99 ${admitted.p99.toFixed(1)} ms stays far below the stall of an unbounded decode`);
  const refused = await measureStall(address, emptyTopicsProduce(1_000_000), 3000);
  t.comment(
    `a million entries (5.7 MiB): prober p99 ${refused.p99.toFixed(1)} ms, max ${refused.max.toFixed(1)} ms; ${refused.attackerClosed} attacker connections closed`,
  );
  t.ok(
    refused.attackerClosed > 0 && refused.attackerClosed >= refused.attackerFrames - 1,
    'every over-budget frame closes its connection',
  );
  t.ok(refused.p99 < 200, `p99 ${refused.p99.toFixed(1)} ms`);
  t.ok(
    proxy.lines.some((l) => l.code === 'WARDEN_ERR_REQUEST_TOO_COMPLEX'),
    'the refusal says why',
  );
});

t.test('before authentication a request may hold only a handful of elements', async (t) => {
  const h = await startSecureHarness();
  t.teardown(() => h.stop());
  const c = await RawClient.connect(h.saslPlaintext);
  // After the handshake, any other request is decoded only to answer ILLEGAL_SASL_STATE: that
  // decode, too, is bounded.
  await c.request(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
  c.writeRaw(emptyTopicsProduce(5000, 7, 99));
  await c.closed;
  t.pass('a 5,000-entry request before authentication closes the connection');
  t.ok(h.logs.some((l) => l.msg === 'request before authentication refused'));
});
