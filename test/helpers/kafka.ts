// Real Apache Kafka for tests: a cluster per test file (kept with its logs when the file fails),
// Kafka's own command-line tools and the Java client, run as child processes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { KafkaCluster, ensureKafkaJars, javaBinary, type KafkaClusterOptions } from '../../src/demo/kafka-cluster.js';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';

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
export function runJavaMain(
  mainClass: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; classpath?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<JavaResult> {
  const libs = ensureKafkaJars();
  const cp = [...(opts.classpath ?? []), `${libs}/*`].join(':');
  // C1 only and a small heap: the tools and short client programs start in about a second.
  const child = spawn(
    javaBinary(),
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      `-Dlog4j2.configurationFile=${toolLog4j()}`,
      '-cp',
      cp,
      mainClass,
      ...args,
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    },
  );
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
export function kafkaTool(
  name: keyof typeof TOOLS,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<JavaResult> {
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
  writeFileSync(
    log4j,
    'Configuration:\n  Appenders:\n    Console:\n      name: STDERR\n      target: SYSTEM_ERR\n      PatternLayout:\n        pattern: "%p %m (%c)%n"\n  Loggers:\n    Root:\n      level: WARN\n      AppenderRef:\n        - ref: STDERR\n',
  );
  return log4j;
}

let propsCount = 0;
/** Writes a Java client properties file (`--command-config`, `--producer.config`, ...). */
export function clientProperties(props: Record<string, string | number | boolean>): string {
  const file = join(tmpDir(), `client-${++propsCount}.properties`);
  writeFileSync(
    file,
    Object.entries(props)
      .map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\')}`)
      .join('\n') + '\n',
  );
  return file;
}

/** The JAAS line for a SASL login, as Java clients take it in `sasl.jaas.config`. */
export function jaas(mechanism: string, user: string, password: string): string {
  const module =
    mechanism === 'PLAIN'
      ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
      : 'org.apache.kafka.common.security.scram.ScramLoginModule';
  return `${module} required username="${user}" password="${password}";`;
}

/** build/java-clients: our Java test programs (test/clients/java), built by scripts/build-test-clients.sh. */
export const JAVA_CLIENTS = join(PROJECT_ROOT, 'build', 'java-clients');

/** Runs one of our Java test programs (a class in test/clients/java). */
export function javaClient(
  mainClass: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<JavaResult> {
  return runJavaMain(mainClass, args, { ...opts, classpath: [JAVA_CLIENTS] });
}

export interface LongJavaClient {
  child: ChildProcessWithoutNullStreams;
  /** Every JSON line printed on stdout so far, parsed. */
  lines: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves once a line matching `pred` has been printed (rejects after `timeoutMs`). */
  waitFor(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<Record<string, unknown>>;
  /** Closes stdin (the program's signal to stop) and waits for its exit; SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL, as a crash, and waits for the exit. */
  kill(): Promise<void>;
  /** SIGKILL, as a crash, and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts one of our Java test programs as a long-lived child whose stdout is JSON lines and which
 * stops when its stdin closes; killed after `maxMs` in any case.
 */
export function startJavaClient(mainClass: string, args: string[], opts: { maxMs?: number } = {}): LongJavaClient {
  const libs = ensureKafkaJars();
  const child = spawn(
    javaBinary(),
    [
      '-Xmx192m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xshare:auto',
      `-Dlog4j2.configurationFile=${toolLog4j()}`,
      '-cp',
      `${JAVA_CLIENTS}:${libs}/*`,
      mainClass,
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  let partial = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    partial += c.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      if (!p.trim()) continue;
      let l: Record<string, unknown>;
      try {
        l = JSON.parse(p) as Record<string, unknown>;
      } catch {
        l = { text: p };
      }
      lines.push(l);
      for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.pred(l)) waiters.splice(i, 1)[0]!.resolve(l);
    }
  });
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-100_000)));
  child.stdin.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.maxMs ?? 300_000);
  void exited.then(() => clearTimeout(killer));
  return {
    child,
    lines,
    stderr: () => err,
    waitFor(pred, timeoutMs, what) {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (l: Record<string, unknown>) => (clearTimeout(timer), resolve(l)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(
            new Error(`${mainClass} ${args[0] ?? ''}: no ${what} within ${timeoutMs} ms; stderr: ${err.slice(-1500)}`),
          );
        }, timeoutMs);
        waiters.push(w);
        void exited.then(() => {
          if (!waiters.includes(w)) return;
          waiters.splice(waiters.indexOf(w), 1);
          clearTimeout(timer);
          reject(new Error(`${mainClass} ${args[0] ?? ''} exited before ${what}; stderr: ${err.slice(-1500)}`));
        });
      });
    },
    async stop(graceMs = 30_000) {
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
