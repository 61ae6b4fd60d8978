/**
 * Recycles the buffers of large frames.
 *
 * A frame that spans socket chunks is assembled into a buffer of its own; at hundreds of MB/s a
 * fresh allocation per frame costs more than the copy itself (the kernel zeroes and faults in new
 * pages), so those buffers come from here and go back once the bytes have been handed to the
 * kernel (the socket write callback). Buffers are grouped by power-of-two size classes from 64 KiB;
 * only buffers this pool handed out are ever taken back (tracked by their ArrayBuffer), and each
 * at most once, so a view of some other buffer can never be recycled by mistake.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private readonly lent = new WeakSet<ArrayBuffer>();
  private pooledBytes = 0;
  readonly maxPooledBytes: number;
  static readonly MIN_CLASS = 64 * 1024;
  static readonly MAX_CLASS = 16 * 1024 * 1024;

  constructor(maxPooledBytes = 64 * 1024 * 1024) {
    this.maxPooledBytes = maxPooledBytes;
  }

  private static classOf(size: number): number {
    let c = BufferPool.MIN_CLASS;
    while (c < size) c *= 2;
    return c;
  }

  /** A buffer of exactly `size` bytes (contents undefined). */
  acquire(size: number): Buffer {
    if (size < BufferPool.MIN_CLASS / 2 || size > BufferPool.MAX_CLASS) return Buffer.allocUnsafeSlow(size);
    const cls = BufferPool.classOf(size);
    const list = this.free.get(cls);
    let buf = list?.pop();
    if (buf !== undefined) this.pooledBytes -= cls;
    else buf = Buffer.allocUnsafeSlow(cls);
    this.lent.add(buf.buffer as ArrayBuffer);
    return buf.subarray(0, size);
  }

  /** Gives a buffer from acquire() back; anything else is ignored. Never use it afterwards. */
  release(view: Buffer): void {
    const ab = view.buffer as ArrayBuffer;
    if (!this.lent.has(ab)) return;
    this.lent.delete(ab);
    const cls = ab.byteLength;
    if (this.pooledBytes + cls > this.maxPooledBytes) return;
    let list = this.free.get(cls);
    if (list === undefined) this.free.set(cls, (list = []));
    list.push(Buffer.from(ab));
    this.pooledBytes += cls;
  }

  get idleBytes(): number {
    return this.pooledBytes;
  }
}

/** The process-wide pool for frame buffers. */
export const framePool = new BufferPool();
