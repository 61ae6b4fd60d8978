// Bootstrap connections are pinned to one broker, picked round robin. A broker that left the
// cluster (not in the latest Metadata refresh; the broker map still knows it for clients with older
// metadata), or one a connection just failed to reach (a crashed broker stays listed until the
// controller fences it), must not be picked: the client would only be closed, one connection in
// three on a 3-node cluster with a broker down, for as long as it stays down.
import t from 'tap';
import net from 'node:net';
import pino from 'pino';
import { BOOTSTRAP_AVOID_MS, ClusterView } from '../../src/proxy/cluster.js';
import { UpstreamConnection } from '../../src/proxy/upstream.js';

const log = pino({ level: 'silent' });
const node = (nodeId: number) => ({ nodeId, host: '127.0.0.1', port: 9000 + nodeId, rack: null });

function picks(view: ClusterView, n: number, now?: number): number[] {
  return [...new Set(Array.from({ length: n }, () => view.pickBootstrapTarget(now).nodeId!))].sort();
}

t.test('a broker missing from the latest refresh gets no bootstrap connections', async (t) => {
  const view = new ClusterView(['127.0.0.1:9001'], log, 1000);
  view.brokers.update([node(1), node(2), node(3)], true);
  t.same(picks(view, 9), [1, 2, 3], 'all three brokers while they are listed');
  view.brokers.update([node(2), node(3)], true);
  t.same(picks(view, 9), [2, 3], 'broker 1 gone from the cluster: never picked');
  t.ok(view.brokers.get(1), 'but still known (its port keeps serving clients with older metadata)');
  // Brokers learned from a response that need not list them all (DescribeCluster) change nothing.
  view.brokers.update([node(2)]);
  t.same(picks(view, 9), [2, 3]);
  view.brokers.update([node(1), node(2), node(3)], true);
  t.same(picks(view, 9), [1, 2, 3], 'back in the cluster: picked again');
});

t.test('a broker a connection failed to reach is avoided for a while', async (t) => {
  const view = new ClusterView(['127.0.0.1:9001'], log, 1000);
  view.brokers.update([node(1), node(2), node(3)], true);
  const now = Date.now();
  view.connectFailed({ host: '127.0.0.1', port: 9001 }, now);
  t.same(picks(view, 9, now + 1), [2, 3], 'broker 1 refused a connection: not picked');
  t.same(picks(view, 9, now + BOOTSTRAP_AVOID_MS), [1, 2, 3], `tried again after ${BOOTSTRAP_AVOID_MS} ms`);
  view.connectFailed({ host: '127.0.0.1', port: 9002 }, now);
  view.connectFailed({ host: '127.0.0.1', port: 9003 }, now);
  t.same(picks(view, 9, now + 1), [1, 2, 3], 'when every broker failed, any of them (nothing better to do)');
});

t.test('a connection that never connected says so; one closed by the broker does not', async (t) => {
  // A port nothing listens on: refused.
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const refused = new UpstreamConnection({ host: '127.0.0.1', port: closedPort }, log, 1000);
  await new Promise<void>((r) => refused.onClose(() => r()));
  t.equal(refused.connectFailed, true, 'refused: connectFailed');

  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => server.close());
  const dropped = new UpstreamConnection(
    { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port },
    log,
    1000,
  );
  await new Promise<void>((r) => dropped.onClose(() => r()));
  t.equal(dropped.connectFailed, false, 'connected, then closed by the broker: not a connect failure');
});
