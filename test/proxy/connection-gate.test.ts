// Connection limits as Kafka's acceptor applies them, checked before anything else is done.
import t from 'tap';
import { ConnectionGate, clientIp, type ConnectionLimits } from '../../src/proxy/connection-gate.js';

const limits = (over: Partial<ConnectionLimits> = {}): ConnectionLimits => ({
  maxConnections: 100,
  maxConnectionsPerIp: 100,
  maxConnectionsPerIpOverrides: {},
  maxConnectionCreationRatePerIp: 0,
  ...over,
});
const open = { maxConnections: 0, maxConnectionCreationRate: 0 };

t.test('the total limit counts every listener, until connections are released', async (t) => {
  const g = new ConnectionGate(limits({ maxConnections: 2 }));
  t.equal(g.admit('plain', open, '10.0.0.1'), null);
  t.equal(g.admit('tls', open, '10.0.0.2'), null);
  t.equal(g.open, 2);
  t.equal(g.admit('plain', open, '10.0.0.3'), 'max_connections');
  g.release('plain', '10.0.0.1');
  t.equal(g.open, 1);
  t.equal(g.admit('plain', open, '10.0.0.3'), null);
});

t.test('a listener limit counts that listener only', async (t) => {
  const g = new ConnectionGate(limits());
  const one = { maxConnections: 1, maxConnectionCreationRate: 0 };
  t.equal(g.admit('plain', one, 'a'), null);
  t.equal(g.admit('plain', one, 'b'), 'listener_max_connections');
  t.equal(g.admit('tls', one, 'b'), null);
  g.release('plain', 'a');
  t.equal(g.admit('plain', one, 'b'), null);
});

t.test('per address, with overrides (0 refuses the address)', async (t) => {
  const g = new ConnectionGate(
    limits({ maxConnectionsPerIp: 1, maxConnectionsPerIpOverrides: { '10.0.0.9': 3, '10.6.6.6': 0 } }),
  );
  t.equal(g.admit('l', open, '10.0.0.1'), null);
  t.equal(g.admit('l', open, '10.0.0.1'), 'max_connections_per_ip');
  for (let i = 0; i < 3; i++) t.equal(g.admit('l', open, '10.0.0.9'), null);
  t.equal(g.admit('l', open, '10.0.0.9'), 'max_connections_per_ip');
  t.equal(g.admit('l', open, '10.6.6.6'), 'max_connections_per_ip');
  g.release('l', '10.0.0.1');
  t.equal(g.admit('l', open, '10.0.0.1'), null, 'released: room again');
});

t.test('creation rates per listener and per address, as token buckets of one second', async (t) => {
  const g = new ConnectionGate(limits({ maxConnectionCreationRatePerIp: 2 }));
  const rated = { maxConnections: 0, maxConnectionCreationRate: 3 };
  t.equal(g.admit('l', rated, 'a', 0), null);
  t.equal(g.admit('l', rated, 'a', 0), null);
  t.equal(g.admit('l', rated, 'a', 0), 'ip_creation_rate', 'two a second from one address');
  t.equal(g.admit('l', rated, 'b', 0), 'listener_creation_rate', "the third took the listener's last token");
  t.equal(g.admit('l', rated, 'b', 500), null, 'half a second refills one and a half');
  t.equal(g.admit('l', rated, 'a', 500), 'listener_creation_rate', 'the listener is checked first: half a token left');
  t.equal(g.admit('l', rated, 'a', 2000), null);
  t.equal(g.open, 4);
});

t.test('configure replaces the limits for the next connections', async (t) => {
  const g = new ConnectionGate(limits());
  t.equal(g.admit('l', open, 'a'), null);
  g.configure(limits({ maxConnections: 1 }));
  t.equal(g.admit('l', open, 'b'), 'max_connections');
});

t.test('clientIp drops the IPv4-mapped prefix only', async (t) => {
  t.equal(clientIp('::ffff:10.1.2.3'), '10.1.2.3');
  t.equal(clientIp('::ffff:abcd'), '::ffff:abcd');
  t.equal(clientIp('2001:db8::1'), '2001:db8::1');
  t.equal(clientIp(undefined), '');
});
