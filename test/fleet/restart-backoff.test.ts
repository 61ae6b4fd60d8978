// The supervisor's restart delay: at once, then doubling while a worker keeps dying young.
import t from 'tap';
import { RestartBackoff } from '../../src/fleet/restart-backoff.js';

t.test('doubling while the worker dies young, capped, reset after a stable run', async (t) => {
  let now = 0;
  const b = new RestartBackoff(() => now, 500, 4000, 60_000);
  b.started();
  now = 1000;
  const delays = [];
  for (let i = 0; i < 6; i++) {
    delays.push(b.next());
    b.started();
    now += 100;
  }
  t.same(delays, [0, 500, 1000, 2000, 4000, 4000]);
  now += 60_000;
  t.equal(b.next(), 0, 'a worker that ran a minute died of something new');
});
