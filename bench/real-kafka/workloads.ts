// The workloads of bench/real-kafka.ts: Kafka's own perf tools (Java, full JIT) and our librdkafka
// driver (build/warden-bench). Each returns what it counted, so that the harness can check that
// every record arrived, and the throughput or the latency percentiles it measured.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ensureKafkaJars, javaBinary } from '../../src/demo/kafka-cluster.js';
import { run, runProduce } from '../common.js';
import { BENCH_JVM, type Target } from './targets.js';

export interface Measured {
  /** Records the tool counted (acknowledged or consumed). */
  records: number;
  msgsPerSec?: number;
  p50us?: number;
  p99us?: number;
}

export interface Sizes {
  /** Records per produce run (both drivers). */
  records: number;
  /** Records in the consume topic, read whole by every consume run. */
  consumeRecords: number;
  latRate: number;
  latCount: number;
}

export const TOPICS = { produce: 'bench', consume: 'cons', latency: 'lat' } as const;
export const PARTITIONS = { [TOPICS.produce]: 12, [TOPICS.consume]: 12, [TOPICS.latency]: 1 };

export type WorkloadName =
  'java-produce' | 'java-consume' | 'java-latency' | 'rdkafka-produce' | 'rdkafka-consume' | 'rdkafka-latency';

export interface Workload {
  name: WorkloadName;
  /** The topic it writes to (its end offsets must grow by `records`), if it produces. */
  produces?: string;
  /** Messages it moves, for CPU per message. */
  messages: (s: Sizes) => number;
  run: (t: Target, s: Sizes) => Promise<Measured>;
}

const rdArgs = (t: Target) => t.rdkafka.flatMap((kv) => ['-X', kv]);

export const WORKLOADS: Workload[] = [
  {
    name: 'java-produce',
    produces: TOPICS.produce,
    messages: (s) => s.records,
    run: (t, s) =>
      producerPerf(t, TOPICS.produce, s.records, -1, { acks: '1', 'linger.ms': '5', 'batch.size': '262144' }),
  },
  {
    name: 'java-latency',
    produces: TOPICS.latency,
    messages: (s) => s.latCount,
    // The first fifth (at most 1000) is the tool's warm-up (JIT, metadata): left out of its percentiles.
    run: (t, s) =>
      producerPerf(
        t,
        TOPICS.latency,
        s.latCount,
        s.latRate,
        { acks: '1', 'linger.ms': '0' },
        Math.min(1000, Math.floor(s.latCount / 5)),
      ),
  },
  {
    name: 'java-consume',
    messages: (s) => s.consumeRecords,
    run: (t, s) => consumerPerf(t, TOPICS.consume, s.consumeRecords),
  },
  {
    name: 'rdkafka-produce',
    produces: TOPICS.produce,
    messages: (s) => s.records,
    run: async (t, s) => {
      const r = await runProduce(t.bootstrap, s.records, rdArgs(t), TOPICS.produce);
      return { records: r.messages!, msgsPerSec: r.msgsPerSec! };
    },
  },
  {
    name: 'rdkafka-consume',
    messages: (s) => s.consumeRecords,
    run: async (t, s) => {
      const r = await run([
        'consume',
        '--brokers',
        t.bootstrap,
        '--topic',
        TOPICS.consume,
        '--count',
        String(s.consumeRecords),
        ...rdArgs(t),
      ]);
      return { records: r.messages!, msgsPerSec: r.msgsPerSec! };
    },
  },
  {
    name: 'rdkafka-latency',
    produces: TOPICS.latency,
    messages: (s) => s.latCount,
    run: async (t, s) => {
      const r = await run([
        'latency',
        '--brokers',
        t.bootstrap,
        '--topic',
        TOPICS.latency,
        '--size',
        '1024',
        '--rate',
        String(s.latRate),
        '--count',
        String(s.latCount),
        ...rdArgs(t),
      ]);
      // The driver leaves out its first 10 messages (warm-up) from the percentiles, not from the topic.
      return { records: (r as { count?: number }).count! + 10, p50us: r.p50us!, p99us: r.p99us! };
    },
  },
];

/** Fills the consume topic once, directly, with `records` messages of 1 KiB. */
export async function fillConsumeTopic(direct: Target, records: number): Promise<void> {
  await run([
    'produce',
    '--brokers',
    direct.bootstrap,
    '--topic',
    TOPICS.consume,
    '--size',
    '1024',
    '--count',
    String(records),
    '--acks',
    '1',
  ]);
}

/**
 * kafka-producer-perf-test: `rate` records/s (-1: as fast as it can). Its summary line:
 * "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th."
 */
async function producerPerf(
  t: Target,
  topic: string,
  records: number,
  rate: number,
  props: Record<string, string>,
  warmup = 0,
): Promise<Measured> {
  const args = [
    '--bootstrap-server',
    t.bootstrap,
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    '1024',
    '--throughput',
    String(rate),
    '--command-property',
    ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
  ];
  if (warmup > 0) args.push('--warmup-records', String(warmup));
  if (Object.keys(t.java).length) args.push('--command-config', propsFile(t.java));
  const out = await java('org.apache.kafka.tools.ProducerPerformance', args);
  // With --warmup-records a second line, "N steady state records sent, ...", leaves the warm-up out.
  const summary = (steady: boolean) =>
    new RegExp(
      `^(\\d+) ${steady ? 'steady state ' : ''}records sent, ([\\d.]+) records/sec \\([\\d.]+ MB/sec\\), [\\d.]+ ms avg latency, [\\d.]+ ms max latency, (\\d+) ms 50th, \\d+ ms 95th, (\\d+) ms 99th`,
      'm',
    ).exec(out);
  const all = summary(false);
  const m = warmup > 0 ? summary(true) : all;
  if (!all || !m) throw new Error(`kafka-producer-perf-test printed no summary:\n${out.slice(-2000)}`);
  return { records: Number(all[1]), msgsPerSec: Number(m[2]), p50us: Number(m[3]) * 1000, p99us: Number(m[4]) * 1000 };
}

/**
 * kafka-consumer-perf-test from the beginning of `topic`, a fresh group each run. Its CSV line:
 * start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
 * rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec. The rate reported is
 * fetch.nMsg.sec (without the group join, which is not what a proxy is measured on here).
 */
async function consumerPerf(t: Target, topic: string, records: number): Promise<Measured> {
  const args = [
    '--bootstrap-server',
    t.bootstrap,
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--timeout',
    '60000',
    '--group',
    `bench-${process.pid}-${++groups}`,
  ];
  if (Object.keys(t.java).length) args.push('--command-config', propsFile(t.java));
  const out = await java('org.apache.kafka.tools.ConsumerPerformance', args);
  const line = out.split('\n').find((l) => /^\d{4}-\d\d-\d\d /.test(l));
  const f = line?.split(',').map((x) => x.trim());
  if (!f || f.length < 10) throw new Error(`kafka-consumer-perf-test printed no result line:\n${out.slice(-2000)}`);
  return { records: Number(f[4]), msgsPerSec: Number(f[9]) };
}
let groups = 0;

let tmp: string | null = null;
let files = 0;
function propsFile(props: Record<string, string>): string {
  tmp ??= mkdtempSync(join(tmpdir(), 'bench-java-'));
  const file = join(tmp, `client-${++files}.properties`);
  writeFileSync(
    file,
    Object.entries(props)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
  return file;
}

/** Runs one of Kafka's tools with the full JIT; its stdout, or throws with its stderr. */
function java(mainClass: string, args: string[], timeoutMs = 180_000): Promise<string> {
  const libs = ensureKafkaJars();
  tmp ??= mkdtempSync(join(tmpdir(), 'bench-java-'));
  const log4j = join(tmp, 'log4j2.yaml');
  writeFileSync(
    log4j,
    'Configuration:\n  Appenders:\n    Console:\n      name: STDERR\n      target: SYSTEM_ERR\n      PatternLayout:\n        pattern: "%p %m (%c)%n"\n  Loggers:\n    Root:\n      level: WARN\n      AppenderRef:\n        - ref: STDERR\n',
  );
  const child = spawn(
    javaBinary(),
    ['-Xmx512m', ...BENCH_JVM, `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${libs}/*`, mainClass, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${mainClass} exited ${code}: ${stderr.slice(-2000)}`));
    });
  });
}
