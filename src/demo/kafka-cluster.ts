// A real Apache Kafka cluster on loopback (KRaft, combined broker+controller nodes, PLAINTEXT as
// our users' legacy clusters are), run from the jars scripts/fetch-kafka.sh gathers from Maven
// Central. For tests, benchmarks and `kafka-warden demo --kafka`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOG4J2_CONFIG } from './kafka-log4j.js';
import { PROJECT_ROOT } from './mock-cluster.js';
import { UpstreamConnection } from '../proxy/upstream.js';
import { request } from '../proxy/upstream-request.js';
import { ApiKey } from '../protocol/generated/index.js';

export const KAFKA_VERSION = process.env.KAFKA_VERSION ?? '4.4.0';
/** How long a node may take from launch to serving metadata with every broker in it. */
const READY_TIMEOUT_MS = 90_000;

/** The folder with the broker's and tools' runtime classpath (fetched on first use). */
export function kafkaLibDir(version = KAFKA_VERSION): string {
  return join(PROJECT_ROOT, '.cache', 'kafka', version, 'libs');
}

/** Fetches the jars unless they are cached; throws with the fetch script's output if it fails. */
export function ensureKafkaJars(version = KAFKA_VERSION): string {
  const dir = kafkaLibDir(version);
  if (existsSync(join(dir, '.complete'))) return dir;
  // The script's progress goes to our stderr: the first fetch takes a minute.
  const r = spawnSync('bash', [join(PROJECT_ROOT, 'scripts', 'fetch-kafka.sh'), version], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0)
    throw new Error(
      `fetching Apache Kafka ${version} from Maven Central failed (scripts/fetch-kafka.sh exited ${r.status ?? r.signal})`,
    );
  return dir;
}

/** The `java` binary: $KAFKA_JAVA_HOME, then $JAVA_HOME, then the one on PATH. */
export function javaBinary(javaHome = process.env.KAFKA_JAVA_HOME ?? process.env.JAVA_HOME): string {
  return javaHome ? join(javaHome, 'bin', 'java') : 'java';
}

/** A port free on 127.0.0.1 right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export type KafkaProps = Record<string, string | number | boolean>;

export interface KafkaListenerSpec {
  /** Listener name as Kafka spells it, e.g. SASL_PLAINTEXT or INTERNAL. */
  name: string;
  securityProtocol: 'PLAINTEXT' | 'SASL_PLAINTEXT' | 'SSL' | 'SASL_SSL';
}

export interface KafkaClusterOptions {
  /** 1 (default) or 3 combined broker+controller nodes. */
  nodes?: number;
  /** Extra broker properties, applied to every node after ours. */
  config?: KafkaProps;
  /** Listeners besides PLAINTEXT (the one clients and the proxy use) and CONTROLLER. */
  listeners?: KafkaListenerSpec[];
  /** SCRAM users created at format time: `kafka-storage format --add-scram` entries, e.g. `SCRAM-SHA-256=[name=alice,password=secret]`. */
  addScram?: string[];
  /** Heap for each node, MiB (default 512). */
  heapMb?: number;
  /** Extra JVM options (e.g. for benchmarks, none of the quick-start ones). */
  jvmArgs?: string[];
  /** Root folder for data and logs; default a new temporary folder. */
  dir?: string;
  version?: string;
}

export interface KafkaNode {
  id: number;
  /** Port of each listener by name (PLAINTEXT, CONTROLLER and the extra ones). */
  ports: Record<string, number>;
  dir: string;
  logFile: string;
  process: ChildProcess | null;
}

/** JVM flags that start a small broker quickly (C1 only, serial GC): tests and the demo. */
const QUICK_START_JVM = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto'];

export class KafkaCluster {
  readonly dir: string;
  readonly nodes: KafkaNode[];
  readonly clusterId: string;
  private readonly opts: KafkaClusterOptions;
  private readonly libs: string;
  private stopped = false;

  private constructor(opts: KafkaClusterOptions, dir: string, nodes: KafkaNode[], clusterId: string, libs: string) {
    this.opts = opts;
    this.dir = dir;
    this.nodes = nodes;
    this.clusterId = clusterId;
    this.libs = libs;
  }

  /** `host:port` of each node's PLAINTEXT listener. */
  get brokers(): string[] {
    return this.nodes.map((n) => `127.0.0.1:${n.ports.PLAINTEXT}`);
  }

  get bootstrap(): string {
    return this.brokers.join(',');
  }

  /** `host:port` of each node's listener `name`. */
  listener(name: string): string[] {
    return this.nodes.map((n) => `127.0.0.1:${n.ports[name]}`);
  }

  static async start(opts: KafkaClusterOptions = {}): Promise<KafkaCluster> {
    const libs = ensureKafkaJars(opts.version);
    const count = opts.nodes ?? 1;
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'warden-kafka-'));
    const nodes: KafkaNode[] = [];
    for (let id = 1; id <= count; id++) {
      const ports: Record<string, number> = { PLAINTEXT: await freePort(), CONTROLLER: await freePort() };
      for (const l of opts.listeners ?? []) ports[l.name] = await freePort();
      const nodeDir = join(dir, `node-${id}`);
      mkdirSync(nodeDir, { recursive: true });
      nodes.push({ id, ports, dir: nodeDir, logFile: join(nodeDir, 'server.log'), process: null });
    }
    const clusterId = runJava(libs, 'kafka.tools.StorageTool', ['random-uuid']).trim();
    const cluster = new KafkaCluster(opts, dir, nodes, clusterId, libs);
    writeFileSync(join(dir, 'log4j2.yaml'), LOG4J2_CONFIG);
    try {
      for (const n of nodes) {
        writeFileSync(join(n.dir, 'server.properties'), cluster.properties(n));
        const scram = (opts.addScram ?? []).flatMap((s) => ['--add-scram', s]);
        // Static voters (controller.quorum.voters), so no --standalone, one node or three.
        runJava(libs, 'kafka.tools.StorageTool', [
          'format',
          '-t',
          clusterId,
          '-c',
          join(n.dir, 'server.properties'),
          ...scram,
        ]);
      }
      for (const n of nodes) cluster.launch(n);
      await cluster.waitReady();
    } catch (e) {
      await cluster.stop({ keep: true });
      throw new Error(`${(e as Error).message} (logs in ${dir})`, { cause: e });
    }
    return cluster;
  }

  private properties(n: KafkaNode): string {
    const count = this.nodes.length;
    const extra = this.opts.listeners ?? [];
    const rf = Math.min(3, count);
    const props: KafkaProps = {
      'process.roles': 'broker,controller',
      'node.id': n.id,
      'controller.quorum.voters': this.nodes.map((v) => `${v.id}@127.0.0.1:${v.ports.CONTROLLER}`).join(','),
      listeners: [
        `PLAINTEXT://127.0.0.1:${n.ports.PLAINTEXT}`,
        `CONTROLLER://127.0.0.1:${n.ports.CONTROLLER}`,
        ...extra.map((l) => `${l.name}://127.0.0.1:${n.ports[l.name]}`),
      ].join(','),
      'advertised.listeners': [
        `PLAINTEXT://127.0.0.1:${n.ports.PLAINTEXT}`,
        ...extra.map((l) => `${l.name}://127.0.0.1:${n.ports[l.name]}`),
      ].join(','),
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': [
        'PLAINTEXT:PLAINTEXT',
        'CONTROLLER:PLAINTEXT',
        ...extra.map((l) => `${l.name}:${l.securityProtocol}`),
      ].join(','),
      'log.dirs': join(n.dir, 'data'),
      'num.partitions': 1,
      'default.replication.factor': rf,
      'min.insync.replicas': Math.min(2, rf),
      'offsets.topic.replication.factor': rf,
      'offsets.topic.num.partitions': 10,
      'transaction.state.log.replication.factor': rf,
      'transaction.state.log.min.isr': Math.min(2, rf),
      'transaction.state.log.num.partitions': 4,
      'share.coordinator.state.topic.replication.factor': rf,
      'share.coordinator.state.topic.min.isr': Math.min(2, rf),
      'share.coordinator.state.topic.num.partitions': 4,
      'group.initial.rebalance.delay.ms': 0,
      'group.share.enable': true,
      // Bounded disk: small segments, at most 256 MiB kept per partition.
      'log.segment.bytes': 16 * 1024 * 1024,
      'log.retention.bytes': 256 * 1024 * 1024,
      'log.retention.check.interval.ms': 30_000,
      'log.cleaner.dedupe.buffer.size': 8 * 1024 * 1024,
      'num.network.threads': 2,
      'num.io.threads': 4,
      ...this.opts.config,
    };
    return (
      Object.entries(props)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n') + '\n'
    );
  }

  private launch(n: KafkaNode): void {
    const heap = this.opts.heapMb ?? 512;
    const jvm = this.opts.jvmArgs ?? QUICK_START_JVM;
    const out = openSync(n.logFile, 'a');
    const child = spawn(
      javaBinary(),
      [
        `-Xmx${heap}m`,
        `-Xms${Math.min(heap, 128)}m`,
        ...jvm,
        `-Dlog4j2.configurationFile=${join(this.dir, 'log4j2.yaml')}`,
        `-Dkafka.logs.dir=${n.dir}`,
        '-cp',
        `${this.libs}/*`,
        'kafka.Kafka',
        join(n.dir, 'server.properties'),
      ],
      { stdio: ['ignore', out, out], detached: false },
    );
    closeSync(out);
    child.once('exit', (code, signal) => {
      if (n.process === child) n.process = null;
      appendFileSync(n.logFile, `\n[kafka-warden] node ${n.id} exited (${signal ?? code})\n`);
    });
    n.process = child;
  }

  /** Resolves when every running node serves metadata listing every running node. */
  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const end = Date.now() + timeoutMs;
    const running = this.nodes.filter((n) => n.process);
    for (const n of running) {
      for (;;) {
        if (!n.process) throw new Error(`Kafka node ${n.id} exited while starting: ${tail(n.logFile)}`);
        if (Date.now() > end)
          throw new Error(`Kafka node ${n.id} did not become ready within ${timeoutMs} ms: ${tail(n.logFile)}`);
        const ids = await brokerIds(n.ports.PLAINTEXT!).catch(() => null);
        if (ids && running.every((r) => ids.includes(r.id))) break;
        await sleep(200);
      }
    }
  }

  /**
   * Creates topics (name -> partitions) with the cluster's default replication factor, straight
   * on a broker; a topic that exists already is fine.
   */
  async createTopics(topics: Record<string, number>, configs: Record<string, string> = {}): Promise<void> {
    const node = this.nodes.find((n) => n.process);
    if (!node) throw new Error('no Kafka node is running');
    const conn = new UpstreamConnection({ host: '127.0.0.1', port: node.ports.PLAINTEXT! }, silentLog, 2000);
    try {
      const body = {
        topics: Object.entries(topics).map(([name, numPartitions]) => ({
          name,
          numPartitions,
          replicationFactor: -1,
          assignments: [],
          configs: Object.entries(configs).map(([k, value]) => ({ name: k, value })),
        })),
        timeoutMs: 30_000,
        validateOnly: false,
      };
      const r = await request(conn, ApiKey.CreateTopics, 5, body, 35_000);
      const TOPIC_ALREADY_EXISTS = 36;
      const failed = r.topics.filter((t) => t.errorCode !== 0 && t.errorCode !== TOPIC_ALREADY_EXISTS);
      if (failed.length)
        throw new Error(
          `creating topics failed: ${failed.map((t) => `${t.name}: ${t.errorCode} ${t.errorMessage ?? ''}`).join('; ')}`,
        );
    } finally {
      conn.close();
    }
  }

  node(id: number): KafkaNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no Kafka node ${id}`);
    return n;
  }

  /** Stops one node with a signal (SIGKILL for a crash, SIGTERM for a controlled shutdown). */
  async killNode(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const n = this.node(id);
    const child = n.process;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  /** Starts a stopped node again on the same ports and data, and waits until the cluster is whole. */
  async startNode(id: number): Promise<void> {
    const n = this.node(id);
    if (n.process) return;
    this.launch(n);
    await this.waitReady();
  }

  async restartNode(id: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.killNode(id, signal);
    await this.startNode(id);
  }

  /**
   * Stops every node (a controlled shutdown, then SIGKILL after `graceMs`) and deletes the data,
   * unless `keep` (a failed test keeps it to read the logs).
   */
  async stop(opts: { keep?: boolean; graceMs?: number } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(
      this.nodes.map(async (n) => {
        const child = n.process;
        if (!child) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.graceMs ?? 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
    if (!opts.keep && !this.opts.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs a Java main class from the Kafka classpath to completion; its stdout, or throws. */
export function runJava(libs: string, mainClass: string, args: string[], timeoutMs = 60_000): string {
  const r = spawnSync(javaBinary(), ['-Xmx256m', ...QUICK_START_JVM, '-cp', `${libs}/*`, mainClass, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.status !== 0)
    throw new Error(`${mainClass} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** The broker ids a node's Metadata response lists. */
async function brokerIds(port: number): Promise<number[]> {
  const conn = new UpstreamConnection({ host: '127.0.0.1', port }, silentLog, 1000);
  try {
    const r = await request(
      conn,
      ApiKey.Metadata,
      1,
      {
        topics: [],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      },
      2000,
    );
    return r.brokers.map((b) => b.nodeId);
  } finally {
    conn.close();
  }
}

const silentLog = pino({ level: 'silent' });

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
