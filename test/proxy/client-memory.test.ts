// One client's buffered bytes: its own bound with hysteresis, the process-wide total, upstream pauses.
import t from 'tap';
import { MemoryBudget } from '../../src/proxy/memory-budget.js';
import { ClientMemory } from '../../src/proxy/client-memory.js';

function memoryOf(limit: number, total = 1 << 30) {
  const budget = new MemoryBudget(total);
  const changes: boolean[] = [];
  const upstream: boolean[] = [];
  const mem: ClientMemory = new ClientMemory(
    limit,
    budget,
    () => changes.push(mem.readsPaused),
    (stop) => (upstream.push(stop), stop),
  );
  return { mem, budget, changes, upstream };
}

t.test('reads stop at the bound and resume below half of it', async (t) => {
  const { mem, budget, changes } = memoryOf(1000);
  mem.holdRequest(600);
  t.notOk(mem.readsPaused);
  mem.holdResponse(400);
  t.ok(mem.readsPaused, 'at the bound');
  t.equal(budget.used, 1000, 'counted in the process total');
  mem.releaseRequest(400);
  t.ok(mem.readsPaused, 'still above half');
  mem.releaseRequest(200);
  t.notOk(mem.readsPaused, 'below half: reads resume');
  t.same(changes, [true, false]);
});

t.test('responses the client does not take stop its exclusive upstream connection', async (t) => {
  const { mem, upstream } = memoryOf(1000);
  mem.holdResponse(1000);
  t.same(upstream, [true]);
  mem.releaseResponse(600);
  t.same(upstream, [true, false], 'resumed below half of the bound');
});

t.test('past the process total only clients holding a fair share wait, until the total falls', async (t) => {
  const { mem: light } = memoryOf(8000, 1000);
  const big = memoryOf(8000, 1000);
  // Both share one budget: use the big one's.
  const shared = big.budget;
  const small = new ClientMemory(
    8000,
    shared,
    () => {},
    () => false,
  );
  big.mem.holdRequest(1000);
  t.ok(big.mem.readsPaused, 'over the total, holding over an eighth of its bound');
  small.holdRequest(10);
  t.notOk(small.readsPaused, 'a client holding little keeps being served');
  big.mem.releaseRequest(1000);
  big.mem.memoryAvailable();
  t.notOk(big.mem.readsPaused);
  t.notOk(light.readsPaused);
});

t.test('a closed client gives back everything, and late callbacks change nothing', async (t) => {
  const { mem, budget } = memoryOf(1000);
  mem.holdRequest(300);
  mem.holdResponse(200);
  mem.releaseAll();
  t.equal(budget.used, 0);
  mem.releaseRequest(300);
  mem.holdResponse(50);
  t.equal(budget.used, 0, 'callbacks that fire after the close are ignored');
});
