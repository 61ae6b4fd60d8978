// Kafka's connection limits in front of the proxy: total, per listener, per address (with
// overrides), creation rate per address, and connections.max.idle.ms; refusals are counted and
// logged at a rate an attacker cannot turn into a disk-filling log.
import t from 'tap';
import net from 'node:net';
import { startHarness } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as apiVersions from '../../src/protocol/generated/api-versions.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a TCP connection from `from` and says whether the proxy keeps it open for `ms`. */
async function survives(port: number, from = '127.0.0.1', ms = 300): Promise<{ open: boolean; socket: net.Socket }> {
  const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
  s.on('error', () => {});
  let closed = false;
  s.on('close', () => (closed = true));
  await new Promise((r) => s.once('connect', r));
  await sleep(ms);
  return { open: !closed, socket: s };
}

t.test('total, per-listener and per-address limits', async (t) => {
  const h = await startHarness({
    cluster: { brokers: 1 },
    config: {
      limits: {
        maxConnections: 6,
        maxConnectionsPerIp: 3,
        maxConnectionsPerIpOverrides: { '127.0.0.3': 5, '127.0.0.9': 0 },
        maxConnectionCreationRatePerIp: 0,
      },
    },
    listener: { maxConnections: 4 },
  });
  t.teardown(() => h.stop());
  const port = h.base;
  const held: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await survives(port, '127.0.0.2', 50);
    t.ok(r.open, `connection ${i + 1} from 127.0.0.2 accepted`);
    held.push(r.socket);
  }
  const fourth = await survives(port, '127.0.0.2');
  t.notOk(fourth.open, 'a fourth from the same address is refused (maxConnectionsPerIp 3)');
  const other = await survives(port, '127.0.0.3', 50);
  t.ok(other.open, 'another address is served');
  held.push(other.socket);
  const listenerFull = await survives(port, '127.0.0.3');
  t.notOk(listenerFull.open, 'the listener holds at most 4 (listener maxConnections)');
  for (const s of held) s.destroy();
  await sleep(200);
  const again = await survives(port, '127.0.0.2', 50);
  t.ok(again.open, 'closed connections free their places');
  again.socket.destroy();
  const banned = await survives(h.base + 11, '127.0.0.9');
  t.notOk(banned.open, 'an override of 0 refuses an address (on a node port of the same listener too)');
  const text = await h.proxy.metrics.text();
  t.match(text, /kafka_warden_connections_refused_total\{listener="plain",reason="max_connections_per_ip"\} [1-9]/);
  t.match(text, /kafka_warden_connections_refused_total\{listener="plain",reason="listener_max_connections"\} [1-9]/);
});

t.test('the total over all listeners', async (t) => {
  const h = await startHarness({
    cluster: { brokers: 1 },
    config: { limits: { maxConnections: 2, maxConnectionCreationRatePerIp: 0 } },
  });
  t.teardown(() => h.stop());
  const a = await survives(h.base, '127.0.0.1', 50);
  const b = await survives(h.base + 11, '127.0.0.1', 50);
  t.ok(a.open && b.open);
  t.notOk((await survives(h.base, '127.0.0.4')).open, 'a third connection is refused (maxConnections 2)');
  a.socket.destroy();
  b.socket.destroy();
});

t.test('creation rate per address, refusals logged at a bounded rate', async (t) => {
  const h = await startHarness({ cluster: { brokers: 1 }, config: { limits: { maxConnectionCreationRatePerIp: 5 } } });
  t.teardown(() => h.stop());
  const results = await Promise.all(Array.from({ length: 40 }, () => survives(h.base, '127.0.0.5', 200)));
  const open = results.filter((r) => r.open).length;
  for (const r of results) r.socket.destroy();
  t.ok(open >= 1 && open <= 8, `${open} of 40 connections opened at once got through (5 per second)`);
  t.ok((await survives(h.base, '127.0.0.6', 50)).open, 'another address is not affected');
  const lines = h.logs.filter((l) => l.msg === 'connection refused by the connection limits');
  t.ok(lines.length >= 1 && lines.length <= 2, `${lines.length} log line(s) for ${40 - open} refusals`);
  await sleep(1200);
  t.ok((await survives(h.base, '127.0.0.5', 50)).open, 'the rate refills');
});

t.test('connections.max.idle.ms closes idle connections, authenticated or not, and only those', async (t) => {
  const h = await startHarness({
    cluster: { brokers: 1 },
    config: { limits: { connectionsMaxIdleMs: 600, maxConnectionCreationRatePerIp: 0 } },
  });
  t.teardown(() => h.stop());
  const silent = await survives(h.base, '127.0.0.1', 0);
  const busy = await RawClient.connect(`127.0.0.1:${h.base}`);
  const started = Date.now();
  let closedAfter = -1;
  silent.socket.on('close', () => (closedAfter = Date.now() - started));
  while (Date.now() - started < 1800) {
    await busy.request<apiVersions.Response>(ApiKey.ApiVersions, 0, {});
    await sleep(200);
  }
  t.ok(closedAfter >= 550 && closedAfter < 1500, `the silent connection closed after ${closedAfter} ms`);
  t.notOk(busy.isClosed, 'a connection that keeps sending requests stays open');
  t.ok(h.logs.some((l) => l.reason === 'idle_timeout'));
  busy.close();
});
