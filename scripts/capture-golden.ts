// Captures golden request/response frames from real clients and real brokers, for codec tests:
// kcat on Debian's librdkafka 2.0.2 and on librdkafka 2.15.1 against the matching mock cluster, and
// kafkajs (producer, consumer group) against the legacy mock. Clients reach the brokers through
// kafka-warden, with recording relays on every port it advertises, so every connection is seen;
// responses the proxy writes or rewrites itself (ApiVersions, Metadata, FindCoordinator,
// DescribeCluster) are captured instead on a direct connection to the mock. The first frame of
// every (api key, version, direction) is kept.
//
//   npx tsx scripts/capture-golden.ts      (writes test/fixtures/golden.json)
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { MockCluster, PROJECT_ROOT } from '../src/demo/mock-cluster.js';
import { FrameReader } from '../src/protocol/frame-reader.js';
import { kcat, MODERN_MOCK } from '../test/helpers/kcat.js';
import { startHarness } from '../test/helpers/proxy.js';
import { freePortBlock } from '../test/helpers/ports.js';
import { RawClient } from '../test/helpers/raw-client.js';

import type { Golden } from '../test/helpers/golden.js';
const golden = new Map<string, Golden>();

/** The proxy's own answers and rewrites are not a broker's bytes: such responses are not golden. */
const PROXY_WRITTEN = new Set([18, 3, 10, 60]);

/** Records frames of every connection through a relay in front of `target`. */
function recordingRelay(
  target: { host: string; port: number },
  source: string,
  responsesToo: boolean,
  listenPort = 0,
): Promise<net.Server> {
  const server = net.createServer((client) => {
    const up = net.connect(target);
    const versions = new Map<number, [number, number]>();
    const reqReader = new FrameReader((p) => {
      const apiKey = p.readInt16BE(4);
      const version = p.readInt16BE(6);
      versions.set(p.readInt32BE(8), [apiKey, version]);
      const k = `${apiKey}/${version}/request`;
      if (!golden.has(k))
        golden.set(k, { source, apiKey, version, direction: 'request', hex: p.subarray(4).toString('hex') });
    });
    const resReader = new FrameReader((p) => {
      const av = versions.get(p.readInt32BE(4));
      if (!av || !responsesToo || PROXY_WRITTEN.has(av[0])) return;
      const k = `${av[0]}/${av[1]}/response`;
      if (!golden.has(k))
        golden.set(k, {
          source,
          apiKey: av[0],
          version: av[1],
          direction: 'response',
          hex: p.subarray(4).toString('hex'),
        });
    });
    client.on('data', (d: Buffer) => {
      reqReader.push(d);
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      resReader.push(d);
      client.write(d);
    });
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  return new Promise((resolve) => server.listen({ host: '127.0.0.1', port: listenPort }, () => resolve(server)));
}

/**
 * Runs `drive` with a bootstrap address whose every connection, bootstrap and broker, passes a
 * recording relay in front of kafka-warden (which advertises the relay ports), in front of the mock.
 */
async function throughProxy(source: string, modern: boolean, drive: (bootstrap: string) => Promise<void>) {
  const relayBase = await freePortBlock(10);
  const h = await startHarness({
    cluster: { brokers: 3, topics: { golden: 3 }, ...(modern ? { binary: MODERN_MOCK } : {}) },
    listener: { advertisedBrokerPortBase: relayBase },
  });
  const relays: net.Server[] = [];
  const fixed = async (port: number, target: number) => {
    relays.push(await recordingRelay({ host: '127.0.0.1', port: target }, source, true, port));
  };
  await fixed(relayBase, h.base);
  for (const n of [1, 2, 3]) await fixed(relayBase + n, h.base + 10 + n);
  try {
    await drive(`127.0.0.1:${relayBase}`);
  } finally {
    for (const r of relays) r.close();
    await h.stop();
  }
}

/** ApiVersions, Metadata and FindCoordinator straight from a mock broker (the proxy rewrites these). */
async function direct(modern: boolean) {
  const source = modern ? 'mock 2.15.1 (direct)' : 'mock 2.0.2 (direct)';
  const cluster = await MockCluster.start({
    brokers: 1,
    topics: { golden: 1 },
    ...(modern ? { binary: MODERN_MOCK } : {}),
  });
  const [host, port] = cluster.brokers[0]!.split(':');
  const relay = await recordingRelay({ host: host!, port: Number(port) }, source, true);
  const at = `127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
  const saved = new Set(PROXY_WRITTEN);
  PROXY_WRITTEN.clear();
  await kcat(['-b', at, '-L'], { modern, timeoutMs: 10_000 });
  const c = await RawClient.connect(at);
  for (let v = 0; v <= (modern ? 3 : 2); v++) {
    await c.request(10, v, v < 4 ? { key: 'golden-group', keyType: 0, coordinatorKeys: [] } : {});
  }
  c.close();
  for (const k of saved) PROXY_WRITTEN.add(k);
  relay.close();
  await cluster.stop();
}

async function kcatSession(modern: boolean) {
  const source = `kcat + librdkafka ${modern ? '2.15.1' : '2.0.2'} via kafka-warden -> mock`;
  await throughProxy(source, modern, async (bs) => {
    await kcat(['-b', bs, '-t', 'golden', '-P'], { input: 'a\nb\nc\n', modern, timeoutMs: 15_000 });
    await kcat(['-b', bs, '-t', 'golden', '-C', '-e', '-o', 'beginning'], { modern, timeoutMs: 15_000 });
    // A balanced consumer: FindCoordinator, JoinGroup, SyncGroup, OffsetFetch, OffsetCommit, Heartbeat.
    await kcat(
      [
        '-b',
        bs,
        '-G',
        'golden-group',
        '-o',
        'beginning',
        '-e',
        '-X',
        'enable.auto.commit=true',
        '-X',
        'auto.commit.interval.ms=100',
        'golden',
      ],
      { modern, timeoutMs: 20_000 },
    );
  });
}

async function kafkajsSession() {
  await throughProxy('kafkajs 2.2.4 via kafka-warden -> mock 2.0.2', false, async (bs) => {
    const kafka = new Kafka({ brokers: [bs], logLevel: logLevel.NOTHING, clientId: 'golden' });
    const p = kafka.producer();
    await p.connect();
    await p.send({ topic: 'golden', messages: [{ key: 'k', value: 'v' }] });
    const c = kafka.consumer({ groupId: 'golden-js', heartbeatInterval: 200, maxWaitTimeInMs: 100 });
    await c.connect();
    await c.subscribe({ topic: 'golden', fromBeginning: true });
    let got = 0;
    await c.run({ autoCommitInterval: 100, eachMessage: async () => void got++ });
    const end = Date.now() + 10_000;
    while (got < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    await c.disconnect();
    await p.disconnect();
  });
}

await direct(false);
await direct(true);
await kcatSession(false);
await kcatSession(true);
await kafkajsSession();
const out = [...golden.values()].sort(
  (a, b) => a.apiKey - b.apiKey || a.version - b.version || a.direction.localeCompare(b.direction),
);
writeFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'golden.json'), JSON.stringify(out, null, 1) + '\n');
console.log(out.map((g) => `${g.apiKey}v${g.version} ${g.direction} (${g.source})`).join('\n'));
