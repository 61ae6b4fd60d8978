// Error responses built from requests (Kafka's getErrorResponse): every API the proxy serves, at
// every version it serves, gets an encodable response; multi-resource APIs carry the error on every
// resource the request named.
import t from 'tap';
import fc from 'fast-check';
import { API_SPECS, ApiKey, type ApiKeyCode } from '../../src/protocol/generated/index.js';
import { SCHEMAS } from '../../src/protocol/generated/schema.js';
import { Writer } from '../../src/protocol/writer.js';
import { Reader } from '../../src/protocol/reader.js';
import { errorResponseOf } from '../../src/protocol/error-response.js';
import { API_POLICY, proxyVersionRange } from '../../src/proxy/api-table.js';
import { messageArb, parseRange } from '../helpers/samples.js';

/** errorResponseOf for a key held as a number and a fixture that names only what the test needs. */
const errorResponse = (key: number, request: unknown, code: number): unknown =>
  errorResponseOf(key as ApiKeyCode, request as never, code);

/** Whether the response of this version has a top-level errorCode on the wire. */
function hasTopLevelError(key: number, v: number): boolean {
  const f = SCHEMAS[key]!.response.fields.find((x) => x.name === 'errorCode');
  const r = f ? parseRange(f.versions) : null;
  return r !== null && v >= r[0] && v <= r[1];
}

t.test(
  'every served API and version: an encodable error response, with the code where the version has a top-level one',
  async (t) => {
    let checked = 0;
    for (const key of API_POLICY.keys()) {
      const range = proxyVersionRange(key)!;
      const spec = API_SPECS.get(key)!;
      for (let v = range[0]; v <= range[1]; v++) {
        const [sample] = fc.sample(messageArb(SCHEMAS[key]!.request, v), { numRuns: 1, seed: key * 100 + v });
        const w = new Writer();
        w.int32(0); // header stand-in
        // Decode a request of this version the way the proxy does, then build and encode the answer.
        const rw = new Writer();
        spec.encodeRequest(rw, v, sample as never);
        const req = spec.decodeRequest(new Reader(rw.finish()), v);
        const res = errorResponse(key, req, 34);
        spec.encodeResponse(w, v, res as never);
        const r = new Reader(w.finish(), 4);
        const decoded = spec.decodeResponse(r, v) as { errorCode?: number };
        r.done();
        if (hasTopLevelError(key, v) && decoded.errorCode !== 34)
          t.fail(`${spec.name} v${v}: top-level error code ${decoded.errorCode}`);
        checked++;
      }
    }
    t.ok(checked > 200, `${checked} api versions answered`);
  },
);

t.test('multi-resource APIs put the error on every resource named', async (t) => {
  const p = errorResponse(
    ApiKey.Produce,
    {
      topicData: [
        { name: 'a', partitionData: [{ index: 0 }, { index: 3 }] },
        { name: 'b', partitionData: [{ index: 1 }] },
      ],
    },
    29,
  ) as { responses: Array<{ name: string; partitionResponses: Array<{ index: number; errorCode: number }> }> };
  t.same(
    p.responses.map((r) => [r.name, r.partitionResponses.map((x) => [x.index, x.errorCode])]),
    [
      [
        'a',
        [
          [0, 29],
          [3, 29],
        ],
      ],
      ['b', [[1, 29]]],
    ],
  );
  const m = errorResponse(ApiKey.Metadata, { topics: [{ name: 'x', topicId: Buffer.alloc(16) }] }, 29) as {
    topics: Array<{ name: string; errorCode: number }>;
  };
  t.same(
    m.topics.map((x) => [x.name, x.errorCode]),
    [['x', 29]],
  );
  const j = errorResponse(ApiKey.JoinGroup, {}, 30) as { errorCode: number };
  t.equal(j.errorCode, 30, 'top-level error code for single-resource APIs');
});

t.test('a Fetch error carries an empty record set, never null (as Kafka; librdkafka rejects null)', async (t) => {
  const req = {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 'x', topicId: Buffer.alloc(16), partitions: [{ partition: 0 }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
  const res = errorResponse(ApiKey.Fetch, req, 29) as {
    responses: Array<{ partitions: Array<{ errorCode: number; records: Buffer | null }> }>;
  };
  t.equal(res.responses[0]!.partitions[0]!.errorCode, 29);
  t.same(res.responses[0]!.partitions[0]!.records, Buffer.alloc(0));
});
