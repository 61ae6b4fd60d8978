// Real Apache Kafka for tests: a cluster per test file (kept with its logs when the file fails),
// Kafka's own command-line tools and the Java client, run as child processes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { KafkaCluster, ensureKafkaJars, javaBinary, type KafkaClusterOptions } from '../../src/cli/kafka-cluster.js';
import { PROJECT_ROOT } from '../../src/cli/mock-cluster.js';

export { KafkaCluster };

interface TapLike {
  teardown(fn: () => unknown): void;
  passing(): boolean;
  comment(...args: unknown[]): void;
}

/** A real cluster for the whole test file; stopped at its end, its folder kept if a test failed. */
export async function startKafka(t: TapLike, opts: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const cluster = await KafkaCluster.start(opts);
  t.teardown(async () => {
    const keep = !t.passing();
    await cluster.stop({ keep, graceMs: 3000 });
    if (!keep) return;
    // CI machines are gone after the run: the tail of each node's log goes into the test output.
    t.comment(`Kafka data and logs kept in ${cluster.dir}`);
    for (const n of cluster.nodes) t.comment(`node ${n.id} (${n.logFile}):\n${tailOf(n.logFile, 40)}`);
  });
  return cluster;
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Kafka's tools by the names of their bin/ scripts. */
export const TOOLS = {
  'kafka-topics': 'org.apache.kafka.tools.TopicCommand',
  'kafka-console-producer': 'org.apache.kafka.tools.ConsoleProducer',
  'kafka-console-consumer': 'org.apache.kafka.tools.consumer.ConsoleConsumer',
  'kafka-consumer-groups': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  'kafka-share-groups': 'org.apache.kafka.tools.consumer.group.ShareGroupCommand',
  'kafka-acls': 'org.apache.kafka.tools.AclCommand',
  'kafka-configs': 'org.apache.kafka.tools.ConfigCommand',
  'kafka-producer-perf-test': 'org.apache.kafka.tools.ProducerPerformance',
  'kafka-consumer-perf-test': 'org.apache.kafka.tools.ConsumerPerformance',
  'kafka-delete-records': 'org.apache.kafka.tools.DeleteRecordsCommand',
  'kafka-get-offsets': 'org.apache.kafka.tools.GetOffsetShell',
  'kafka-leader-election': 'org.apache.kafka.tools.LeaderElectionCommand',
  'kafka-log-dirs': 'org.apache.kafka.tools.LogDirsCommand',
  'kafka-transactions': 'org.apache.kafka.tools.TransactionsCommand',
  'kafka-metadata-quorum': 'org.apache.kafka.tools.MetadataQuorumCommand',
  'kafka-broker-api-versions': 'org.apache.kafka.tools.BrokerApiVersionsCommand',
} as const;

export interface JavaResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a Java main class on the Kafka classpath (plus `classpath`), with `input` on stdin, killed
 * after `timeoutMs`. Never throws for a non-zero exit: tests assert on code and output.
 */
export function runJavaMain(mainClass: string, args: string[], opts: { input?: string; timeoutMs?: number; classpath?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<JavaResult> {
  const libs = ensureKafkaJars();
  const cp = [...(opts.classpath ?? []), `${libs}/*`].join(':');
  // C1 only and a small heap: the tools and short client programs start in about a second.
  const child = spawn(javaBinary(), ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto', `-Dlog4j2.configurationFile=${toolLog4j()}`, '-cp', cp, mainClass, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.on('error', () => {});
  child.stdin.end(opts.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One of Kafka's tools, e.g. kafkaTool('kafka-topics', ['--bootstrap-server', b, '--list']). */
export function kafkaTool(name: keyof typeof TOOLS, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<JavaResult> {
  return runJavaMain(TOOLS[name], args, opts);
}

let tmp: string | null = null;
function tmpDir(): string {
  return (tmp ??= mkdtempSync(join(tmpdir(), 'warden-kafka-client-')));
}

let log4j: string | null = null;
/** Tools log warnings and errors only, to stderr, so that stdout is what the tool prints. */
function toolLog4j(): string {
  if (log4j) return log4j;
  log4j = join(tmpDir(), 'tools-log4j2.yaml');
  writeFileSync(log4j, 'Configuration:\n  Appenders:\n    Console:\n      name: STDERR\n      target: SYSTEM_ERR\n      PatternLayout:\n        pattern: "%p %m (%c)%n"\n  Loggers:\n    Root:\n      level: WARN\n      AppenderRef:\n        - ref: STDERR\n');
  return log4j;
}

let propsCount = 0;
/** Writes a Java client properties file (`--command-config`, `--producer.config`, ...). */
export function clientProperties(props: Record<string, string | number | boolean>): string {
  const file = join(tmpDir(), `client-${++propsCount}.properties`);
  writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\')}`).join('\n') + '\n');
  return file;
}

/** The JAAS line for a SASL login, as Java clients take it in `sasl.jaas.config`. */
export function jaas(mechanism: string, user: string, password: string): string {
  const module = mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return `${module} required username="${user}" password="${password}";`;
}

/** build/java-clients: our Java test programs (test/clients/java), built by scripts/build-test-clients.sh. */
export const JAVA_CLIENTS = join(PROJECT_ROOT, 'build', 'java-clients');

/** Runs one of our Java test programs (a class in test/clients/java). */
export function javaClient(mainClass: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<JavaResult> {
  return runJavaMain(mainClass, args, { ...opts, classpath: [JAVA_CLIENTS] });
}

/** A long-running Java program (one of ours): its stdout lines, and a way to stop or kill it. */
export interface JavaProcess {
  lines: string[];
  /** Resolves with the first stdout line matching `re` (rejects after `timeoutMs` or on exit). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Closes its stdin (our programs then finish cleanly) and waits for the exit. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  stderr(): string;
}

export function startJavaClient(mainClass: string, args: string[]): JavaProcess {
  const libs = ensureKafkaJars();
  const child = spawn(javaBinary(), ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${toolLog4j()}`, '-cp', `${JAVA_CLIENTS}:${libs}/*`, mainClass, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let err = '';
  let partial = '';
  let exited: Promise<number | null> | null = null;
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin.on('error', () => {});
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-200_000)));
  child.stdout.on('data', (c: Buffer) => {
    const parts = (partial + c.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
    for (const w of waiters) w();
  });
  const stopTimer = (ms: number) => setTimeout(() => child.kill('SIGKILL'), ms);
  return {
    lines,
    stderr: () => err,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find((l) => re.test(l));
          if (hit === undefined) return;
          done();
          resolve(hit);
        };
        const timer = setTimeout(() => (done(), reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`))), timeoutMs);
        const done = () => (clearTimeout(timer), waiters.delete(check));
        waiters.add(check);
        void exit.then(() => setImmediate(() => waiters.has(check) && (done(), reject(new Error(`${mainClass} exited before printing ${re}; stderr: ${err.slice(-2000)}`)))));
        check();
      });
    },
    stop(timeoutMs = 30_000) {
      if (exited) return exited;
      const timer = stopTimer(timeoutMs);
      child.stdin.end();
      return (exited = exit.finally(() => clearTimeout(timer)));
    },
    async kill() {
      child.kill('SIGKILL');
      exited ??= exit;
      await exit;
    },
  };
}
