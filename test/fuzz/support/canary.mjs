// A target with a planted bug, for test/fuzz/fuzz.test.ts to show that a fuzz run fails on a
// finding and keeps its input: a DecodeError is an accepted refusal, but a frame starting "KW"
// reaches an unchecked Buffer read, whose RangeError is a finding.
import { refusedOr } from '../targets/common.mjs';
import { Reader } from '../../../dist/protocol/reader.js';

export function fuzz(data) {
  const buf = Buffer.from(data);
  refusedOr(() => new Reader(buf).int32());
  if (buf.length >= 2 && buf[0] === 0x4b && buf[1] === 0x57) buf.readInt32BE(buf.length);
}
