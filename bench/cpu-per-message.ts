// CPU per produced message, PLAINTEXT vs SASL_SSL, for every process on the path: the librdkafka
// load driver, the proxy and the mock brokers, at the same offered load.
//
// On this 2-core machine the driver, the mock and the proxy compete for the same cores, so the
// end-to-end throughput of each path is about 2 cores divided by the CPU all three spend per
// message. Each process's CPU time (user + system, all threads) is divided by the messages, with
// the driver either offering the same rate on both paths (RATE=200000, below what each can carry,
// so librdkafka batches alike) or producing as fast as it can (RATE=max: each path at saturation,
// batching as it does in the end-to-end benchmark). From those figures:
//   - the proxy's SASL_SSL capacity vs PLAINTEXT on a core of its own (proxy CPU ratio);
//   - the end-to-end ratio the CPU figures predict on this machine (sum over all three);
//   - the end-to-end ratio this machine would allow even if the proxy's TLS and SASL cost nothing
//     (the driver's own TLS cost stays): the ceiling of the 0.8x target here.
// Two proxies run side by side: one reading sockets into its shared buffer (the default) and one
// with WARDEN_STATIC_READS=0 (a Buffer and a stream event per read, Node's default).
//
//   npm run bench -- cpu-per-message     (ROUNDS=3 MESSAGES=1000000 RATE=200000)
//   RATE=max npm run bench -- cpu-per-message
import { MockCluster } from '../src/demo/mock-cluster.js';
import { runProduce, median, startProxy, cpuSeconds, publish, measuredOn, type ProxyHandle } from './common.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MESSAGES = Number(process.env.MESSAGES ?? 1_000_000);
/** Offered messages per second, or 'max' (no limit). */
const RATE = process.env.RATE ?? '200000';
const rateArgs = RATE === 'max' ? [] : ['--rate', String(Number(RATE))];
const offered =
  RATE === 'max'
    ? 'as fast as the driver can (each path at saturation)'
    : `at an offered ${Number(RATE).toLocaleString('en-US')} msg/s`;

type Path = 'PLAINTEXT' | 'SASL_SSL';
type Who = 'client' | 'proxy' | 'mock';

async function main() {
  const cluster = await MockCluster.start({ brokers: 3, topics: { bench: 12 } });
  for (let p = 0; p < 12; p++) await cluster.command(`leader bench ${p} ${(p % 3) + 1}`);
  const proxies: Array<[string, ProxyHandle]> = [
    ['shared read buffer', await startProxy(cluster.brokers)],
    ["'data' events", await startProxy(cluster.brokers, { env: { WARDEN_STATIC_READS: '0' } })],
  ];
  const cost: Record<string, number[]> = {};
  const add = (reads: string, path: Path, who: Who, us: number) => (cost[`${reads}|${path}|${who}`] ??= []).push(us);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? proxies : [...proxies].reverse();
    for (const [reads, proxy] of order) {
      for (const [path, addr, extra] of [
        ['PLAINTEXT', proxy.addr, []],
        ['SASL_SSL', proxy.secure, proxy.secureArgs],
      ] as Array<[Path, string, string[]]>) {
        const p0 = cpuSeconds(proxy.pid);
        const m0 = cpuSeconds(cluster.pid);
        const pr = await runProduce(addr, MESSAGES, [...rateArgs, ...extra]);
        const perMsg = (seconds: number) => (seconds / MESSAGES) * 1e6;
        add(reads, path, 'proxy', perMsg(cpuSeconds(proxy.pid) - p0));
        add(reads, path, 'mock', perMsg(cpuSeconds(cluster.pid) - m0));
        add(reads, path, 'client', perMsg(pr.cpuSeconds!));
        process.stderr.write(
          `round ${r + 1} ${reads} ${path}: ${Math.round(pr.msgsPerSec!)} msg/s (rate ${RATE}), us CPU/msg: client ${perMsg(pr.cpuSeconds!).toFixed(2)}, proxy ${cost[`${reads}|${path}|proxy`]!.at(-1)!.toFixed(2)}, mock ${cost[`${reads}|${path}|mock`]!.at(-1)!.toFixed(2)}\n`,
        );
      }
    }
  }
  for (const [, p] of proxies) await p.stop();
  await cluster.stop();

  const m = (reads: string, path: Path, who: Who) => median(cost[`${reads}|${path}|${who}`]!);
  const f = (x: number) => x.toFixed(2);
  const rows = proxies.map(([reads]) => {
    const [cp, pp, mp] = (['client', 'proxy', 'mock'] as const).map((w) => m(reads, 'PLAINTEXT', w));
    const [cs, ps, ms] = (['client', 'proxy', 'mock'] as const).map((w) => m(reads, 'SASL_SSL', w));
    const predicted = (cp! + pp! + mp!) / (cs! + ps! + ms!);
    const ceiling = (cp! + pp! + mp!) / (cs! + pp! + ms!);
    return `| ${reads} | ${f(cp!)} / ${f(cs!)} | ${f(pp!)} / ${f(ps!)} | ${f(mp!)} / ${f(ms!)} | ${f(pp! / ps!)}x | ${f(predicted)}x | ${f(ceiling)}x |`;
  });
  const heading = `## CPU per message: PLAINTEXT vs SASL_SSL ${RATE === 'max' ? 'at saturation' : 'at equal offered load'}, every process (issue 3)`;
  const section = [
    heading,
    '',
    measuredOn(),
    `Command: \`ROUNDS=${ROUNDS} MESSAGES=${MESSAGES} RATE=${RATE} npm run bench -- cpu-per-message\``,
    '',
    `Produce of ${MESSAGES.toLocaleString('en-US')} messages of 1 KiB ${offered} (librdkafka 2.0.2, linger 5 ms, acks=1) through each proxy;`,
    "each process's CPU time (user + system, all threads) divided by the messages, PLAINTEXT / SASL_SSL (SCRAM-SHA-512, TLS 1.3); medians of the rounds (order alternating).",
    'Proxy capacity: SASL_SSL throughput the proxy could carry on a core of its own, as a fraction of PLAINTEXT. Predicted: the end-to-end',
    'SASL_SSL/PLAINTEXT ratio the CPU of all three processes implies on this machine (they share its cores). Ceiling: the same if the',
    "proxy's TLS and SASL cost nothing at all (its SASL_SSL CPU replaced by its PLAINTEXT CPU); the driver's own TLS work remains.",
    '',
    '| proxy reads sockets with | driver us/msg | proxy us/msg | mock us/msg | proxy capacity | predicted end to end | ceiling with a free-TLS proxy |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Per round (us CPU/msg): ${Object.entries(cost)
      .map(([k, v]) => `${k.replaceAll('|', ' ')}: ${v.map(f).join(', ')}`)
      .join('; ')}.`,
    '',
  ].join('\n');
  publish(heading, section);
}

await main();
