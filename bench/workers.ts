// Throughput and CPU per message of `serve --workers 1` against `--workers 2`, over PLAINTEXT and
// SASL_SSL, in front of librdkafka's mock cluster. Two load drivers produce at once (each opens its
// own connections, which the supervisor hands to the workers in turn), as fast as they can.
//
// This machine has 2 cores, shared by the drivers, the mock brokers and the proxy: two workers can
// only scale as far as the cores the others leave free. The CPU per message (all the proxy's
// processes together, supervisor included) is what predicts a machine with cores to spare.
//
//   npm run bench -- workers          (ROUNDS=3 MESSAGES=500000 per driver)
import { MockCluster } from '../src/demo/mock-cluster.js';
import {
  cpuSeconds,
  median,
  run,
  startProxy,
  treeCpuSeconds,
  publish,
  measuredOn,
  type ProxyHandle,
} from './common.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MESSAGES = Number(process.env.MESSAGES ?? 500_000);
const DRIVERS = 2;

type Path = 'PLAINTEXT' | 'SASL_SSL';
interface Sample {
  msgsPerSec: number;
  proxyUs: number;
  driverUs: number;
  mockUs: number;
}

/** Two drivers producing at once through one proxy on one path; their combined rate and CPU. */
async function produce(proxy: ProxyHandle, path: Path, mockPid: number): Promise<Sample> {
  const [addr, extra] = path === 'PLAINTEXT' ? [proxy.addr, []] : [proxy.secure, proxy.secureArgs];
  const p0 = treeCpuSeconds(proxy.pid);
  const m0 = cpuSeconds(mockPid);
  const start = process.hrtime.bigint();
  const results = await Promise.all(
    Array.from({ length: DRIVERS }, () =>
      run([
        'produce',
        '--brokers',
        addr,
        '--topic',
        'bench',
        '--size',
        '1024',
        '--count',
        String(MESSAGES),
        '--acks',
        '1',
        '--linger-ms',
        '5',
        ...extra,
      ]),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const total = MESSAGES * DRIVERS;
  const us = (s: number) => (s / total) * 1e6;
  return {
    msgsPerSec: total / seconds,
    proxyUs: us(treeCpuSeconds(proxy.pid) - p0),
    driverUs: us(results.reduce((sum, r) => sum + (r.cpuSeconds ?? 0), 0)),
    mockUs: us(cpuSeconds(mockPid) - m0),
  };
}

async function main() {
  const cluster = await MockCluster.start({ brokers: 3, topics: { bench: 12 } });
  for (let p = 0; p < 12; p++) await cluster.command(`leader bench ${p} ${(p % 3) + 1}`);
  const proxies: Array<[number, ProxyHandle]> = [
    [1, await startProxy(cluster.brokers, { env: { KAFKA_WARDEN_WORKERS: '1' } })],
    [2, await startProxy(cluster.brokers, { env: { KAFKA_WARDEN_WORKERS: '2' } })],
  ];
  const samples = new Map<string, Sample[]>();
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? proxies : [...proxies].reverse();
    for (const [workers, proxy] of order) {
      for (const path of ['PLAINTEXT', 'SASL_SSL'] as Path[]) {
        const s = await produce(proxy, path, cluster.pid);
        const key = `${path}|${workers}`;
        samples.set(key, [...(samples.get(key) ?? []), s]);
        process.stderr.write(
          `round ${r + 1} ${path} workers=${workers}: ${Math.round(s.msgsPerSec)} msg/s, us CPU/msg: proxy ${s.proxyUs.toFixed(2)}, drivers ${s.driverUs.toFixed(2)}, mock ${s.mockUs.toFixed(2)}\n`,
        );
      }
    }
  }
  for (const [, p] of proxies) await p.stop();
  await cluster.stop();
  writeReport(samples);
}

function writeReport(samples: Map<string, Sample[]>): void {
  const med = (path: Path, workers: number, f: (s: Sample) => number) =>
    median(samples.get(`${path}|${workers}`)!.map(f));
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const rows = (['PLAINTEXT', 'SASL_SSL'] as Path[]).flatMap((path) =>
    [1, 2].map((w) => {
      const rate = med(path, w, (s) => s.msgsPerSec);
      const scaling = w === 1 ? '1.00x' : `${(rate / med(path, 1, (s) => s.msgsPerSec)).toFixed(2)}x`;
      return `| ${path} | ${w} | ${n(rate)} | ${scaling} | ${med(path, w, (s) => s.proxyUs).toFixed(2)} | ${med(path, w, (s) => s.driverUs).toFixed(2)} | ${med(path, w, (s) => s.mockUs).toFixed(2)} |`;
    }),
  );
  const heading = '## Workers: serve --workers 1 vs 2 (issue 13)';
  const section = [
    heading,
    '',
    measuredOn(),
    `Command: \`ROUNDS=${ROUNDS} MESSAGES=${MESSAGES} npm run bench -- workers\``,
    '',
    `${DRIVERS} warden-bench producers at once (librdkafka, 1 KiB, acks=1, linger 5 ms, ${MESSAGES.toLocaleString('en-US')} messages each, as fast as they can)`,
    'through one proxy to the mock cluster (3 brokers, 12 partitions); SASL_SSL is SCRAM-SHA-512 over TLS 1.3. Proxy CPU: user + system time of the',
    'supervisor and every worker, divided by the messages. Medians of the rounds (the proxies alternate).',
    '',
    '| path | workers | msg/s (both drivers) | vs 1 worker | proxy us/msg | drivers us/msg | mock us/msg |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Per round (msg/s): ${[...samples]
      .map(([k, v]) => `${k.replace('|', ' workers=')}: ${v.map((s) => n(s.msgsPerSec)).join(', ')}`)
      .join('; ')}.`,
    '',
  ].join('\n');
  publish(heading, section);
}

await main();
