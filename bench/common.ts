// Shared by the end-to-end benchmarks: the librdkafka load driver and a kafka-warden `serve`
// process with a PLAINTEXT and a SASL_SSL listener.
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, tmpdir } from 'node:os';
import { PROJECT_ROOT } from '../src/demo/mock-cluster.js';
import { makeCa, makeLeaf } from '../src/demo/pki.js';
import { CredentialStore } from '../src/auth/credentials.js';
import { makeCredential } from '../src/auth/scram.js';
import { freePortBlock } from '../test/helpers/ports.js';

const BENCH = join(PROJECT_ROOT, 'build', 'warden-bench');

export interface Result {
  mode: string;
  msgsPerSec?: number;
  mbPerSec?: number;
  p50us?: number;
  p90us?: number;
  p99us?: number;
  errors?: number;
  messages?: number;
  /** The driver's own CPU seconds (produce, consume). */
  cpuSeconds?: number;
}

export function run(args: string[]): Promise<Result> {
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

/**
 * The produce run every end-to-end benchmark measures throughput with: `count` messages of 1 KiB,
 * acks=1, linger 5 ms, so that figures from different scenarios compare. `extra`: driver options
 * (a rate, the SASL_SSL settings).
 */
export function runProduce(brokers: string, count: number, extra: string[] = [], topic = 'bench'): Promise<Result> {
  return run([
    'produce',
    '--brokers',
    brokers,
    '--topic',
    topic,
    '--size',
    '1024',
    '--count',
    String(count),
    '--acks',
    '1',
    '--linger-ms',
    '5',
    ...extra,
  ]);
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface ProxyHandle {
  addr: string;
  /** SASL_SSL bootstrap and the kcat/librdkafka settings to log in there. */
  secure: string;
  secureArgs: string[];
  user: string;
  password: string;
  caFile: string;
  /** The proxy's process id (for its CPU time). */
  pid: number;
  stop: () => Promise<void>;
}

/**
 * CPU seconds of a process and of its children now alive (a supervisor and its workers), from
 * /proc. A child that has exited since the last reading takes its seconds with it.
 */
export function treeCpuSeconds(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // no children file (an old kernel): the process alone
  }
  return cpuSeconds(pid) + children.reduce((sum, c) => sum + cpuSeconds(c), 0);
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * Starts `kafka-warden serve`; `extraConfig` lines are appended to its YAML (e.g. an acl section);
 * `mainJs` runs another build (e.g. a copy of an older dist/, for a before/after comparison).
 */
export async function startProxy(
  bootstrap: string[],
  opts: {
    poolMode?: 'pooled' | 'dedicated';
    extraConfig?: string[];
    env?: Record<string, string>;
    mainJs?: string;
  } = {},
): Promise<ProxyHandle> {
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
      `  pool: { mode: ${opts.poolMode ?? 'pooled'}, maxConnectionsPerBroker: 4 }`,
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
      // One driver on one address opens every connection (the login-rate bench hundreds a second).
      'limits: { maxConnectionCreationRatePerIp: 0 }',
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  // WARDEN_PROFILE_DIR=/some/dir writes a V8 CPU profile of the proxy there when it stops.
  const profile = process.env.WARDEN_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.WARDEN_PROFILE_DIR}`]
    : [];
  // WARDEN_NODE_FLAGS="--trace-gc ..." passes extra V8/Node flags to the proxy process only.
  const flags = (process.env.WARDEN_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...flags, ...profile, opts.mainJs ?? join(PROJECT_ROOT, 'dist', 'cli', 'main.js'), 'serve', '--config', cfg],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { KAFKA_WARDEN_WORKERS: '1', ...process.env, ...opts.env } },
  );
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
    secureArgs: [
      '-X',
      'security.protocol=SASL_SSL',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-512',
      '-X',
      'sasl.username=bench',
      '-X',
      'sasl.password=bench-password',
      '-X',
      `ssl.ca.location=${caFile}`,
    ],
    user: 'bench',
    password: 'bench-password',
    caFile,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The line every section opens with: when, on what machine. */
export function measuredOn(): string {
  return `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), Node ${process.version}.`;
}

/** Writes a scenario's section into bench/BENCHMARKS.md and shows it. */
export function publish(heading: string, section: string): void {
  writeSection(heading, section);
  process.stdout.write(section);
}

/** Replaces (or appends) the section of bench/BENCHMARKS.md that starts with `heading`. */
export function writeSection(heading: string, section: string): void {
  const file = join(PROJECT_ROOT, 'bench', 'BENCHMARKS.md');
  let doc: string;
  try {
    doc = readFileSync(file, 'utf8');
  } catch {
    doc = '# Benchmarks\n\n';
  }
  const start = doc.indexOf(`\n${heading}\n`);
  if (start >= 0) {
    // Only this section is replaced; the others (and the analyses) stay.
    const next = doc.indexOf('\n## ', start + heading.length + 1);
    doc = doc.slice(0, start + 1) + (next >= 0 ? `${section.trimEnd()}\n\n${doc.slice(next + 1)}` : section);
  } else {
    doc = `${doc.trimEnd()}\n\n${section}`;
  }
  writeFileSync(file, doc);
}
