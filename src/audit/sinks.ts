import {
  openSync,
  writeSync,
  closeSync,
  fsyncSync,
  statSync,
  renameSync,
  unlinkSync,
  existsSync,
  readSync,
  mkdirSync,
  ftruncateSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { stateOf, GENESIS, type ChainState } from './chain.js';

/** A sink that receives lines from its spool, in order, and resolves once they are stored. */
export interface DeliverySink {
  readonly name: string;
  deliver(lines: readonly string[]): Promise<void>;
  close(): void;
}

export interface FileSinkOptions {
  path: string;
  /** Rotate past this size: audit.jsonl -> audit.jsonl.1 -> ... -> audit.jsonl.<maxFiles>. */
  maxBytes: number;
  maxFiles: number;
  /** always: fsync every line; interval: every `fsyncIntervalMs`; never: leave it to the OS. */
  fsync: 'always' | 'interval' | 'never';
  fsyncIntervalMs: number;
}

/** The last complete line of a file (reading only its tail), or null. */
function lastLine(path: string): string | null {
  if (!existsSync(path)) return null;
  const size = statSync(path).size;
  if (size === 0) return null;
  const fd = openSync(path, 'r');
  try {
    let window = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString('utf8').replace(/\n+$/, '');
      const i = text.lastIndexOf('\n');
      if (i >= 0 || start === 0) return text.slice(i + 1);
      window *= 4;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A crash in the middle of a write leaves a partial last line. Its event was never acted on (the
 * write comes first), so it is cut off before appending continues.
 */
function truncateTornLine(path: string): void {
  if (!existsSync(path)) return;
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, 'r+');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    // Find the last newline, reading backwards in blocks.
    let end = size;
    const block = Buffer.alloc(64 * 1024);
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const n = readSync(fd, block, 0, end - start, start);
      const i = block.subarray(0, n).lastIndexOf(0x0a);
      if (i >= 0) {
        ftruncateSync(fd, start + i + 1);
        return;
      }
      end = start;
    }
    ftruncateSync(fd, 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * The file sink: JSON lines appended with write(2) as events happen, so the file itself is the
 * durable record (a crash of the proxy loses nothing written); rotation by size; fsync as
 * configured. The hash chain continues across rotated files.
 */
export class FileSink {
  readonly name: string;
  private readonly opts: FileSinkOptions;
  private fd: number | null = null;
  private size = 0;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(opts: FileSinkOptions) {
    this.opts = opts;
    this.name = `file:${opts.path}`;
  }

  /** Opens the file; returns the chain state its last line (or the last rotated file's) ends in. */
  open(): ChainState {
    mkdirSync(dirname(this.opts.path), { recursive: true });
    truncateTornLine(this.opts.path);
    const last = lastLine(this.opts.path) ?? lastLine(`${this.opts.path}.1`);
    this.fd = openSync(this.opts.path, 'a');
    this.size = statSync(this.opts.path).size;
    if (this.opts.fsync === 'interval') {
      this.timer = setInterval(() => this.sync(), this.opts.fsyncIntervalMs);
      this.timer.unref();
    }
    return (last !== null ? stateOf(last) : null) ?? GENESIS;
  }

  /** Appends one line; throws when the write fails (disk full, file gone). */
  write(line: string): void {
    const data = `${line}\n`;
    const bytes = Buffer.byteLength(data);
    if (this.size > 0 && this.size + bytes > this.opts.maxBytes) this.rotate();
    writeSync(this.fd!, data);
    this.size += bytes;
    if (this.opts.fsync === 'always') fsyncSync(this.fd!);
    else this.dirty = true;
  }

  private sync(): void {
    if (!this.dirty || this.fd === null) return;
    this.dirty = false;
    fsyncSync(this.fd);
  }

  private rotate(): void {
    this.sync();
    closeSync(this.fd!);
    const p = this.opts.path;
    if (existsSync(`${p}.${this.opts.maxFiles}`)) unlinkSync(`${p}.${this.opts.maxFiles}`);
    for (let i = this.opts.maxFiles - 1; i >= 1; i--)
      if (existsSync(`${p}.${i}`)) renameSync(`${p}.${i}`, `${p}.${i + 1}`);
    renameSync(p, `${p}.1`);
    this.fd = openSync(p, 'a');
    this.size = 0;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.fd !== null) {
      this.sync();
      closeSync(this.fd);
    }
    this.fd = null;
  }
}

/** Standard output (or any stream): one JSON line per event, for log collectors. */
export class StreamSink implements DeliverySink {
  readonly name: string;
  private readonly out: Writable;

  constructor(out: Writable, name = 'stdout') {
    this.out = out;
    this.name = name;
    // A closed pipe (EPIPE) must not crash the proxy: the events stay in the spool.
    out.on('error', () => {});
  }

  deliver(lines: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.out.destroyed || !this.out.writable) return reject(new Error(`${this.name} is closed`));
      this.out.write(`${lines.join('\n')}\n`, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): void {}
}
