import t from 'tap';
import fc from 'fast-check';
import { FrameReader, frame } from '../../src/protocol/frame-reader.js';
import { FrameTooLargeError } from '../../src/protocol/errors.js';

function frames(sizes: number[]): { stream: Buffer; payloads: Buffer[] } {
  const payloads = sizes.map((n, i) => Buffer.alloc(n, (i % 250) + 1));
  return { stream: Buffer.concat(payloads.map(frame)), payloads };
}

t.test('a stream split at every byte offset yields the same frames', async (t) => {
  const { stream, payloads } = frames([0, 1, 5, 300, 4, 2000, 3]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const got: Buffer[] = [];
    const r = new FrameReader((p) => got.push(Buffer.from(p)));
    r.push(stream.subarray(0, cut));
    r.push(stream.subarray(cut));
    if (
      got.length !== payloads.length ||
      got.some((g, i) => !g.subarray(4).equals(payloads[i]!) || g.readInt32BE(0) !== payloads[i]!.length)
    ) {
      t.fail(`split at ${cut}`);
      return;
    }
  }
  t.pass(`all ${stream.length + 1} split points agree`);
});

t.test('byte-at-a-time and random chunking (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 12 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1 }),
      (sizes, chunking) => {
        const { stream, payloads } = frames(sizes);
        const got: Buffer[] = [];
        const r = new FrameReader((p) => got.push(Buffer.from(p.subarray(4))));
        let pos = 0;
        let i = 0;
        while (pos < stream.length) {
          const n = chunking[i++ % chunking.length]!;
          r.push(stream.subarray(pos, pos + n));
          pos += n;
        }
        return got.length === payloads.length && got.every((g, j) => g.equals(payloads[j]!)) && r.buffered === 0;
      },
    ),
    { numRuns: 3000 },
  );
  t.pass('chunking never changes the frames');
});

t.test('an empty frame whose size prefix arrives a byte at a time', async (t) => {
  // Found by the property above: the frame was only delivered with the next chunk.
  const got: number[] = [];
  const r = new FrameReader((p) => got.push(p.length));
  for (const b of frame(Buffer.alloc(0))) r.push(Buffer.from([b]));
  t.same(got, [4], 'delivered at once');
  t.equal(r.buffered, 0);
});

t.test('a frame inside one chunk is a zero-copy view that includes its size prefix', async (t) => {
  const { stream } = frames([10, 20]);
  const seen: Buffer[] = [];
  new FrameReader((p) => seen.push(p)).push(stream);
  t.equal(seen[0]!.buffer, stream.buffer, 'same memory as the chunk');
  t.equal(seen[0]!.byteOffset, stream.byteOffset);
  t.equal(seen[1]!.byteOffset, stream.byteOffset + 14);
});

t.test('size above the limit is refused before buffering', async (t) => {
  const r = new FrameReader(() => t.fail('no frame'), 1024);
  const hdr = Buffer.alloc(4);
  hdr.writeInt32BE(1025);
  t.throws(() => r.push(hdr), FrameTooLargeError);
  t.equal(r.buffered, 0, 'nothing buffered');
  // A reader that failed ignores further input.
  r.push(Buffer.alloc(2000));
  const neg = new FrameReader(() => t.fail('no frame'));
  const n = Buffer.alloc(4);
  n.writeInt32BE(-5);
  t.throws(() => neg.push(n), { code: 'WARDEN_ERR_FRAME_NEGATIVE_SIZE' });
  const big = new FrameReader(() => {}, 10);
  const b = Buffer.alloc(4);
  b.writeInt32BE(11);
  t.throws(() => big.push(b), { code: 'WARDEN_ERR_FRAME_TOO_LARGE' });
});

t.test('the limit can change between frames', async (t) => {
  const got: number[] = [];
  const r = new FrameReader((p) => got.push(p.length - 4), 100);
  r.push(frame(Buffer.alloc(50)));
  r.maxFrameBytes = 1000;
  r.push(frame(Buffer.alloc(500)));
  t.same(got, [50, 500]);
});

t.test('with chunksReused, frames are copies that survive the chunk being overwritten (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 70_000 }), { maxLength: 6 }),
      fc.integer({ min: 1, max: 80_000 }),
      (sizes, chunkSize) => {
        const { stream, payloads } = frames(sizes);
        const got: Buffer[] = [];
        const r = new FrameReader((p) => got.push(p));
        r.chunksReused = true;
        // One reused buffer, as a socket reading into a static buffer gives: overwritten after each push.
        const shared = Buffer.alloc(chunkSize);
        for (let at = 0; at < stream.length; at += chunkSize) {
          const n = stream.copy(shared, 0, at, Math.min(at + chunkSize, stream.length));
          r.push(shared.subarray(0, n));
          shared.fill(0xee);
        }
        return (
          got.length === payloads.length &&
          got.every(
            (g, i) =>
              g.readInt32BE(0) === payloads[i]!.length &&
              g.subarray(4).equals(payloads[i]!) &&
              g.buffer !== shared.buffer,
          )
        );
      },
    ),
    { numRuns: 200 },
  );
  t.pass('every frame intact after its chunk was overwritten');
});

t.test('without chunksReused, a frame inside one chunk is a view of it (no copy)', async (t) => {
  const { stream } = frames([10]);
  let got: Buffer | null = null;
  new FrameReader((p) => (got = p)).push(stream);
  t.equal(got!.buffer, stream.buffer);
});

t.test('upfrontBytes: a spanning frame is allocated whole on its size prefix, up to the bound', async (t) => {
  const big = Buffer.alloc(4);
  big.writeInt32BE(500_000);
  const untrusted = new FrameReader(() => t.fail('no frame'));
  untrusted.push(big);
  t.equal(untrusted.allocated, 64 * 1024, 'by default a size prefix alone allocates 64 KiB, not what it claims');
  const trusted = new FrameReader(() => t.fail('no frame'));
  trusted.upfrontBytes = 1024 * 1024;
  trusted.push(big);
  t.equal(trusted.allocated, 500_004, 'a trusted reader allocates the whole packet at once');
  const capped = new FrameReader(() => t.fail('no frame'));
  capped.upfrontBytes = 200_000;
  capped.push(big);
  t.equal(capped.allocated, 200_000, 'never more than upfrontBytes before the bytes arrive');
});

t.test('upfrontBytes never changes the frames (property)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 5 }),
      fc.integer({ min: 1, max: 70_000 }),
      fc.integer({ min: 0, max: 300_000 }),
      (sizes, chunkSize, upfront) => {
        const { stream, payloads } = frames(sizes);
        const got: Buffer[] = [];
        const r = new FrameReader((p) => got.push(p));
        r.upfrontBytes = upfront;
        r.chunksReused = true;
        const shared = Buffer.alloc(chunkSize);
        for (let at = 0; at < stream.length; at += chunkSize) {
          const n = stream.copy(shared, 0, at, Math.min(at + chunkSize, stream.length));
          r.push(shared.subarray(0, n));
          shared.fill(0xee);
        }
        return (
          got.length === payloads.length &&
          got.every((g, i) => g.readInt32BE(0) === payloads[i]!.length && g.subarray(4).equals(payloads[i]!)) &&
          r.buffered === 0
        );
      },
    ),
    { numRuns: 100 },
  );
  t.pass('frames intact whatever the up-front allocation');
});
