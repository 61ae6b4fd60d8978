import { DecodeError, DecodeBudgetError } from './errors.js';

/** An unknown tagged field, kept as raw bytes so that it survives a decode/encode round trip. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

/**
 * A cursor over one frame's bytes. Every read checks bounds and throws DecodeError on a short
 * buffer; array and byte lengths are refused when they claim more than the bytes left, so a
 * malicious count can never make us allocate more than the frame itself.
 * Byte and record fields are returned as zero-copy views into the frame.
 */
export class Reader {
  buf: Buffer;
  pos: number;
  end: number;
  /**
   * How many more elements (array entries, tagged fields) this reader may decode. Decoding costs
   * about a microsecond and a hundred bytes of heap per element whatever its size, and the
   * smallest element is one byte, so the byte limit alone lets one frame cost seconds of event
   * loop; a request past its budget is refused before it is decoded further.
   */
  elementBudget = Infinity;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    const p = this.pos;
    if (p + n > this.end) {
      throw new DecodeError(`need ${n} bytes at offset ${p}, only ${this.end - p} left`);
    }
    this.pos = p + n;
    return p;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  bool(): boolean {
    const v = this.buf[this.need(1)];
    return v !== 0;
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  uuid(): Buffer {
    const p = this.need(16);
    return this.buf.subarray(p, p + 16);
  }

  /** Unsigned LEB128 varint of at most 32 bits (5 bytes). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw new DecodeError(`truncated varint at offset ${this.pos}`);
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) throw new DecodeError('varint exceeds 32 bits');
        return result;
      }
      shift += 7;
    }
    throw new DecodeError(`varint longer than 5 bytes at offset ${this.pos}`);
  }

  /** Zig-zag signed varint of at most 32 bits. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  private text(len: number): string {
    const p = this.need(len);
    return this.buf.toString('utf8', p, p + len);
  }

  string(): string {
    const len = this.int16();
    if (len < 0) throw new DecodeError(`non-nullable string has length ${len}`);
    return this.text(len);
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) throw new DecodeError(`string has invalid length ${len}`);
    return this.text(len);
  }
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new DecodeError('non-nullable compact string is null');
    return this.text(n - 1);
  }
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.text(n - 1);
  }

  private view(len: number): Buffer {
    const p = this.need(len);
    return this.buf.subarray(p, p + len);
  }
  bytes(): Buffer {
    const len = this.int32();
    if (len < 0) throw new DecodeError(`non-nullable bytes have length ${len}`);
    return this.view(len);
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) throw new DecodeError(`bytes have invalid length ${len}`);
    return this.view(len);
  }
  compactBytes(): Buffer {
    const n = this.uvarint();
    if (n === 0) throw new DecodeError('non-nullable compact bytes are null');
    return this.view(n - 1);
  }
  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.view(n - 1);
  }

  /**
   * Array length (int32, -1 = null). `minElem` is the least number of bytes one element can
   * occupy: a count that cannot fit in what is left is refused before anything is allocated.
   */
  arrayLength(minElem: number): number {
    const n = this.int32();
    if (n === -1) return -1;
    if (n < 0) throw new DecodeError(`array has invalid length ${n}`);
    this.checkCount(n, minElem);
    return n;
  }
  compactArrayLength(minElem: number): number {
    const n = this.uvarint() - 1;
    if (n >= 0) this.checkCount(n, minElem);
    return n;
  }
  private checkCount(n: number, minElem: number): void {
    if (n * minElem > this.end - this.pos) {
      throw new DecodeError(`array count ${n} cannot fit in the ${this.end - this.pos} bytes left`);
    }
    if ((this.elementBudget -= n) < 0) throw new DecodeBudgetError();
  }

  /** Reads a tagged-field section, calling `known` for each tag; unknown tags are returned. */
  taggedFields(known: ((tag: number, r: Reader) => boolean) | null): TaggedField[] | undefined {
    const count = this.uvarint();
    if (count === 0) return undefined;
    this.checkCount(count, 2);
    let unknown: TaggedField[] | undefined;
    let last = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= last) throw new DecodeError(`tagged fields out of order: ${tag} after ${last}`);
      last = tag;
      const size = this.uvarint();
      const start = this.need(size);
      if (known !== null) {
        const sub = new Reader(this.buf, start, start + size);
        sub.elementBudget = this.elementBudget;
        const handled = known(tag, sub);
        this.elementBudget = sub.elementBudget;
        if (handled) {
          if (sub.pos !== sub.end) throw new DecodeError(`tagged field ${tag} has ${sub.end - sub.pos} trailing bytes`);
          continue;
        }
      }
      (unknown ??= []).push({ tag, data: this.buf.subarray(start, start + size) });
    }
    return unknown;
  }

  /** Throws unless every byte has been consumed. */
  done(): void {
    if (this.pos !== this.end) {
      throw new DecodeError(`${this.end - this.pos} trailing bytes after the message`);
    }
  }

  /** A hex dump of the bytes around the cursor, for debugging and error reports. */
  inspect(context = 16): string {
    const from = Math.max(0, this.pos - context);
    const to = Math.min(this.end, this.pos + context);
    return `${this.buf.toString('hex', from, this.pos)}|${this.buf.toString('hex', this.pos, to)}`;
  }
}
