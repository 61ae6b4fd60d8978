// End to end on a real Apache Kafka broker: direct vs kafka-warden (PLAINTEXT, SASL_SSL) vs the
// other proxies (Kroxylicious, grepplabs kafka-proxy; fetched by bench/proxies/fetch.sh), with
// Kafka's own perf tools and our librdkafka driver, in one run. Medians over interleaved rounds,
// ratios to direct, added latency, each proxy's CPU per message; writes bench/BENCHMARKS.md.
//
//   npm run bench -- real-kafka
//   ROUNDS=5 RECORDS=300000 CONSUME_RECORDS=300000 LAT_RATE=1000 LAT_COUNT=5000 TARGETS=direct,warden npm run bench -- real-kafka
import { writeSection } from './common.js';
import { runBench } from './real-kafka/harness.js';
import { BEFORE_AFTER_HEADING, HEADING, report } from './real-kafka/report.js';
import { ALL_TARGETS, type TargetName } from './real-kafka/targets.js';
import type { WorkloadName } from './real-kafka/workloads.js';

const env = (k: string, d: number) => Number(process.env[k] ?? d);
const opts = {
  rounds: env('ROUNDS', 5),
  records: env('RECORDS', 300_000),
  consumeRecords: env('CONSUME_RECORDS', 300_000),
  latRate: env('LAT_RATE', 1000),
  latCount: env('LAT_COUNT', 5000),
  targets: (process.env.TARGETS?.split(',') as TargetName[] | undefined) ?? ALL_TARGETS,
  // A subset, e.g. WORKLOADS=rdkafka-consume to profile one (WARDEN_PROFILE_DIR=dir: see common.ts).
  workloads: process.env.WORKLOADS?.split(',') as WorkloadName[] | undefined,
  // BASELINE=/copy/of/an/older/dist/cli/main.js TARGETS=direct,baseline,warden: before/after.
  baselineMainJs: process.env.BASELINE,
};

const result = await runBench({ ...opts, log: (l) => process.stderr.write(`${l}\n`) });
// A baseline run has a section of its own, named by SECTION (one per change measured, so that a new
// before/after run does not overwrite an earlier one); a subset of the workloads without one is for
// a look (a profile) and is not written.
const beforeAfter = process.env.SECTION ? `## ${process.env.SECTION}` : BEFORE_AFTER_HEADING;
const heading = opts.baselineMainJs ? beforeAfter : opts.workloads ? null : HEADING;
const section = report(result, opts, heading ?? HEADING);
if (heading) writeSection(heading, section);
process.stdout.write(section);
