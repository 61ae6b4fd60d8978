// kcat (librdkafka) through the proxy in front of librdkafka's 3-broker mock cluster: metadata
// shows only the proxy's addresses, 100,000 messages round-trip intact across partitions led by
// different brokers, acks=0 produce lands, and no upstream address reaches the client in any
// response (checked on every byte the proxy sent, via a recording relay).
import t from 'tap';
import { startHarness } from '../helpers/proxy.js';
import { freePortBlock } from '../helpers/ports.js';
import { Relay, findEncodedAddress } from '../helpers/relay.js';
import { kcat, haveModern, MODERN_MOCK } from '../helpers/kcat.js';

const PARTITIONS = 6;

for (const generation of ['legacy', 'modern'] as const) {
  t.test(`kcat through the proxy (${generation} librdkafka client and broker)`, async (t) => {
    if (generation === 'modern') t.ok(haveModern, 'librdkafka 2.15.1 is built (scripts/build-modern-librdkafka.sh)');
    const modern = generation === 'modern';
    const relayBase = await freePortBlock(10);
    const h = await startHarness({
      cluster: { brokers: 3, topics: { orders: PARTITIONS, fast: 3 }, ...(modern ? { binary: MODERN_MOCK } : {}) },
      listener: { advertisedBrokerPortBase: relayBase },
    });
    // Relays in front of the bootstrap port and each node port record what clients receive.
    const relays = [await Relay.start(relayBase, { host: '127.0.0.1', port: h.base })];
    for (const n of [1, 2, 3])
      relays.push(await Relay.start(relayBase + n, { host: '127.0.0.1', port: h.base + 10 + n }));
    t.teardown(async () => {
      for (const r of relays) await r.stop();
      await h.stop();
    });
    // Spread partition leadership over the three brokers.
    for (let p = 0; p < PARTITIONS; p++) await h.cluster.command(`leader orders ${p} ${(p % 3) + 1}`);
    const bootstrap = `127.0.0.1:${relayBase}`;

    const md = await kcat(['-b', bootstrap, '-L', '-J'], { modern });
    t.equal(md.code, 0, md.stderr);
    const meta = JSON.parse(md.stdout) as {
      brokers: Array<{ id: number; name: string }>;
      topics: Array<{ topic: string; partitions: Array<{ partition: number; leader: number }> }>;
    };
    t.same(
      meta.brokers.map((b) => b.name).sort(),
      [1, 2, 3].map((n) => `127.0.0.1:${relayBase + n}`).sort(),
      'brokers are advertised at the proxy',
    );
    const orders = meta.topics.find((x) => x.topic === 'orders')!;
    t.same(
      new Set(orders.partitions.map((p) => p.leader)),
      new Set([1, 2, 3]),
      'partitions are led by different brokers',
    );

    // 100,000 keyed messages (keys spread them over every partition), each with a unique payload.
    const N = 100_000;
    const lines: string[] = [];
    for (let i = 0; i < N; i++) lines.push(`m${i}:${'x'.repeat(i % 50)}`);
    const input = lines.map((l, i) => `k${i}|${l}`).join('\n') + '\n';
    const prod = await kcat(['-b', bootstrap, '-t', 'orders', '-P', '-K', '|', '-X', 'linger.ms=5'], {
      input,
      modern,
      timeoutMs: 120_000,
    });
    t.equal(prod.code, 0, `produce: ${prod.stderr}`);
    const cons = await kcat(
      ['-b', bootstrap, '-t', 'orders', '-C', '-e', '-q', '-o', 'beginning', '-f', '%p|%k|%s\n'],
      { modern, timeoutMs: 120_000 },
    );
    t.equal(cons.code, 0, `consume: ${cons.stderr}`);
    const got = cons.stdout.split('\n').filter(Boolean);
    t.equal(got.length, N, 'every message consumed once');
    const byPartition = new Map<number, number>();
    const seen = new Set<string>();
    let keysMatch = 0;
    for (const l of got) {
      const [p, k, v] = l.split('|') as [string, string, string];
      byPartition.set(Number(p), (byPartition.get(Number(p)) ?? 0) + 1);
      seen.add(v);
      if (v.startsWith(`m${k.slice(1)}:`)) keysMatch++;
    }
    t.equal(keysMatch, N, 'every key travels with its value');
    t.equal(seen.size, N, 'no duplicates');
    t.ok(
      lines.every((l) => seen.has(l)),
      'every payload verified',
    );
    t.equal(byPartition.size, PARTITIONS, 'messages in every partition');

    // acks=0: the broker sends no response and the proxy awaits none.
    const acks0 = Array.from({ length: 500 }, (_, i) => `fire-and-forget-${i}`);
    const p0 = await kcat(['-b', bootstrap, '-t', 'fast', '-P', '-X', 'acks=0'], {
      input: acks0.join('\n') + '\n',
      modern,
    });
    t.equal(p0.code, 0, `acks=0 produce: ${p0.stderr}`);
    const c0 = await kcat(['-b', bootstrap, '-t', 'fast', '-C', '-e', '-q', '-o', 'beginning'], { modern });
    t.same(new Set(c0.stdout.split('\n').filter(Boolean)), new Set(acks0), 'acks=0 messages all stored');

    // No upstream address in any byte the proxy sent to a client.
    const seenBytes = Buffer.concat(relays.map((r) => r.bytes()));
    t.ok(seenBytes.length > 1_000_000, `checked ${seenBytes.length} response bytes`);
    for (const b of h.cluster.brokers) {
      const [host, port] = b.split(':');
      t.equal(findEncodedAddress(seenBytes, host!, Number(port)), -1, `upstream ${b} never reaches a client`);
    }
    // ...while the proxy's own addresses do (the check above can see addresses at all).
    t.not(findEncodedAddress(seenBytes, '127.0.0.1', relayBase + 1), -1, 'the proxy address is what clients see');
  });
}
