// Renders a bench/real-kafka.ts run as the Markdown section of bench/BENCHMARKS.md.
import { cpus, totalmem } from 'node:os';
import { median } from '../common.js';
import type { BenchResult, Sample } from './harness.js';
import { ALL_TARGETS, TARGET_LABELS, type TargetName } from './targets.js';
import type { Sizes, WorkloadName } from './workloads.js';

export const HEADING = '## Real Apache Kafka: direct vs kafka-warden vs other proxies (issue 11)';
/** A run with a baseline build (BASELINE=...): the before/after figures of a change. */
export const BEFORE_AFTER_HEADING = '## Real Apache Kafka: kafka-warden before/after (issue 11)';

export interface ReportOptions extends Sizes {
  rounds: number;
  targets: TargetName[];
  workloads?: WorkloadName[] | undefined;
  baselineMainJs?: string | undefined;
}

const THROUGHPUT: Array<[WorkloadName, string]> = [
  ['java-produce', 'kafka-producer-perf-test, 1 KiB, acks=1, linger 5 ms (msg/s)'],
  ['java-consume', 'kafka-consumer-perf-test, 1 KiB (fetch msg/s)'],
  ['rdkafka-produce', 'warden-bench produce, 1 KiB, acks=1, linger 5 ms (msg/s)'],
  ['rdkafka-consume', 'warden-bench consume, 1 KiB (msg/s)'],
];
const LATENCY: Array<[WorkloadName, string]> = [
  ['rdkafka-latency', 'warden-bench'],
  ['java-latency', 'kafka-producer-perf-test'],
];

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const signed = (n: number) => (n < 0 ? `-${fmt(-n)}` : `+${fmt(n)}`);

/** The BENCHMARKS.md section for one run: throughput and ratios, latency added, CPU per message, per-round figures. */
export function report(r: BenchResult, opts: ReportOptions, heading = HEADING): string {
  const ts = r.targets;
  const get = (w: WorkloadName, t: TargetName) => r.samples[w]?.[t] ?? [];
  const med = (w: WorkloadName, t: TargetName, f: (s: Sample) => number | undefined) =>
    median(
      get(w, t)
        .map((s) => f(s)!)
        .filter((x) => x !== undefined),
    );
  const header = (cols: string[]) => [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`];
  const others = ts.filter((t) => t !== 'direct');
  // Ratios and differences are taken round by round (a target against direct in the same round,
  // minutes apart at most) and then their median: the machine's load drifts between rounds.
  const paired = (w: WorkloadName, t: TargetName, f: (s: Sample) => number, op: (x: number, d: number) => number) =>
    median(get(w, t).map((s, i) => op(f(s), f(get(w, 'direct')[i]!))));

  const tput = [
    ...header(['workload', ...ts.map((t) => TARGET_LABELS[t]), ...others.map((t) => `${t} vs direct`)]),
    ...THROUGHPUT.filter(([w]) => r.samples[w]).map(([w, label]) => {
      const ratio = (t: TargetName) =>
        paired(
          w,
          t,
          (s) => s.msgsPerSec!,
          (x, d) => x / d,
        );
      return `| ${label} | ${ts.map((t) => fmt(med(w, t, (s) => s.msgsPerSec))).join(' | ')} | ${others.map((t) => `${ratio(t).toFixed(2)}x`).join(' | ')} |`;
    }),
  ];
  const lat = [
    ...header(['driver, percentile (us)', ...ts.map((t) => TARGET_LABELS[t]), ...others.map((t) => `${t} added`)]),
    ...LATENCY.filter(([w]) => r.samples[w]).flatMap(([w, label]) =>
      (['p50us', 'p99us'] as const).map((p) => {
        const added = (t: TargetName) =>
          paired(
            w,
            t,
            (s) => s[p]!,
            (x, d) => x - d,
          );
        return `| ${label} ${p.slice(0, 3)} | ${ts.map((t) => fmt(med(w, t, (s) => s[p]))).join(' | ')} | ${others.map((t) => `${signed(added(t))} us`).join(' | ')} |`;
      }),
    ),
  ];
  const cpu = [
    ...header([
      'workload',
      ...others.map((t) => `${TARGET_LABELS[t]} us/msg`),
      ...ts.map((t) => `broker us/msg (${t})`),
    ]),
    ...THROUGHPUT.filter(([w]) => r.samples[w]).map(
      ([w, label]) =>
        `| ${label.replace(/ \(.*\)$/, '')} | ${others.map((t) => med(w, t, (s) => s.proxyCpuUs).toFixed(2)).join(' | ')} | ${ts.map((t) => med(w, t, (s) => s.brokerCpuUs).toFixed(2)).join(' | ')} |`,
    ),
  ];
  const perRound = [...THROUGHPUT, ...LATENCY]
    .filter(([w]) => r.samples[w])
    .map(([w]) => {
      const f = w.endsWith('latency')
        ? (s: Sample) => `${fmt(s.p50us!)}/${fmt(s.p99us!)}`
        : (s: Sample) => fmt(s.msgsPerSec!);
      return `- ${w}${w.endsWith('latency') ? ' (p50/p99 us)' : ' (msg/s)'}: ${ts.map((t) => `${t} ${get(w, t).map(f).join(', ')}`).join('; ')}`;
    });
  const cmd = `ROUNDS=${opts.rounds} RECORDS=${opts.records} CONSUME_RECORDS=${opts.consumeRecords} LAT_RATE=${opts.latRate} LAT_COUNT=${opts.latCount}${opts.targets.join(',') !== ALL_TARGETS.join(',') ? ` TARGETS=${opts.targets.join(',')}` : ''}${opts.workloads ? ` WORKLOADS=${opts.workloads.join(',')}` : ''}${opts.baselineMainJs ? ` BASELINE=${opts.baselineMainJs}` : ''} npm run bench -- real-kafka`;
  return [
    heading,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, shared with other sessions' tests.`,
    `Command: \`${cmd}\``,
    '',
    `One Apache Kafka ${r.kafkaVersion} node (KRaft, broker+controller, G1 and the full JIT, 1 GiB heap) on loopback; topics of 12 partitions`,
    `(produce, consume) and 1 (latency). Every produce run's records are checked against the broker's end offsets, every consume run`,
    `reads the whole consume topic (${opts.consumeRecords.toLocaleString('en-US')} records of 1 KiB, written once directly). Produce runs: ${opts.records.toLocaleString('en-US')} records.`,
    `Latency: ${opts.latCount.toLocaleString('en-US')} records of 1 KiB at ${opts.latRate}/s, acks=1, linger 0, from send to acknowledgement (warden-bench in us; the Java tool`,
    `reports whole milliseconds). The Java tools run with G1 and the full JIT; Kroxylicious on Temurin 25 with the same flags and heap.`,
    `Each of ${opts.rounds} rounds runs every workload on every target, the targets' order rotating each round; figures are medians over the rounds,`,
    'ratios to direct and added latency the medians of the per-round ratios and differences (each target against direct in the same round).',
    `The machine's 1-minute load average at the start of each round: ${r.load.map((l) => l.toFixed(1)).join(', ')} (${cpus().length} cores; other sessions' tests ran alongside).`,
    `Proxy CPU: utime+stime of the proxy process (/proc/PID/stat) over the run, divided by the records; the broker's the same way.`,
    ...(r.skipped.length ? ['', ...r.skipped.map((s) => `Not measured: ${TARGET_LABELS[s.name]}: ${s.why}.`)] : []),
    '',
    '### Throughput (medians, msg/s) and ratio to direct',
    '',
    ...tput,
    '',
    ...(lat.length > 2
      ? ["### Latency (medians of each run's percentile) and what each proxy adds", '', ...lat, '']
      : []),
    '### CPU per message: each proxy, and the broker behind it',
    '',
    ...cpu,
    '',
    'Per round:',
    '',
    ...perRound,
    '',
  ].join('\n');
}
