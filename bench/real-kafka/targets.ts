// What bench/real-kafka.ts measures against: a real Apache Kafka broker reached directly, through
// kafka-warden (PLAINTEXT and SASL_SSL) and through the other proxies as plain pass-through
// proxies (Kroxylicious, grepplabs kafka-proxy; fetched and built by bench/proxies/fetch.sh into
// .cache/bench-proxies, skipped when they could not be had).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { KafkaCluster } from '../../src/demo/kafka-cluster.js';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { freePortBlock } from '../../test/helpers/ports.js';
import { startProxy, type ProxyHandle } from '../common.js';

export type TargetName =
  'direct' | 'warden' | 'warden-sasl' | 'kroxylicious' | 'kafka-proxy' | 'baseline' | 'baseline-sasl';
export const ALL_TARGETS: TargetName[] = ['direct', 'warden', 'warden-sasl', 'kroxylicious', 'kafka-proxy'];

export const TARGET_LABELS: Record<TargetName, string> = {
  direct: 'direct (PLAINTEXT)',
  warden: 'kafka-warden PLAINTEXT',
  'warden-sasl': 'kafka-warden SASL_SSL (SCRAM-SHA-512)',
  kroxylicious: 'Kroxylicious PLAINTEXT',
  'kafka-proxy': 'grepplabs kafka-proxy PLAINTEXT',
  baseline: 'kafka-warden baseline build PLAINTEXT',
  'baseline-sasl': 'kafka-warden baseline build SASL_SSL',
};

export interface Target {
  name: TargetName;
  bootstrap: string;
  /** librdkafka properties (warden-bench -X pairs) to connect there. */
  rdkafka: string[];
  /** Java client properties to connect there (besides bootstrap.servers). */
  java: Record<string, string>;
  /** The proxy's process id, for its CPU time (none for direct). */
  pid?: number;
}

/** JVM flags for the broker and the Java tools in a benchmark: G1 and the full JIT (C1 + C2). */
export const BENCH_JVM = ['-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35'];

/** A single-node Kafka with the full JIT and 1 GiB of heap (not the quick-start flags of tests). */
export function startBroker(): Promise<KafkaCluster> {
  return KafkaCluster.start({ nodes: 1, heapMb: 1024, jvmArgs: BENCH_JVM });
}

export function directTarget(cluster: KafkaCluster): Target {
  return { name: 'direct', bootstrap: cluster.bootstrap, rdkafka: [], java: {} };
}

/** The PLAINTEXT and SASL_SSL targets of one kafka-warden process (named `prefix`, `prefix`-sasl). */
export function wardenTargets(proxy: ProxyHandle, prefix: 'warden' | 'baseline' = 'warden'): Target[] {
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${proxy.user}" password="${proxy.password}";`;
  return [
    { name: prefix, bootstrap: proxy.addr, rdkafka: [], java: {}, pid: proxy.pid },
    {
      name: `${prefix}-sasl`,
      bootstrap: proxy.secure,
      rdkafka: proxy.secureArgs.filter((a) => a !== '-X'),
      java: {
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'SCRAM-SHA-512',
        'sasl.jaas.config': jaas,
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': proxy.caFile,
      },
      pid: proxy.pid,
    },
  ];
}

export { startProxy };

export interface ExternalProxy {
  target: Target;
  stop: () => Promise<void>;
}

/** What bench/proxies/fetch.sh made ready: name -> path (the folder or the binary). */
export function readyProxies(): Record<string, string> {
  const status = join(PROJECT_ROOT, '.cache', 'bench-proxies', 'STATUS');
  if (!existsSync(status)) return {};
  return Object.fromEntries(
    readFileSync(status, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('=', 2) as [string, string]),
  );
}

/** Runs bench/proxies/fetch.sh (idempotent): its progress goes to stderr. */
export function fetchProxies(): Record<string, string> {
  spawnSync('bash', [join(PROJECT_ROOT, 'bench', 'proxies', 'fetch.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  return readyProxies();
}

const KROXYLICIOUS_JAVA_HOME = process.env.KROXYLICIOUS_JAVA_HOME ?? '/usr/lib/jvm/temurin-25-jdk-amd64';

/**
 * Kroxylicious as a plain pass-through proxy: one virtual cluster, no filters, a port-per-broker
 * gateway (bootstrap on one port, node N on the next ones), same JVM flags and heap as the broker.
 */
export async function startKroxylicious(dir: string, upstream: string): Promise<ExternalProxy> {
  const base = await freePortBlock(8);
  const work = mkdtempSync(join(tmpdir(), 'bench-kroxylicious-'));
  const cfg = join(work, 'config.yaml');
  writeFileSync(
    cfg,
    [
      'virtualClusters:',
      '  - name: bench',
      '    targetCluster:',
      `      bootstrapServers: ${upstream}`,
      '    gateways:',
      '      - name: plain',
      '        portIdentifiesNode:',
      `          bootstrapAddress: 127.0.0.1:${base}`,
      `          nodeStartPort: ${base + 1}`,
      '',
    ].join('\n'),
  );
  const child = spawn(
    join(KROXYLICIOUS_JAVA_HOME, 'bin', 'java'),
    [
      '-Xmx1024m',
      '-Xms128m',
      ...BENCH_JVM,
      '--enable-native-access=ALL-UNNAMED',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      `${join(dir, 'libs')}/*:${join(dir, 'classes')}`,
      'KroxyliciousMain',
      '-c',
      cfg,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return external('kroxylicious', `127.0.0.1:${base}`, child);
}

/** grepplabs kafka-proxy as a plain pass-through proxy: one mapping for the single broker. */
export async function startKafkaProxy(binary: string, upstream: string): Promise<ExternalProxy> {
  const base = await freePortBlock(4);
  const local = `127.0.0.1:${base}`;
  const child = spawn(
    binary,
    [
      'server',
      '--bootstrap-server-mapping',
      `${upstream},${local}`,
      '--http-listen-address',
      `127.0.0.1:${base + 1}`,
      '--log-level',
      'warning',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return external('kafka-proxy', local, child);
}

async function external(name: TargetName, bootstrap: string, child: ChildProcess): Promise<ExternalProxy> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  // Ready when Metadata through it works (the JVM takes a few seconds).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) while starting`);
    if (spawnSync('kcat', ['-b', bootstrap, '-L', '-m', '2'], { stdio: 'ignore' }).status === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not start within 60 s`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { target: { name, bootstrap, rdkafka: [], java: {}, pid: child.pid! }, stop };
}
