// The split helper (src/acl/checks/split.ts) on real ListOffsets messages, encoded and decoded by
// the generated codecs as the proxy sees them.
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import * as listOffsets from '../../../src/protocol/generated/list-offsets.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { split, mergeInOrder } from '../../../src/acl/checks/split.js';

const V = 8;
const spec = apiSpec(ApiKey.ListOffsets);
const roundTrip = <T>(encode: (w: Writer, v: number, m: T) => void, decode: (r: Reader, v: number) => T, m: T): T => {
  const w = new Writer(64);
  encode(w, V, m);
  return decode(new Reader(w.finish(), 0), V);
};
const request = (...names: string[]) =>
  roundTrip(spec.encodeRequest, spec.decodeRequest, {
    ...spec.defaultRequest(),
    topics: names.map((name) => ({
      ...listOffsets.defaultRequestTopic(),
      name,
      partitions: [{ ...listOffsets.defaultRequestPartition(), partitionIndex: 0 }],
    })),
  });
const answer = (...names: string[]) =>
  roundTrip(spec.encodeResponse, spec.decodeResponse, {
    ...spec.defaultResponse(),
    topics: names.map((name) => ({
      ...listOffsets.defaultResponseTopicResponse(),
      name,
      partitions: [{ ...listOffsets.defaultResponsePartitionResponse(), partitionIndex: 0, offset: 42n }],
    })),
  });

const denyNamed = (denied: string[]) => (req: listOffsets.Request) =>
  split(ApiKey.ListOffsets, {
    items: req.topics,
    decide: (q) => (denied.includes(q.name) ? 29 : 0),
    withItems: (topics) => ({ ...req, topics }),
    denied: (q, code) => ({
      ...listOffsets.defaultResponseTopicResponse(),
      name: q.name,
      partitions: q.partitions.map((p) => ({
        ...listOffsets.defaultResponsePartitionResponse(),
        partitionIndex: p.partitionIndex,
        errorCode: code,
      })),
    }),
    empty: listOffsets.defaultResponse,
    list: (r) => r.topics,
    reqKey: (q) => q.name,
    resKey: (r) => r.name,
  });

t.test('nothing denied: the request goes as it is (null verdict)', async (t) => {
  t.equal(denyNamed([])(request('a', 'b')), null);
});

t.test('everything denied: answered locally with every denied entry, in request order', async (t) => {
  const v = denyNamed(['a', 'b'])(request('b', 'a'));
  if (v?.kind !== 'answer') return t.fail(`expected an answer, got ${JSON.stringify(v)}`);
  t.same(
    v.response.topics.map((x) => [x.name, x.partitions[0]!.errorCode]),
    [
      ['b', 29],
      ['a', 29],
    ],
  );
  const back = roundTrip(spec.encodeResponse, spec.decodeResponse, v.response);
  t.same(
    back.topics.map((x) => x.name),
    ['b', 'a'],
    'the answer encodes',
  );
});

t.test('partly denied: the allowed part goes upstream and the answer is merged back in order', async (t) => {
  const v = denyNamed(['b'])(request('a', 'b', 'c'));
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.same(
    v.request!.topics.map((x) => x.name),
    ['a', 'c'],
    'only the allowed topics are forwarded',
  );
  const merged = v.response!(answer('c', 'a', 'smuggled'));
  t.same(
    merged.topics.map((x) => [x.name, x.partitions[0]!.errorCode, x.partitions[0]!.offset]),
    [
      ['a', 0, 42n],
      ['b', 29, -1n],
      ['c', 0, 42n],
    ],
    'request order; an upstream entry the request did not name is dropped',
  );
});

t.test('an empty request splits to nothing', async (t) => {
  t.equal(denyNamed(['a'])(request()), null);
});

t.test('mergeInOrder pairs duplicate keys by position and drops missing ones', async (t) => {
  const out = mergeInOrder(
    ['x', 'x', 'y', 'z'],
    new Map([[2, 'Y!']]),
    ['x1', 'x2'],
    (q) => q,
    (r) => r.slice(0, 1),
  );
  t.same(out, ['x1', 'x2', 'Y!'], 'z had no upstream result');
});
