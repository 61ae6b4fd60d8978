import { sizePrefixed } from './writer.js';
import { FrameTooLargeError } from './errors.js';
import type { BufferPool } from './buffer-pool.js';

/** Kafka's default socket.request.max.bytes. */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

/**
 * Splits a byte stream into size-prefixed Kafka frames.
 *
 * A small state machine in the manner of a streaming parser: `push()` takes a chunk and calls
 * `onFrame` once per complete frame with a view of the whole packet: the 4-byte size followed by
 * the frame, so that a proxy can forward it without re-adding the prefix. The size
 * is checked against the limit as soon as its four bytes are known, before anything is buffered.
 * When a frame lies inside one chunk it is delivered as a zero-copy view of that chunk; only a
 * frame that spans chunks is assembled into one new buffer of exactly its size.
 *
 * The limit may be changed between frames (for the 512 KiB limit before authentication).
 */
export class FrameReader {
  maxFrameBytes: number;
  private readonly onFrame: (frame: Buffer) => void;
  /** Bytes of an incomplete size prefix (0-3 of them). */
  private sizeBuf = Buffer.alloc(4);
  private sizeHave = 0;
  /** The frame being assembled across chunks, or null. */
  private partial: Buffer | null = null;
  private partialHave = 0;
  /** The whole packet's size (4 + frame) of the partial frame. */
  private partialSize = 0;
  private failed = false;

  private readonly pool: BufferPool | null;
  /**
   * Set when the chunks passed to push() are overwritten afterwards (a socket reading into one
   * reused buffer): then every frame is copied out, none is a view of a chunk.
   */
  chunksReused = false;

  /**
   * Bytes allocated for a frame spanning chunks as soon as its size prefix is read; the rest grows
   * (doubling) as bytes arrive. Small by default: a peer that sends a size prefix alone must not
   * make the proxy allocate what it claims. A reader of trusted peers (the upstream brokers) sets
   * it high: every doubling copies what has arrived so far, about one more copy of each byte of a
   * large Fetch response.
   */
  upfrontBytes = INITIAL_PARTIAL_BYTES;

  /**
   * With a pool, frames assembled across chunks are taken from it; whoever consumes such a frame
   * may give it back with pool.release() once nothing refers to it any more.
   */
  constructor(
    onFrame: (frame: Buffer) => void,
    maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
    pool: BufferPool | null = null,
  ) {
    this.onFrame = onFrame;
    this.maxFrameBytes = maxFrameBytes;
    this.pool = pool;
  }

  /** Bytes buffered for a frame not yet complete. */
  get buffered(): number {
    return this.sizeHave + (this.partial === null ? 0 : this.partialHave - 4);
  }

  /** Bytes allocated for the frame being assembled (0 when none). */
  get allocated(): number {
    return this.partial === null ? 0 : this.partial.length;
  }

  /**
   * Feeds a chunk. Throws FrameTooLargeError on a bad size; after that the reader is unusable and
   * the connection must be closed. Errors thrown by `onFrame` propagate to the caller.
   */
  push(chunk: Buffer): void {
    if (this.failed) return;
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      if (this.partial !== null) {
        const want = this.partialSize - this.partialHave;
        const take = Math.min(want, len - pos);
        if (this.partialHave + take > this.partial.length) this.grow(this.partialHave + take);
        chunk.copy(this.partial, this.partialHave, pos, pos + take);
        this.partialHave += take;
        pos += take;
        if (this.partialHave === this.partialSize) {
          const frame = this.partial;
          this.partial = null;
          this.partialHave = 0;
          this.onFrame(frame);
        }
        continue;
      }
      let size: number;
      let prefixInChunk = false;
      if (this.sizeHave === 0 && len - pos >= 4) {
        size = chunk.readInt32BE(pos);
        pos += 4;
        prefixInChunk = true;
      } else {
        while (this.sizeHave < 4 && pos < len) this.sizeBuf[this.sizeHave++] = chunk[pos++]!;
        if (this.sizeHave < 4) return;
        size = this.sizeBuf.readInt32BE(0);
        this.sizeHave = 0;
      }
      if (size < 0 || size > this.maxFrameBytes) {
        this.failed = true;
        throw new FrameTooLargeError(size, this.maxFrameBytes);
      }
      if (len - pos >= size && prefixInChunk) {
        // The size prefix sits in this chunk just before the frame (not so when the prefix itself
        // arrived split across chunks).
        const view = chunk.subarray(pos - 4, pos + size);
        pos += size;
        this.onFrame(this.chunksReused ? this.copyOf(view) : view);
      } else if (size === 0) {
        // An empty frame whose size prefix arrived split: nothing more to wait for.
        const packet = Buffer.alloc(4);
        this.onFrame(packet);
      } else {
        // The buffer grows with the bytes that actually arrive: a size prefix alone, which costs
        // the sender four bytes, must not make the proxy allocate the size it claims.
        this.partialSize = size + 4;
        this.partial = this.allocate(Math.min(this.partialSize, Math.max(INITIAL_PARTIAL_BYTES, this.upfrontBytes)));
        this.partial.writeInt32BE(size, 0);
        this.partialHave = 4;
      }
    }
  }

  /** Enlarges the partial frame to hold at least `need` bytes: doubling, never past the frame's size. */
  private grow(need: number): void {
    const old = this.partial!;
    const next = this.allocate(Math.min(this.partialSize, Math.max(need, old.length * 2)));
    old.copy(next, 0, 0, this.partialHave);
    this.pool?.release(old);
    this.partial = next;
  }

  /** A buffer for a frame: large ones from the pool, small ones from Node's shared slab. */
  private allocate(bytes: number): Buffer {
    return this.pool === null || bytes < SMALL_FRAME_BYTES ? Buffer.allocUnsafe(bytes) : this.pool.acquire(bytes);
  }

  private copyOf(view: Buffer): Buffer {
    const out = this.allocate(view.length);
    view.copy(out, 0);
    return out;
  }
}

/** What a frame spanning chunks starts with; it grows as its bytes arrive. */
const INITIAL_PARTIAL_BYTES = 64 * 1024;

/** Below this a frame is cheaper to allocate (Node's 8 KiB slab for the smallest) than to pool. */
const SMALL_FRAME_BYTES = 32 * 1024;

/** Prefixes a payload with its int32 size. */
export function frame(payload: Buffer): Buffer {
  return sizePrefixed(4 + payload.length, (w) => w.raw(payload));
}
