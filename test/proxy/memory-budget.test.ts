// The process-wide account of buffered bytes: who is told to wait, and when they are woken.
import t from 'tap';
import { MemoryBudget, type MemoryWaiter } from '../../src/proxy/memory-budget.js';

function waiter(): MemoryWaiter & { woken: number } {
  const w = { woken: 0, memoryAvailable: () => void w.woken++ };
  return w;
}

t.test('under the limit nobody waits; at or over it the caller waits until 90% is reached', async (t) => {
  const b = new MemoryBudget(1000);
  const a = waiter();
  const c = waiter();
  b.hold(999);
  t.notOk(b.over(a));
  b.hold(1);
  t.ok(b.over(a), 'at the limit');
  t.ok(b.over(c));
  b.release(50);
  t.equal(b.used, 950);
  t.equal(a.woken, 0, 'still above 90%');
  b.release(51);
  t.equal(a.woken, 1, 'below 90%: woken');
  t.equal(c.woken, 1);
  b.release(100);
  t.equal(a.woken, 1, 'woken once');
});

t.test('a waiter that leaves is not woken; the limit can change', async (t) => {
  const b = new MemoryBudget(100);
  const a = waiter();
  b.hold(200);
  t.ok(b.over(a));
  b.forget(a);
  b.release(200);
  t.equal(a.woken, 0);
  b.limit = 10;
  b.hold(10);
  t.ok(b.over(a));
});
