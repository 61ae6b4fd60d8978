// End-to-end benchmark: librdkafka's load driver (bench/warden-bench.c) against librdkafka's mock
// cluster directly and through kafka-warden (a separate `serve` process), in the same run,
// alternating direct and proxied rounds so that machine noise hits both alike. Reports medians and
// ratios and writes bench/BENCHMARKS.md.
//
//   npm run bench                       (ROUNDS=5 MESSAGES=200000 by default)
//   ROUNDS=3 MESSAGES=100000 npm run bench
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, cpus, totalmem } from 'node:os';
import { MockCluster, PROJECT_ROOT } from '../src/cli/mock-cluster.js';
import { makeCa, makeLeaf } from '../src/cli/pki.js';
import { CredentialStore } from '../src/auth/credentials.js';
import { makeCredential } from '../src/auth/scram.js';
import { freePortBlock } from '../test/helpers/ports.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const MESSAGES = Number(process.env.MESSAGES ?? 200_000);
const LAT_COUNT = Number(process.env.LAT_COUNT ?? 3000);
const LAT_RATE = Number(process.env.LAT_RATE ?? 1000);
const POOL_MODE = process.env.POOL_MODE ?? 'pooled';
const BENCH = join(PROJECT_ROOT, 'build', 'warden-bench');
const PARTITIONS = 12;
/** The mock keeps a few MB per partition: the consume topic spreads its data over many. */
const CONSUME_PARTITIONS = 48;
const CONSUME_MESSAGES = Number(process.env.CONSUME_MESSAGES ?? 200_000);

interface Result {
  mode: string;
  msgsPerSec?: number;
  mbPerSec?: number;
  p50us?: number;
  p90us?: number;
  p99us?: number;
  errors?: number;
  messages?: number;
}

function run(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(BENCH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`warden-bench ${args[0]} exited ${code}: ${err.slice(-500)}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as Result);
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface ProxyHandle {
  addr: string;
  /** SASL_SSL bootstrap and the kcat/librdkafka settings to log in there. */
  secure: string;
  secureArgs: string[];
  user: string;
  password: string;
  caFile: string;
  stop: () => Promise<void>;
}

async function startProxy(bootstrap: string[]): Promise<ProxyHandle> {
  const base = await freePortBlock(60);
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const cfg = join(dir, 'bench.yaml');
  const ca = await makeCa();
  const leaf = await makeLeaf(ca, [['CN', 'localhost']], 'server');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  writeFileSync(join(dir, 'server.pem'), leaf.cert);
  writeFileSync(join(dir, 'server.key'), leaf.key);
  const store = new CredentialStore(join(dir, 'users.yaml'));
  store.set('bench', 'SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', 'bench-password'));
  store.save();
  writeFileSync(
    cfg,
    [
      'upstream:',
      `  bootstrap: [${bootstrap.map((b) => `"${b}"`).join(', ')}]`,
      `  pool: { mode: ${POOL_MODE}, maxConnectionsPerBroker: 4 }`,
      'listeners:',
      '  - name: plain',
      '    securityProtocol: PLAINTEXT',
      '    host: 127.0.0.1',
      `    port: ${base}`,
      `    brokerPortBase: ${base + 10}`,
      '    advertisedHost: 127.0.0.1',
      '  - name: secure',
      '    securityProtocol: SASL_SSL',
      '    host: 127.0.0.1',
      `    port: ${base + 30}`,
      `    brokerPortBase: ${base + 40}`,
      '    advertisedHost: localhost',
      `    tls: { certFile: ${join(dir, 'server.pem')}, keyFile: ${join(dir, 'server.key')} }`,
      '    sasl: { mechanisms: [SCRAM-SHA-512] }',
      `auth: { credentialsFile: ${join(dir, 'users.yaml')} }`,
      'logging: { level: warn }',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'cli', 'main.js'), 'serve', '--config', cfg], { stdio: ['ignore', 'inherit', 'inherit'] });
  const addr = `127.0.0.1:${base}`;
  // Ready when Metadata through it works.
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      execFileSync('kcat', ['-b', addr, '-L', '-m', '2'], { stdio: 'ignore' });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('proxy did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    addr,
    secure: `localhost:${base + 30}`,
    secureArgs: ['-X', 'security.protocol=SASL_SSL', '-X', 'sasl.mechanisms=SCRAM-SHA-512', '-X', 'sasl.username=bench', '-X', 'sasl.password=bench-password', '-X', `ssl.ca.location=${caFile}`],
    user: 'bench',
    password: 'bench-password',
    caFile,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function setupRate(proxy: ProxyHandle): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'setup-rate.ts'), proxy.secure, proxy.user, proxy.password, proxy.caFile, '3', '8'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve((JSON.parse(out) as { setupsPerSec: number }).setupsPerSec) : reject(new Error(`setup-rate exited ${code}`))));
  });
}

async function main() {
  const cluster = await MockCluster.start({ brokers: 3, topics: { bench: PARTITIONS, lat: 1, cons: CONSUME_PARTITIONS } });
  for (let p = 0; p < PARTITIONS; p++) await cluster.command(`leader bench ${p} ${(p % 3) + 1}`);
  const proxy = await startProxy(cluster.brokers);
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
      const pr = await run(['produce', '--brokers', addr, '--topic', 'bench', '--size', '1024', '--count', String(MESSAGES), '--acks', '1', '--linger-ms', '5', ...extra]);
      produce[name]!.push(pr.msgsPerSec!);
      produceMb[name]!.push(pr.mbPerSec!);
      const cr = await run(['consume', '--brokers', addr, '--topic', 'cons', '--count', String(consumeCount), ...extra]);
      consume[name]!.push(cr.msgsPerSec!);
      const lr = await run(['latency', '--brokers', addr, '--topic', 'lat', '--size', '1024', '--rate', String(LAT_RATE), '--count', String(LAT_COUNT), ...extra]);
      p50[name]!.push(lr.p50us!);
      p99[name]!.push(lr.p99us!);
      process.stderr.write(`round ${round + 1}/${ROUNDS} ${name}: produce ${Math.round(pr.msgsPerSec!)} msg/s, consume ${Math.round(cr.msgsPerSec!)} msg/s, p50 ${lr.p50us} us, p99 ${lr.p99us} us\n`);
    }
    setups.push(await setupRate(proxy));
    process.stderr.write(`round ${round + 1}/${ROUNDS} TLS+SCRAM setups: ${Math.round(setups[setups.length - 1]!)}/s\n`);
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
  const lat = (label: string, x: Record<string, number[]>) => `| ${label} | ${fmt(m(x.direct!))} | ${fmt(m(x.proxy!))} | ${fmt(m(x.secure!))} | +${fmt(m(x.proxy!) - m(x.direct!))} us | +${fmt(m(x.secure!) - m(x.proxy!))} us |`;
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
  const file = join(PROJECT_ROOT, 'bench', 'BENCHMARKS.md');
  let doc: string;
  try {
    doc = readFileSync(file, 'utf8');
  } catch {
    doc = '# Benchmarks\n\n';
  }
  const marker = `## End to end: direct vs through kafka-warden (${POOL_MODE} upstream)`;
  const start = doc.indexOf(marker);
  if (start >= 0) {
    // Only this generated section is replaced; other sections (the analyses) stay.
    const next = doc.indexOf('\n## ', start + marker.length);
    doc = doc.slice(0, start) + section + (next >= 0 ? doc.slice(next + 1) : '');
  } else {
    doc = `${doc.trimEnd()}\n\n${section}`;
  }
  writeFileSync(file, doc);
  process.stdout.write(section);
}

await main();
