// The pools report every upstream connection lost without the proxy closing it (refused, closed
// by the broker), which readiness probes the cluster on, and never the ones the proxy closes itself
// (a client gone with a request in flight, shutdown).
import t from 'tap';
import net from 'node:net';
import pino from 'pino';
import { UpstreamPools } from '../../src/proxy/pool.js';
import type { UpstreamConnection } from '../../src/proxy/upstream.js';

const log = pino({ level: 'silent' });

t.test('the pools report connections lost (refused, closed by the broker), not those the proxy closes', async (t) => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const lost: UpstreamConnection[] = [];
  const pools = new UpstreamPools({ mode: 'pooled', maxConnectionsPerBroker: 2, connectTimeoutMs: 1000 }, log, (c) =>
    lost.push(c),
  );
  t.teardown(() => {
    pools.closeAll();
    for (const s of sockets) s.destroy();
    server.close();
  });
  const pool = pools.get({ host: '127.0.0.1', port });
  const waitFor = async (cond: () => boolean) => {
    const end = Date.now() + 3000;
    while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return cond();
  };

  // Closed by the broker.
  const shared = pool.acquireShared();
  t.ok(await waitFor(() => sockets.size === 1), 'connected');
  for (const s of sockets) s.destroy();
  t.ok(await waitFor(() => shared.closed), 'the broker closed it');
  t.same(lost, [shared], 'reported lost');
  t.equal(shared.closedByProxy, false);

  // Closed by the proxy: an exclusive connection given back with a request in flight, and closeAll.
  const ex = pool.acquireExclusive();
  ex.send(Buffer.from([0, 0, 0, 8, 0, 18, 0, 0, 0, 0, 0, 1]), {
    clientCorrelationId: 1,
    deadline: Date.now() + 10_000,
    onResponse: () => {},
    onError: () => {},
  });
  pool.releaseExclusive(ex);
  t.equal(ex.closed, true, 'closed by the pool (its client left a request in flight)');
  t.equal(ex.closedByProxy, true);
  const idle = pool.acquireShared();
  pools.closeAll();
  t.equal(idle.closed, true);
  t.same(lost, [shared], 'neither is reported lost');

  // Refused: the broker is gone.
  await new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  });
  const pools2 = new UpstreamPools({ mode: 'pooled', maxConnectionsPerBroker: 2, connectTimeoutMs: 1000 }, log, (c) =>
    lost.push(c),
  );
  t.teardown(() => pools2.closeAll());
  const refused = pools2.get({ host: '127.0.0.1', port }).acquireShared();
  t.ok(await waitFor(() => refused.closed), 'connecting failed');
  t.same(lost, [shared, refused], 'a refused connection is reported lost');
});
