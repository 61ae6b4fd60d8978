// The proxy's own CPU cost per produced message, PLAINTEXT vs SASL_SSL, at the same offered load.
//
// On this 2-core machine the load driver, the mock brokers and the proxy compete for the same
// cores, so end-to-end throughput ratios also measure the client's own TLS cost. Here every run
// offers the same rate (well below what each path can carry), so batching is the same, and the
// proxy's CPU time (user + system, all threads, from /proc) is divided by the messages it passed.
// The inverse ratio of those costs is what the proxy could carry on a dedicated core.
// Two proxies run side by side: one reading sockets into its shared buffer (the default) and one
// with WARDEN_STATIC_READS=0 (a Buffer and a stream event per read, Node's default).
//
//   node --import tsx bench/cpu-per-message.ts     (ROUNDS=3 MESSAGES=1000000 RATE=200000)
import { cpus } from 'node:os';
import { MockCluster } from '../src/cli/mock-cluster.js';
import { run, median, startProxy, cpuSeconds, writeSection, type ProxyHandle } from './common.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MESSAGES = Number(process.env.MESSAGES ?? 1_000_000);
const RATE = Number(process.env.RATE ?? 200_000);

async function main() {
  const cluster = await MockCluster.start({ brokers: 3, topics: { bench: 12 } });
  for (let p = 0; p < 12; p++) await cluster.command(`leader bench ${p} ${(p % 3) + 1}`);
  const proxies: Array<[string, ProxyHandle]> = [
    ['shared read buffer', await startProxy(cluster.brokers)],
    ["'data' events", await startProxy(cluster.brokers, { env: { WARDEN_STATIC_READS: '0' } })],
  ];
  const cost: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? proxies : [...proxies].reverse();
    for (const [reads, proxy] of order) {
      for (const [path, addr, extra] of [['PLAINTEXT', proxy.addr, []], ['SASL_SSL', proxy.secure, proxy.secureArgs]] as Array<[string, string, string[]]>) {
        const c0 = cpuSeconds(proxy.pid);
        const pr = await run(['produce', '--brokers', addr, '--topic', 'bench', '--size', '1024', '--count', String(MESSAGES), '--acks', '1', '--linger-ms', '5', '--rate', String(RATE), ...extra]);
        const us = ((cpuSeconds(proxy.pid) - c0) / MESSAGES) * 1e6;
        (cost[`${reads}|${path}`] ??= []).push(us);
        process.stderr.write(`round ${r + 1} ${reads} ${path}: ${Math.round(pr.msgsPerSec!)} msg/s offered ${RATE}, proxy ${us.toFixed(2)} us CPU/msg\n`);
      }
    }
  }
  for (const [, p] of proxies) await p.stop();
  await cluster.stop();
  const m = (k: string) => median(cost[k]!);
  const rows = proxies.map(([reads]) => {
    const plain = m(`${reads}|PLAINTEXT`);
    const secure = m(`${reads}|SASL_SSL`);
    return `| ${reads} | ${plain.toFixed(2)} | ${secure.toFixed(2)} | ${(plain / secure).toFixed(2)}x |`;
  });
  const section = [
    '## Proxy CPU per message: PLAINTEXT vs SASL_SSL at equal load (issue 3)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}.`,
    `Command: \`ROUNDS=${ROUNDS} MESSAGES=${MESSAGES} RATE=${RATE} node --import tsx bench/cpu-per-message.ts\``,
    '',
    `Produce of ${MESSAGES.toLocaleString('en-US')} messages of 1 KiB at an offered ${RATE.toLocaleString('en-US')} msg/s (librdkafka, linger 5 ms, acks=1) through each proxy;`,
    "the proxy's CPU time (user + system, all threads) divided by the messages; median of the rounds (order alternating).",
    'The last column is the SASL_SSL throughput the proxy could carry, as a fraction of PLAINTEXT, given a core of its own.',
    '',
    '| proxy reads sockets with | PLAINTEXT (us CPU/msg) | SASL_SSL SCRAM-SHA-512 (us CPU/msg) | SASL_SSL capacity vs PLAINTEXT |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Per round (us CPU/msg): ${Object.entries(cost).map(([k, v]) => `${k.replace('|', ' ')}: ${v.map((x) => x.toFixed(2)).join(', ')}`).join('; ')}.`,
    '',
  ].join('\n');
  writeSection('## Proxy CPU per message: PLAINTEXT vs SASL_SSL at equal load (issue 3)', section);
  process.stdout.write(section);
}

await main();
