import type { TaggedField } from './reader.js';
import { EncodeError } from './errors.js';

/** Longest string an int16 length prefix can announce. */
const MAX_INT16_STRING_BYTES = 0x7fff;

/**
 * A growable big-endian writer. One Buffer is allocated up front (size it with a hint when the
 * result size is known roughly, e.g. the frame being rewritten) and doubled when it runs out;
 * integers are written in place, never through temporary Buffers.
 */
export class Writer {
  buf: Buffer;
  pos: number;

  constructor(sizeHint = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, sizeHint));
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): void {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }
  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }
  int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }
  uint16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }
  uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }
  int64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }
  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }
  uuid(v: Uint8Array): void {
    this.raw(v);
  }
  uvarint(v: number): void {
    this.ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.pos++] = x;
  }
  varint(v: number): void {
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private text(v: string, compact: boolean): void {
    const len = Buffer.byteLength(v, 'utf8');
    if (!compact && len > MAX_INT16_STRING_BYTES)
      throw new EncodeError(
        `a string of ${len} UTF-8 bytes exceeds the ${MAX_INT16_STRING_BYTES} an int16 length allows`,
      );
    if (compact) this.uvarint(len + 1);
    else this.int16(len);
    this.ensure(len);
    this.buf.write(v, this.pos, len, 'utf8');
    this.pos += len;
  }
  string(v: string): void {
    this.text(v, false);
  }
  nullableString(v: string | null): void {
    if (v === null) this.int16(-1);
    else this.text(v, false);
  }
  compactString(v: string): void {
    this.text(v, true);
  }
  compactNullableString(v: string | null): void {
    if (v === null) this.uvarint(0);
    else this.text(v, true);
  }
  bytes(v: Uint8Array): void {
    this.int32(v.length);
    this.raw(v);
  }
  nullableBytes(v: Uint8Array | null): void {
    if (v === null) this.int32(-1);
    else this.bytes(v);
  }
  compactBytes(v: Uint8Array): void {
    this.uvarint(v.length + 1);
    this.raw(v);
  }
  compactNullableBytes(v: Uint8Array | null): void {
    if (v === null) this.uvarint(0);
    else this.compactBytes(v);
  }
  arrayLength(n: number | null): void {
    this.int32(n === null ? -1 : n);
  }
  compactArrayLength(n: number | null): void {
    this.uvarint(n === null ? 0 : n + 1);
  }

  /**
   * Writes a tagged-field section: `known` are tags the codec encodes itself (already encoded to
   * bytes), `unknown` are preserved raw fields; both are merged in ascending tag order.
   */
  taggedFields(known: TaggedField[] | null, unknown: TaggedField[] | undefined): void {
    let all: TaggedField[];
    if (known === null || known.length === 0) all = unknown ?? [];
    else if (unknown === undefined || unknown.length === 0) all = known;
    else all = [...known, ...unknown].sort((a, b) => a.tag - b.tag);
    this.uvarint(all.length);
    for (const f of all) {
      this.uvarint(f.tag);
      this.uvarint(f.data.length);
      this.raw(f.data);
    }
  }

  /** The bytes written so far, as a view (no copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/**
 * A size-prefixed packet: an int32 size, then what `write` writes (a header and a body). The one
 * way the proxy frames what it sends, to clients and to brokers alike.
 */
export function sizePrefixed(sizeHint: number, write: (w: Writer) => void): Buffer {
  const w = new Writer(sizeHint);
  w.int32(0);
  write(w);
  const out = w.finish();
  out.writeInt32BE(out.length - 4, 0);
  return out;
}
