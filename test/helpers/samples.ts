// Builds random but valid messages of any api key and version from the generated schema, for
// round-trip tests. fast-check drives the randomness so failures shrink and replay by seed.
import fc from 'fast-check';
import type { FieldSchema, MessageSchema } from '../../src/protocol/generated/schema.js';

export function parseRange(s: string | undefined): [number, number] | null {
  if (s === undefined || s === 'none') return null;
  if (s.endsWith('+')) return [Number(s.slice(0, -1)), Infinity];
  const m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return [Number(m[1]), Number(m[2])];
  return [Number(s), Number(s)];
}
export const inRange = (r: [number, number] | null, v: number) => r !== null && v >= r[0] && v <= r[1];

function scalar(type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer();
    case 'uint32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'int64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64':
      return fc.double({ noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a));
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a));
    default:
      throw new Error(`not a scalar: ${type}`);
  }
}

/** An arbitrary of the fields of one struct present at version v (absent fields are left out). */
export function structArb(fields: FieldSchema[], v: number, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) {
    if (!inRange(parseRange(f.versions), v)) continue;
    const nullable = inRange(parseRange(f.nullableVersions), v);
    const isArr = f.type.startsWith('[]');
    const base = f.type.replace(/^\[\]/, '');
    let elem: fc.Arbitrary<unknown>;
    if (f.fields) elem = structArb(f.fields, v, depth + 1);
    else elem = scalar(base);
    let arb: fc.Arbitrary<unknown> = isArr ? fc.array(elem, { maxLength: depth > 2 ? 1 : 3 }) : elem;
    if (nullable) arb = fc.option(arb, { nil: null, freq: 4 });
    rec[f.name] = arb;
  }
  return fc.record(rec);
}

export function messageArb(schema: MessageSchema, v: number) {
  return structArb(schema.fields, v);
}

/**
 * Compares a decoded message with the sample it came from, field by field where the sample has
 * a field (the decoder also fills fields absent at this version with their defaults).
 */
export function sameAsSample(decoded: unknown, sample: unknown, path = '$'): string | null {
  if (sample === null || typeof sample !== 'object') {
    if (typeof sample === 'number' && typeof decoded === 'number') {
      return Object.is(sample, decoded) || sample === decoded
        ? null
        : `${path}: ${String(decoded)} != ${String(sample)}`;
    }
    return decoded === sample ? null : `${path}: ${String(decoded)} != ${String(sample)}`;
  }
  if (Buffer.isBuffer(sample)) {
    return Buffer.isBuffer(decoded) && decoded.equals(sample) ? null : `${path}: bytes differ`;
  }
  if (Array.isArray(sample)) {
    if (!Array.isArray(decoded) || decoded.length !== sample.length) return `${path}: array length differs`;
    for (let i = 0; i < sample.length; i++) {
      const e = sameAsSample(decoded[i], sample[i], `${path}[${i}]`);
      if (e) return e;
    }
    return null;
  }
  if (decoded === null || typeof decoded !== 'object') return `${path}: expected an object`;
  for (const [k, val] of Object.entries(sample)) {
    const e = sameAsSample((decoded as Record<string, unknown>)[k], val, `${path}.${k}`);
    if (e) return e;
  }
  return null;
}
