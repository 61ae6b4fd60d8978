// A client that pipelines large Fetches and stops reading, and a client that floods acks=0
// Produce, must not make the proxy buffer without bound: its RSS stays bounded, and a third
// client sharing the proxy keeps producing.
import t from 'tap';
import net from 'node:net';
import { MockCluster } from '../../src/demo/mock-cluster.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { freePortBlock } from '../helpers/ports.js';
import { serveProxy } from '../helpers/serve.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as produce from '../../src/protocol/generated/produce.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cluster = await MockCluster.start({ brokers: 3, topics: { big: 1, flood: 1, steady: 1 } });
// One broker per client, so that each client's requests go to its own broker (the mock runs every
// broker on one thread, so a broker saturated by the flood would slow the others whatever the proxy did).
await cluster.command('leader big 0 3');
await cluster.command('leader flood 0 1');
await cluster.command('leader steady 0 2');
t.teardown(() => cluster.stop());
const base = await freePortBlock(20);
const proxy = await serveProxy({
  upstream: { bootstrap: cluster.brokers },
  listeners: [
    {
      name: 'plain',
      securityProtocol: 'PLAINTEXT',
      host: '127.0.0.1',
      port: base,
      brokerPortBase: base + 10,
      advertisedHost: '127.0.0.1',
    },
  ],
  limits: { maxBufferedBytesPerClient: 8 * MiB },
  logging: { level: 'info' },
});
t.teardown(() => proxy.stop());
const nodeOf = (id: number) => `127.0.0.1:${base + 10 + id}`;

// 4 MiB in the topic the slow readers fetch, in 512 KiB records (the mock keeps about 5 MiB of a
// partition's log: more would move its start past offset 0); each Fetch from 0 answers 2 MiB.
const filler = await RawClient.connect(nodeOf(3));
const big = await recordBatch(Array.from({ length: 4 }, () => Buffer.alloc(512 * 1024, 0x61)));
for (let i = 0; i < 2; i++) {
  const r = await filler.request<produce.Response>(
    ApiKey.Produce,
    7,
    {
      transactionalId: null,
      acks: 1,
      timeoutMs: 10_000,
      topicData: [{ name: 'big', partitionData: [{ index: 0, records: big }] }],
    },
    30_000,
  );
  if (r.responses[0]!.partitionResponses[0]!.errorCode !== 0) throw new Error('filling the topic failed');
}
filler.close();

const small = await recordBatch(Array.from({ length: 16 }, () => Buffer.alloc(1024, 0x62)));
const steadyProduce = (c: RawClient) =>
  c.request<produce.Response>(
    ApiKey.Produce,
    7,
    {
      transactionalId: null,
      acks: 1,
      timeoutMs: 10_000,
      topicData: [{ name: 'steady', partitionData: [{ index: 0, records: small }] }],
    },
    30_000,
  );

/** Produce round trips one client completes in `ms`. */
async function throughput(c: RawClient, ms: number): Promise<number> {
  let n = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await steadyProduce(c);
    n++;
  }
  return n;
}

t.test('a slow reader and an acks=0 flood do not grow the proxy without bound', async (t) => {
  const steady = await RawClient.connect(nodeOf(2));
  await throughput(steady, 500); // warm up
  const before = await throughput(steady, 2500);
  const rssBefore = proxy.rss();

  // A broker that is slow to answer Produce (a busy disk): what was acks=0 must wait for its
  // answers like any request, under the in-flight and memory limits, instead of piling up.
  await cluster.command('delay 1 0 1000 1000');
  // (Told before the slow reader starts: the mock takes commands between its own work, and it is
  // then busy with responses nobody reads.)

  // The slow reader: 128 Fetches of 2 MiB answers each, pipelined, and never a byte read.
  const slow = net.connect({ host: '127.0.0.1', port: base + 13 });
  await new Promise((r) => slow.once('connect', r));
  slow.pause();
  const fetches: Buffer[] = [];
  for (let i = 0; i < 128; i++) {
    fetches.push(
      RawClient.packet(ApiKey.Fetch, 4, 1000 + i, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 48 * MiB,
        isolationLevel: 0,
        topics: [
          {
            topic: 'big',
            partitions: [{ partition: 0, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 48 * MiB }],
          },
        ],
      }),
    );
  }
  slow.write(Buffer.concat(fetches));

  // The flood: acks=0 Produce of 256 KiB batches as fast as the socket takes them, for 5 s.
  const flood = net.connect({ host: '127.0.0.1', port: base + 11 });
  await new Promise((r) => flood.once('connect', r));
  flood.on('data', () => {});
  flood.on('error', () => {});
  const floodBatch = await recordBatch([Buffer.alloc(256 * 1024, 0x63)]);
  let stopFlood = false;
  let sent = 0;
  const flooding = (async () => {
    let cid = 5000;
    while (!stopFlood && !flood.destroyed) {
      const p = RawClient.packet(ApiKey.Produce, 7, cid++, {
        transactionalId: null,
        acks: 0,
        timeoutMs: 10_000,
        topicData: [{ name: 'flood', partitionData: [{ index: 0, records: floodBatch }] }],
      });
      sent += p.length;
      if (!flood.write(p))
        await new Promise<void>((r) => {
          const done = () => {
            flood.off('drain', done);
            flood.off('close', done);
            r();
          };
          flood.on('drain', done);
          flood.on('close', done);
        });
    }
  })();

  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, proxy.rss())), 100);
  await sleep(1000);
  const during = await throughput(steady, 2500);
  await sleep(1500);
  clearInterval(sampler);
  stopFlood = true;
  flood.destroy();
  await flooding;
  const growth = peak - rssBefore;
  t.comment(
    `steady client: ${before} produce round trips before, ${during} during; proxy RSS +${(growth / MiB).toFixed(0)} MiB at peak; flood sent ${(sent / MiB).toFixed(0)} MiB; the slow reader's unread answers would be ${128 * 2} MiB`,
  );
  t.ok(
    growth < 120 * MiB,
    `proxy RSS grew ${(growth / MiB).toFixed(0)} MiB, bounded (the unread responses alone would be 256 MiB)`,
  );
  t.ok(during >= before * 0.2, `the steady client keeps producing (${during} vs ${before} round trips)`);
  t.notOk(proxy.child.exitCode !== null, 'the proxy is still running');
  slow.destroy();
  flood.destroy();
  steady.close();
});

t.test('clients that stop reading and fill the process-wide total do not stall light clients', async (t) => {
  const base2 = await freePortBlock(20);
  const tight = await serveProxy({
    upstream: { bootstrap: cluster.brokers },
    listeners: [
      {
        name: 'plain',
        securityProtocol: 'PLAINTEXT',
        host: '127.0.0.1',
        port: base2,
        brokerPortBase: base2 + 10,
        advertisedHost: '127.0.0.1',
      },
    ],
    limits: { maxBufferedBytesPerClient: 8 * MiB, maxBufferedBytes: 12 * MiB },
    management: { host: '127.0.0.1', port: base2 + 5 },
    logging: { level: 'info' },
  });
  t.teardown(() => tight.stop());
  const buffered = async () =>
    Number(
      /^kafka_warden_buffered_bytes (\d+)/m.exec(
        await (await fetch(`http://127.0.0.1:${base2 + 5}/metrics`)).text(),
      )?.[1] ?? NaN,
    );
  const readers: net.Socket[] = [];
  for (let r = 0; r < 4; r++) {
    const s = net.connect({ host: '127.0.0.1', port: base2 + 13 });
    await new Promise((res) => s.once('connect', res));
    s.pause();
    const fetches = Array.from({ length: 16 }, (_, i) =>
      RawClient.packet(ApiKey.Fetch, 4, 100 + i, {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 48 * MiB,
        isolationLevel: 0,
        topics: [
          {
            topic: 'big',
            partitions: [{ partition: 0, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 48 * MiB }],
          },
        ],
      }),
    );
    s.write(Buffer.concat(fetches));
    readers.push(s);
  }
  await sleep(2000); // the readers' answers pile up to the process-wide total
  const held = await buffered();
  t.ok(held >= 12 * MiB * 0.9, `the readers hold ${(held / MiB).toFixed(1)} MiB, the process-wide total`);
  t.ok(held < 4 * 8 * MiB, 'and not each its own bound: the total stops their upstream connections too');
  const light = await RawClient.connect(`127.0.0.1:${base2 + 12}`);
  const n = await throughput(light, 2000);
  t.ok(n >= 20, `a light client still completes produce round trips (${n} in 2 s) while the total is spent`);
  for (const s of readers) s.destroy();
  light.close();
});
