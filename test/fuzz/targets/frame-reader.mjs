// Fuzz target: FrameReader against a reference splitter, over arbitrary chunkings of a stream.
//   byte 0: bit 0 chunks are reused (overwritten after each push, as a socket reading into one
//           shared buffer does), bit 1 the limit alternates between A and B from frame to frame
//           (set from onFrame, as the proxy does once a client has authenticated);
//   byte 1: limit A / 2, byte 2: limit B / 2;
//   bytes 3-6: chunk lengths (mod 67; 0 pushes an empty chunk), used in turn;
//   the rest: the byte stream.
// Properties: the packets delivered (size prefix included) are exactly the reference's frames, in
// order; a size that is negative or above the limit throws FrameTooLargeError with that size and
// limit from the push that completes its four bytes, after every earlier frame was delivered, and
// the reader then ignores what follows; `buffered` counts the bytes of the incomplete frame.
import { withAllocationBudget, PropertyError } from './common.mjs';
import { FrameReader } from '../../../dist/protocol/frame-reader.js';
import { FrameTooLargeError } from '../../../dist/protocol/errors.js';

export const HEADER_BYTES = 7;

/** Splits `stream` the simple way, with frame k checked against limitFor(k). */
export function referenceSplit(stream, limitFor) {
  const frames = [];
  let pos = 0;
  for (;;) {
    const left = stream.length - pos;
    if (left < 4) return { frames, error: null, buffered: left };
    const size = stream.readInt32BE(pos);
    const limit = limitFor(frames.length);
    if (size < 0 || size > limit) return { frames, error: { size, limit, lastPrefixByte: pos + 3 }, buffered: 0 };
    if (left - 4 < size) return { frames, error: null, buffered: left - 4 };
    frames.push(stream.subarray(pos, pos + 4 + size));
    pos += 4 + size;
  }
}

export function fuzz(data) {
  if (data.length < HEADER_BYTES) return;
  withAllocationBudget(data.length, () => run(Buffer.from(data)));
}

function run(data) {
  const reused = (data[0] & 1) === 1;
  const alternate = (data[0] & 2) === 2;
  const limitA = data[1] * 2;
  const limitB = data[2] * 2;
  const lengths = [...data.subarray(3, 7)].map((b) => b % 67);
  if (lengths.every((n) => n === 0)) lengths[0] = 66;
  const stream = data.subarray(HEADER_BYTES);
  const limitFor = (k) => (alternate && k % 2 === 1 ? limitB : limitA);
  const expected = referenceSplit(stream, limitFor);

  const got = [];
  const reader = new FrameReader((packet) => {
    // Kept as delivered: with reused chunks the reader must have copied the bytes out.
    got.push(packet);
    reader.maxFrameBytes = limitFor(got.length);
  }, limitA);
  reader.chunksReused = reused;

  let pos = 0;
  let turn = 0;
  let thrown = null;
  while (pos < stream.length || turn === 0) {
    const n = Math.min(lengths[turn++ % lengths.length], stream.length - pos);
    const chunk = reused ? Buffer.from(stream.subarray(pos, pos + n)) : stream.subarray(pos, pos + n);
    try {
      reader.push(chunk);
    } catch (e) {
      if (!(e instanceof FrameTooLargeError)) throw e;
      thrown = { e, from: pos, to: pos + n };
    }
    if (reused) chunk.fill(0xee);
    pos += n;
    if (thrown !== null) break;
  }

  if (got.length !== expected.frames.length)
    throw new PropertyError(`${got.length} frames delivered, the reference splits ${expected.frames.length}`);
  got.forEach((packet, i) => {
    if (!packet.equals(expected.frames[i])) throw new PropertyError(`frame ${i} differs from the reference`);
  });
  if (expected.error === null) {
    if (thrown !== null)
      throw new PropertyError(`FrameTooLargeError (${thrown.e.message}) where the reference has none`);
    if (reader.buffered !== expected.buffered)
      throw new PropertyError(`buffered is ${reader.buffered}, expected ${expected.buffered}`);
    return;
  }
  if (thrown === null)
    throw new PropertyError(`no FrameTooLargeError for size ${expected.error.size} over ${expected.error.limit}`);
  const { e, from, to } = thrown;
  if (e.size !== expected.error.size || e.limit !== expected.error.limit)
    throw new PropertyError(
      `FrameTooLargeError for ${e.size}/${e.limit}, expected ${expected.error.size}/${expected.error.limit}`,
    );
  if (e.code !== (e.size < 0 ? 'WARDEN_ERR_FRAME_NEGATIVE_SIZE' : 'WARDEN_ERR_FRAME_TOO_LARGE'))
    throw new PropertyError(`error code ${e.code} for size ${e.size}`);
  if (expected.error.lastPrefixByte < from || expected.error.lastPrefixByte >= to)
    throw new PropertyError('FrameTooLargeError thrown from a push that did not complete the size');
  // A failed reader takes nothing more.
  const before = got.length;
  reader.push(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]));
  if (got.length !== before) throw new PropertyError('a failed reader delivered another frame');
}
