// Round trip of generated samples for every api key, both directions and every version:
// encode(x) -> bytes, decode(bytes) matches x, encode(decode(bytes)) is the same bytes, and every
// strict prefix of the bytes is refused with a DecodeError (never another exception).
import t from 'tap';
import fc from 'fast-check';
import { API_SPECS } from '../../src/protocol/generated/index.js';
import { SCHEMAS } from '../../src/protocol/generated/schema.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { DecodeError } from '../../src/protocol/errors.js';
import { messageArb, sameAsSample, parseRange } from '../helpers/samples.js';

const RUNS = Number(process.env.CODEC_RUNS ?? 8);

t.test('every api key has request and response codecs and schemas', async (t) => {
  t.ok(API_SPECS.size >= 80, `${API_SPECS.size} api keys`);
  for (const [key, spec] of API_SPECS) {
    t.ok(SCHEMAS[key], `schema for ${spec.name}`);
    t.type(spec.decodeRequest, 'function');
    t.type(spec.encodeResponse, 'function');
  }
});

for (const [key, spec] of API_SPECS) {
  t.test(`${spec.name} (${key})`, async (t) => {
    for (const dir of ['request', 'response'] as const) {
      const schema = SCHEMAS[key]![dir];
      const range = parseRange(schema.validVersions)!;
      const decode = dir === 'request' ? spec.decodeRequest : spec.decodeResponse;
      const encode = (dir === 'request' ? spec.encodeRequest : spec.encodeResponse) as (
        w: Writer,
        v: number,
        m: unknown,
      ) => void;
      for (let v = range[0]; v <= Math.min(range[1], spec.maxVersion); v++) {
        let checked = 0;
        fc.assert(
          fc.property(messageArb(schema, v), (sample) => {
            const w1 = new Writer();
            encode(w1, v, sample);
            const bytes = Buffer.from(w1.finish());
            const r = new Reader(bytes);
            const decoded = decode(r, v);
            r.done();
            const diff = sameAsSample(decoded, sample);
            if (diff) throw new Error(`v${v} ${dir}: ${diff}`);
            const w2 = new Writer();
            encode(w2, v, decoded);
            if (!w2.finish().equals(bytes)) throw new Error(`v${v} ${dir}: re-encoded bytes differ`);
            // Every truncation is refused cleanly.
            for (let cut = 0; cut < bytes.length; cut++) {
              try {
                const rr = new Reader(bytes.subarray(0, cut));
                decode(rr, v);
                rr.done();
                throw new Error(`v${v} ${dir}: prefix of ${cut}/${bytes.length} bytes decoded`);
              } catch (e) {
                if (!(e instanceof DecodeError)) throw e;
              }
            }
            checked++;
          }),
          { numRuns: RUNS, seed: key * 1000 + v },
        );
        t.equal(checked, RUNS, `${dir} v${v}: ${checked} samples round-tripped`);
      }
    }
  });
}
