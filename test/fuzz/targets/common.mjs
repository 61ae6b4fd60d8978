// What every fuzz target checks, on top of its own properties. The targets import the built
// dist/ files (scripts/fuzz.sh builds them first), which Jazzer.js instruments for coverage.
import { isDeepStrictEqual } from 'node:util';
import { EncodeError, WardenError } from '../../../dist/protocol/errors.js';
import { Reader } from '../../../dist/protocol/reader.js';
import { Writer } from '../../../dist/protocol/writer.js';

/** A violated property: thrown out of a fuzz target, it is a finding. */
export class PropertyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PropertyError';
  }
}

/**
 * Runs `fn` on hostile bytes: it may return or throw a WardenError (DecodeError, RecordBatchError,
 * FrameTooLargeError...), the errors the proxy turns into closing the connection. Anything else
 * (a TypeError, a RangeError out of a Buffer read, a stack overflow) propagates and is a finding.
 * Returns fn's result, or undefined when it refused the bytes.
 */
export function refusedOr(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WardenError) return undefined;
    throw e;
  }
}

/**
 * Allocation guard: while a target runs, no single Buffer allocation may exceed `limit` bytes.
 * The decoders must never size anything by a count or length read from the input before checking
 * it against the bytes that are there, so a few KiB of input never justifies a large buffer.
 */
let budget = Infinity;
for (const name of ['alloc', 'allocUnsafe', 'allocUnsafeSlow']) {
  const original = Buffer[name];
  Buffer[name] = function guarded(size, ...rest) {
    if (size > budget)
      throw new PropertyError(`Buffer.${name}(${size}) exceeds the ${budget}-byte budget for this input`);
    return original.call(this, size, ...rest);
  };
}

/** Runs `fn` with the allocation budget for an input of `inputBytes` bytes. */
export function withAllocationBudget(inputBytes, fn) {
  budget = 64 * 1024 + 16 * inputBytes;
  try {
    return fn();
  } finally {
    budget = Infinity;
  }
}

/** True when some string in `value` holds U+FFFD, what invalid UTF-8 decodes to. */
export function hasReplacementChar(value) {
  if (typeof value === 'string') return value.includes('\ufffd');
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  return Object.values(value).some(hasReplacementChar);
}

/**
 * The round-trip property of a codec: a decoded value encodes, its encoding decodes completely to
 * an equal value, and encoding that value again gives the same bytes (the encoding is canonical
 * even when the input was not: overlong varints, bool bytes other than 0 and 1, invalid UTF-8
 * that decodes to U+FFFD all decode to values whose encoding is stable).
 *
 * One exception, and it is not a weakening: decoding invalid UTF-8 is lossy (each bad byte becomes
 * U+FFFD, three bytes in UTF-8), so a decoded string may need more bytes than it came in, more
 * than an int16 length allows; the Writer refuses that with EncodeError. That is accepted only
 * when the value does hold U+FFFD. Returns the encoding, or null for that case.
 */
export function checkRoundTrip(what, encode, decode, version, value) {
  const w = new Writer(256);
  const encoded = encodes(value, () => {
    encode(w, version, value);
    return true;
  });
  if (encoded === undefined) return null;
  const bytes = Buffer.from(w.finish());
  const r = new Reader(bytes);
  let again;
  try {
    again = decode(r, version);
  } catch (e) {
    throw new PropertyError(`${what}: the re-encoded value does not decode (${e.message})`);
  }
  if (r.pos !== r.end) throw new PropertyError(`${what}: the re-encoded value leaves ${r.end - r.pos} bytes undecoded`);
  if (!isDeepStrictEqual(value, again))
    throw new PropertyError(`${what}: decode(encode(value)) differs from the value`);
  const w2 = new Writer(bytes.length);
  encode(w2, version, again);
  if (!w2.finish().equals(bytes)) throw new PropertyError(`${what}: encoding the value twice gives different bytes`);
  return bytes;
}

/**
 * Runs an encoding of (something built from) a decoded `value`: it must succeed, or refuse a string
 * that decoded longer than an int16 length allows (see checkRoundTrip). Returns fn's result, or
 * undefined for that refusal.
 */
export function encodes(value, fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof EncodeError && hasReplacementChar(value)) return undefined;
    throw e;
  }
}
