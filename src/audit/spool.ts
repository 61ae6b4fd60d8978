import {
  openSync,
  writeSync,
  closeSync,
  fsyncSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  renameSync,
  unlinkSync,
  mkdirSync,
  ftruncateSync,
  existsSync,
} from 'node:fs';
import { join } from 'node:path';
import { stateOf, GENESIS, type ChainState } from './chain.js';
import { WardenError } from '../protocol/errors.js';

export interface SpoolOptions {
  /** The spool directory of one sink. */
  dir: string;
  /** Undelivered bytes the spool may hold. */
  maxBytes: number;
  /** A new segment file starts past this size. */
  segmentBytes: number;
  /** failClosed: append refuses when full; dropOldest: the oldest undelivered lines make room. */
  onFull: 'failClosed' | 'dropOldest';
  /** fsync after every append (power-loss safety; a process crash loses nothing either way). */
  fsync: boolean;
}

export interface SpooledLine {
  seq: number;
  line: string;
}

interface Segment {
  firstSeq: number;
  lastSeq: number;
  file: string;
}

const SEGMENT_RE = /^(\d{16})\.jsonl$/;

/**
 * A sink's durable queue: every line is appended (write(2), optionally fsync) to an append-only
 * segment file before the request it records is answered, so a crash of the proxy loses nothing
 * that was decided. Lines are delivered in order; `ack` records the last delivered chain sequence
 * number in a cursor file (atomically replaced) and removes segments wholly delivered. On open,
 * every line after the cursor is pending again: delivery is at least once, and consumers
 * deduplicate by event id. The newest segment is always kept, so the chain can be resumed from
 * its last line.
 */
export class Spool {
  private readonly opts: SpoolOptions;
  private segments: Segment[] = [];
  private fd: number | null = null;
  private activeBytes = 0;
  private pending: SpooledLine[] = [];
  private pendingHead = 0;
  private pendingBytesCount = 0;
  private cursor = 0;
  /** Lines dropped by dropOldest since the spool opened. */
  dropped = 0;

  constructor(opts: SpoolOptions) {
    this.opts = opts;
  }

  /** Opens the spool, reloading undelivered lines; returns the chain state of the last line. */
  open(): ChainState {
    mkdirSync(this.opts.dir, { recursive: true });
    const cursorFile = join(this.opts.dir, 'cursor');
    this.cursor = existsSync(cursorFile) ? Number(readFileSync(cursorFile, 'utf8').trim()) || 0 : 0;
    const names = readdirSync(this.opts.dir)
      .filter((n) => SEGMENT_RE.test(n))
      .sort();
    let chain: ChainState = GENESIS;
    for (const name of names) {
      const file = join(this.opts.dir, name);
      let text = readFileSync(file, 'utf8');
      // A crash in the middle of a write leaves a partial last line: cut it off.
      const end = text.lastIndexOf('\n') + 1;
      if (end !== text.length) {
        const fd = openSync(file, 'r+');
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
        closeSync(fd);
        text = text.slice(0, end);
      }
      const seg: Segment = { firstSeq: Number(SEGMENT_RE.exec(name)![1]), lastSeq: 0, file };
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const st = stateOf(line);
        if (st === null)
          throw new WardenError('WARDEN_ERR_AUDIT_SPOOL', `spool ${file} holds a line without chain attributes`);
        seg.lastSeq = st.seq;
        chain = st;
        if (st.seq > this.cursor) this.push({ seq: st.seq, line });
      }
      if (seg.lastSeq === 0) seg.lastSeq = seg.firstSeq - 1;
      this.segments.push(seg);
    }
    const last = this.segments[this.segments.length - 1];
    if (last !== undefined) {
      this.fd = openSync(last.file, 'a');
      this.activeBytes = Buffer.byteLength(readFileSync(last.file));
    }
    this.removeDelivered();
    return chain;
  }

  get pendingCount(): number {
    return this.pending.length - this.pendingHead;
  }

  get pendingBytes(): number {
    return this.pendingBytesCount;
  }

  /** True when a line of `bytes` would not fit. */
  full(bytes: number): boolean {
    return this.pendingBytesCount + bytes > this.opts.maxBytes;
  }

  /**
   * Appends a line durably. Returns false (and writes nothing) when the spool is full under
   * failClosed; under dropOldest the oldest pending lines are dropped to make room, and counted.
   */
  append(seq: number, line: string): boolean {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.full(bytes)) {
      if (this.opts.onFull === 'failClosed') return false;
      while (this.pendingCount > 0 && this.full(bytes)) {
        const dropped = this.pending[this.pendingHead]!;
        this.shift();
        this.dropped++;
        this.cursor = dropped.seq;
      }
      this.writeCursor();
    }
    if (this.fd === null || this.activeBytes + bytes > this.opts.segmentBytes) this.roll(seq);
    writeSync(this.fd!, `${line}\n`);
    if (this.opts.fsync) fsyncSync(this.fd!);
    this.activeBytes += bytes;
    this.segments[this.segments.length - 1]!.lastSeq = seq;
    this.push({ seq, line });
    return true;
  }

  /** The next undelivered lines, oldest first, up to `max` lines and about `maxBytes`. */
  peek(max: number, maxBytes = Infinity): SpooledLine[] {
    const out: SpooledLine[] = [];
    let bytes = 0;
    for (let i = this.pendingHead; i < this.pending.length && out.length < max; i++) {
      const l = this.pending[i]!;
      bytes += l.line.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(l);
    }
    return out;
  }

  /** Marks every line up to `seq` delivered. */
  ack(seq: number): void {
    while (this.pendingCount > 0 && this.pending[this.pendingHead]!.seq <= seq) this.shift();
    if (seq > this.cursor) {
      this.cursor = seq;
      this.writeCursor();
      this.removeDelivered();
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private push(l: SpooledLine): void {
    this.pending.push(l);
    this.pendingBytesCount += Buffer.byteLength(l.line) + 1;
  }

  private shift(): void {
    const l = this.pending[this.pendingHead]!;
    this.pending[this.pendingHead] = undefined as never;
    this.pendingHead++;
    this.pendingBytesCount -= Buffer.byteLength(l.line) + 1;
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private roll(firstSeq: number): void {
    if (this.fd !== null) closeSync(this.fd);
    const file = join(this.opts.dir, `${String(firstSeq).padStart(16, '0')}.jsonl`);
    this.fd = openSync(file, 'a');
    this.activeBytes = 0;
    this.segments.push({ firstSeq, lastSeq: firstSeq - 1, file });
    this.removeDelivered();
  }

  private writeCursor(): void {
    const file = join(this.opts.dir, 'cursor');
    writeFileSync(`${file}.tmp`, String(this.cursor));
    renameSync(`${file}.tmp`, file);
  }

  /** Deletes segments every line of which is delivered, except the newest. */
  private removeDelivered(): void {
    while (this.segments.length > 1 && this.segments[0]!.lastSeq <= this.cursor) {
      try {
        unlinkSync(this.segments[0]!.file);
      } catch {
        // already gone
      }
      this.segments.shift();
    }
  }
}
