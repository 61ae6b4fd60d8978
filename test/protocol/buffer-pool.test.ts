import t from 'tap';
import { BufferPool } from '../../src/protocol/buffer-pool.js';
import { FrameReader, frame } from '../../src/protocol/frame-reader.js';

t.test('recycles only its own buffers, once', async (t) => {
  const pool = new BufferPool(1 << 20);
  const a = pool.acquire(100_000);
  t.equal(a.length, 100_000);
  const ab = a.buffer;
  pool.release(a);
  pool.release(a); // a second release is ignored
  t.equal(pool.idleBytes, 128 * 1024, 'one 128 KiB buffer idle');
  const b = pool.acquire(70_000);
  t.equal(b.buffer, ab, 'the same memory is reused');
  t.equal(pool.idleBytes, 0);
  const foreign = Buffer.allocUnsafeSlow(64 * 1024);
  pool.release(foreign);
  t.equal(pool.idleBytes, 0, 'a buffer it did not lend is never taken');
  const small = pool.acquire(100);
  pool.release(small);
  t.equal(pool.idleBytes, 0, 'small buffers are not pooled');
  const many = Array.from({ length: 20 }, () => pool.acquire(100_000));
  for (const m of many) pool.release(m);
  t.ok(pool.idleBytes <= 1 << 20, 'idle memory stays within the cap');
});

t.test('frames that span chunks come from the pool; single-chunk frames stay views', async (t) => {
  const pool = new BufferPool();
  const big = frame(Buffer.alloc(200_000, 1));
  const got: Buffer[] = [];
  const r = new FrameReader((p) => got.push(p), 1 << 30, pool);
  r.push(big.subarray(0, 70_000));
  r.push(big.subarray(70_000));
  r.push(frame(Buffer.alloc(10, 2)));
  t.equal(got.length, 2);
  t.ok(got[0]!.equals(big), 'assembled frame intact');
  // The frame grew as its bytes came (64 KiB, 128 KiB, then 256 KiB): the smaller buffers are back already.
  const idle = pool.idleBytes;
  t.equal(idle, (64 + 128) * 1024, 'the buffers outgrown while assembling are recycled');
  pool.release(got[1]!);
  t.equal(pool.idleBytes, idle, 'a zero-copy view is not recycled');
  pool.release(got[0]!);
  t.equal(pool.idleBytes, idle + 256 * 1024, 'the assembled frame is');
});
