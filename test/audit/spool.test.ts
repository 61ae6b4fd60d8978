// The durable per-sink spool: order, acknowledgement, replay after a restart, a torn last line,
// and both policies when it is full.
import t from 'tap';
import { mkdtempSync, appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Spool, type SpoolOptions } from '../../src/audit/spool.js';
import { chainLine, GENESIS, type ChainState } from '../../src/audit/chain.js';

const opts = (over: Partial<SpoolOptions> = {}): SpoolOptions => ({
  dir: mkdtempSync(join(tmpdir(), 'warden-spool-')),
  maxBytes: 1 << 20,
  segmentBytes: 4096,
  onFull: 'failClosed',
  fsync: false,
  ...over,
});

function fill(s: Spool, from: ChainState, n: number): ChainState {
  let st = from;
  for (let i = 0; i < n; i++) {
    const r = chainLine(JSON.stringify({ id: `e${st.seq + 1}`, pad: 'x'.repeat(100) }), st);
    t.ok(s.append(r.state.seq, r.line));
    st = r.state;
  }
  return st;
}

t.test('lines come back in order, acknowledged ones never again, across a reopen', async (t) => {
  const o = opts();
  const s = new Spool(o);
  t.same(s.open(), GENESIS);
  const st = fill(s, GENESIS, 100);
  t.equal(s.pendingCount, 100);
  const first = s.peek(10);
  t.same(
    first.map((l) => l.seq),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  const segments = () => readdirSync(o.dir).filter((f) => f.endsWith('.jsonl')).length;
  const before = segments();
  s.ack(40);
  t.equal(s.pendingCount, 60);
  t.ok(segments() < before, `delivered segments are removed (${before} -> ${segments()})`);
  s.close();
  // A crash mid-write leaves a torn line; the reopened spool cuts it off.
  const segs = readdirSync(o.dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort();
  appendFileSync(join(o.dir, segs[segs.length - 1]!), '{"id":"torn","chainseq":10');
  const again = new Spool(o);
  t.same(again.open(), st, 'the chain resumes from the last complete line');
  t.same(
    again.peek(1000).map((l) => l.seq),
    Array.from({ length: 60 }, (_, i) => 41 + i),
    'undelivered lines are pending again, in order',
  );
  again.ack(100);
  again.close();
  const third = new Spool(o);
  t.same(third.open(), st, 'with everything delivered the newest segment still holds the chain state');
  t.equal(third.pendingCount, 0);
  third.close();
});

t.test('full: failClosed refuses, dropOldest drops the oldest and counts them', async (t) => {
  const closed = new Spool(opts({ maxBytes: 2000 }));
  closed.open();
  let st = GENESIS;
  let accepted = 0;
  for (let i = 0; i < 50; i++) {
    const r = chainLine(JSON.stringify({ id: `e${i}`, pad: 'x'.repeat(100) }), st);
    if (!closed.append(r.state.seq, r.line)) break;
    st = r.state;
    accepted++;
  }
  t.ok(accepted > 5 && accepted < 50, `failClosed accepted ${accepted} lines, then refused`);
  t.ok(closed.pendingBytes <= 2000);
  closed.close();

  const o = opts({ maxBytes: 2000, onFull: 'dropOldest' });
  const dropping = new Spool(o);
  dropping.open();
  fill(dropping, GENESIS, 50);
  t.ok(dropping.dropped > 0, `${dropping.dropped} dropped`);
  const left = dropping.peek(1000).map((l) => l.seq);
  t.equal(left[left.length - 1], 50, 'the newest line is kept');
  t.same(
    left,
    Array.from({ length: left.length }, (_, i) => 51 - left.length + i),
    'what is left is contiguous',
  );
  dropping.close();
  const reopened = new Spool(o);
  reopened.open();
  t.same(
    reopened.peek(1000).map((l) => l.seq),
    left,
    'dropped lines stay dropped after a reopen',
  );
  reopened.close();
});
