// End-to-end benchmark: librdkafka's load driver (bench/warden-bench.c) against librdkafka's mock
// cluster directly and through kafka-warden (a separate `serve` process), in the same run,
// alternating direct and proxied rounds so that machine noise hits both alike. Reports medians and
// ratios and writes bench/BENCHMARKS.md.
//
//   npm run bench                       (ROUNDS=5 MESSAGES=200000 by default)
//   ROUNDS=3 MESSAGES=100000 npm run bench
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { MockCluster, PROJECT_ROOT } from '../src/demo/mock-cluster.js';
import { run, runProduce, median, startProxy, writeSection, type ProxyHandle } from './common.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const MESSAGES = Number(process.env.MESSAGES ?? 200_000);
const LAT_COUNT = Number(process.env.LAT_COUNT ?? 3000);
const LAT_RATE = Number(process.env.LAT_RATE ?? 1000);
const POOL_MODE = (process.env.POOL_MODE ?? 'pooled') as 'pooled' | 'dedicated';
const PARTITIONS = 12;
/** The mock keeps a few MB per partition: the consume topic spreads its data over many. */
const CONSUME_PARTITIONS = 48;
const CONSUME_MESSAGES = Number(process.env.CONSUME_MESSAGES ?? 200_000);

function setupRate(proxy: ProxyHandle): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(PROJECT_ROOT, 'bench', 'setup-rate.ts'),
        proxy.secure,
        proxy.user,
        proxy.password,
        proxy.caFile,
        '3',
        '8',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve((JSON.parse(out) as { setupsPerSec: number }).setupsPerSec)
        : reject(new Error(`setup-rate exited ${code}`)),
    );
  });
}

async function main() {
  const cluster = await MockCluster.start({
    brokers: 3,
    topics: { bench: PARTITIONS, lat: 1, cons: CONSUME_PARTITIONS },
  });
  for (let p = 0; p < PARTITIONS; p++) await cluster.command(`leader bench ${p} ${(p % 3) + 1}`);
  const proxy = await startProxy(cluster.brokers, { poolMode: POOL_MODE });
  const direct = cluster.bootstrap;
  const targets: Array<[string, string, string[]]> = [
    ['direct', direct, []],
    ['proxy', proxy.addr, []],
    ['secure', proxy.secure, proxy.secureArgs],
  ];
  const names = targets.map((x) => x[0]);
  const series = () => Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<string, number[]>;
  const produce = series();
  const produceMb = series();
  const consume = series();
  const p50 = series();
  const p99 = series();
  const setups: number[] = [];
  // The consume topic is filled once, directly; every consume run reads all of it from the start.
  const consumeCount = CONSUME_MESSAGES;
  await run(['produce', '--brokers', direct, '--topic', 'cons', '--size', '1024', '--count', String(consumeCount)]);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const [name, addr, extra] of order) {
      const pr = await runProduce(addr, MESSAGES, extra);
      produce[name]!.push(pr.msgsPerSec!);
      produceMb[name]!.push(pr.mbPerSec!);
      const cr = await run([
        'consume',
        '--brokers',
        addr,
        '--topic',
        'cons',
        '--count',
        String(consumeCount),
        ...extra,
      ]);
      consume[name]!.push(cr.msgsPerSec!);
      const lr = await run([
        'latency',
        '--brokers',
        addr,
        '--topic',
        'lat',
        '--size',
        '1024',
        '--rate',
        String(LAT_RATE),
        '--count',
        String(LAT_COUNT),
        ...extra,
      ]);
      p50[name]!.push(lr.p50us!);
      p99[name]!.push(lr.p99us!);
      process.stderr.write(
        `round ${round + 1}/${ROUNDS} ${name}: produce ${Math.round(pr.msgsPerSec!)} msg/s, consume ${Math.round(cr.msgsPerSec!)} msg/s, p50 ${lr.p50us} us, p99 ${lr.p99us} us\n`,
      );
    }
    setups.push(await setupRate(proxy));
    process.stderr.write(
      `round ${round + 1}/${ROUNDS} TLS+SCRAM setups: ${Math.round(setups[setups.length - 1]!)}/s\n`,
    );
  }
  await proxy.stop();
  await cluster.stop();

  const m = (x: number[]) => median(x);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const cmd = `ROUNDS=${ROUNDS} MESSAGES=${MESSAGES} CONSUME_MESSAGES=${CONSUME_MESSAGES} LAT_RATE=${LAT_RATE} LAT_COUNT=${LAT_COUNT} POOL_MODE=${POOL_MODE} npm run bench`;
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const row = (label: string, x: Record<string, number[]>, digits = 0) => {
    const [d, p, sc] = [m(x.direct!), m(x.proxy!), m(x.secure!)];
    const f = (n: number) => (digits ? n.toFixed(digits) : fmt(n));
    return `| ${label} | ${f(d)} | ${f(p)} | ${f(sc)} | ${ratio(p, d)}x | ${ratio(sc, p)}x |`;
  };
  const signed = (n: number) => (n < 0 ? `-${fmt(-n)}` : `+${fmt(n)}`);
  const lat = (label: string, x: Record<string, number[]>) =>
    `| ${label} | ${fmt(m(x.direct!))} | ${fmt(m(x.proxy!))} | ${fmt(m(x.secure!))} | ${signed(m(x.proxy!) - m(x.direct!))} us | ${signed(m(x.secure!) - m(x.proxy!))} us |`;
  const rows = [
    row('produce 1 KiB, acks=1 (msg/s)', produce),
    row('produce 1 KiB, acks=1 (MiB/s)', produceMb, 1),
    row('consume 1 KiB (msg/s)', consume),
    lat(`produce round trip p50 at ${LAT_RATE}/s (us)`, p50),
    lat(`produce round trip p99 at ${LAT_RATE}/s (us)`, p99),
  ];
  const section = [
    `## End to end: direct vs through kafka-warden (${POOL_MODE} upstream)`,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
    `Command: \`${cmd}\``,
    '',
    `librdkafka's mock cluster (3 brokers, Debian librdkafka 2.0.2), topic of ${PARTITIONS} partitions with leaders on all three brokers;`,
    `the load driver is \`build/warden-bench\` (librdkafka, C). Each of ${ROUNDS} rounds runs direct and proxied back to back`,
    `(order alternating); figures are medians over the rounds. Produce: ${MESSAGES.toLocaleString('en-US')} messages per run, linger 5 ms.`,
    `Consume: ${consumeCount.toLocaleString('en-US')} messages of 1 KiB from the beginning of a ${CONSUME_PARTITIONS}-partition topic filled once. Latency: one message at a time at ${LAT_RATE}/s, linger 0,`,
    `${LAT_COUNT} messages, round trip from produce() to delivery report. Client, proxy and mock share the machine's ${cpus().length} cores.`,
    '',
    '| measure | direct | proxied PLAINTEXT | proxied SASL_SSL (SCRAM-SHA-512) | PLAINTEXT vs direct | SASL_SSL vs PLAINTEXT |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Full TLS + SCRAM-SHA-512 connection setups (TLS handshake, ApiVersions, SaslHandshake, two SaslAuthenticate rounds, close;`,
    `8 concurrent Node clients that derive the salted password once, 3 s per round): **${fmt(m(setups))} per second** (median; rounds: ${setups.map(fmt).join(', ')}).`,
    '',
    'Per-round figures (direct / PLAINTEXT / SASL_SSL):',
    '',
    `- produce msg/s: ${names.map((n) => produce[n]!.map(fmt).join(', ')).join(' / ')}`,
    `- consume msg/s: ${names.map((n) => consume[n]!.map(fmt).join(', ')).join(' / ')}`,
    `- p50 us: ${names.map((n) => p50[n]!.map(fmt).join(', ')).join(' / ')}`,
    `- p99 us: ${names.map((n) => p99[n]!.map(fmt).join(', ')).join(' / ')}`,
    '',
  ].join('\n');
  writeSection(`## End to end: direct vs through kafka-warden (${POOL_MODE} upstream)`, section);
  process.stdout.write(section);
}

await main();
