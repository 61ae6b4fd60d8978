// connections.max.idle.ms alone: only connections idle for the timeout with nothing outstanding close.
import t from 'tap';
import { sweepIdleConnections } from '../../src/proxy/idle-sweep.js';
import type { ClientConnection } from '../../src/proxy/client-connection.js';

const clients = new Set<ClientConnection>();

/** A connection as the sweep sees it; closing takes it out of the set, as the proxy's do. */
function fake(outstanding: number, idleForMs: number) {
  const closes: Array<[string, Record<string, unknown> | undefined]> = [];
  const c = {
    outstanding,
    lastActive: performance.now() - idleForMs,
    close: (r: string, f?: Record<string, unknown>) => {
      closes.push([r, f]);
      clients.delete(c as unknown as ClientConnection);
    },
  };
  clients.add(c as unknown as ClientConnection);
  return { c, closes };
}

t.test('idle connections close with idle_timeout; busy and recently active ones stay', async (t) => {
  const idle = fake(0, 10_000);
  const busy = fake(1, 10_000);
  const active = fake(0, 0);
  let timeoutMs = 1000;
  const stop = sweepIdleConnections(clients, () => timeoutMs);
  t.same(idle.closes, [['idle_timeout', { idleMs: 1000 }]], 'at once for one idle past the timeout');
  t.same(busy.closes, [], 'a connection with a request outstanding is not idle');
  t.same(active.closes, []);
  timeoutMs = 50;
  active.c.lastActive = performance.now() - 60;
  await new Promise((r) => setTimeout(r, 1200));
  t.same(active.closes, [['idle_timeout', { idleMs: 50 }]], 'the timeout is read afresh (a reload changes it)');
  t.same(busy.closes, []);
  stop();
  const late = fake(0, 10_000);
  await new Promise((r) => setTimeout(r, 200));
  t.same(late.closes, [], 'nothing is swept once stopped');
});
