// The real-Kafka benchmark harness: starts a broker and every target, runs each workload on each
// target round after round (the targets' order rotating every round, workload by workload, so
// that the machine's noise hits every target alike), checks that every record arrived, and
// samples each proxy's and the broker's CPU time around every run.
import { loadavg } from 'node:os';
import pino from 'pino';
import { KAFKA_VERSION, type KafkaCluster } from '../../src/demo/kafka-cluster.js';
import { UpstreamConnection } from '../../src/proxy/upstream.js';
import { request } from '../../src/proxy/upstream-request.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { cpuSeconds } from '../common.js';
import {
  directTarget,
  fetchProxies,
  startBroker,
  startKafkaProxy,
  startKroxylicious,
  startProxy,
  wardenTargets,
  type ExternalProxy,
  type Target,
  type TargetName,
} from './targets.js';
import { PARTITIONS, WORKLOADS, fillConsumeTopic, type Measured, type Sizes, type WorkloadName } from './workloads.js';

export interface BenchOptions extends Sizes {
  rounds: number;
  /** Which targets to run (those that cannot be had are left out and listed in `skipped`). */
  targets: TargetName[];
  workloads?: WorkloadName[];
  /** Another kafka-warden build (its dist/cli/main.js) for the targets 'baseline', 'baseline-sasl': before/after figures. */
  baselineMainJs?: string;
  log?: (line: string) => void;
}

export interface Sample extends Measured {
  /** By how much the topic's end offsets grew on the broker (producing workloads). */
  appended?: number;
  /** CPU microseconds per message of the proxy process (none for direct) and of the broker. */
  proxyCpuUs?: number;
  brokerCpuUs: number;
}

export interface BenchResult {
  targets: TargetName[];
  skipped: Array<{ name: TargetName; why: string }>;
  /** samples[workload][target]: one per round. */
  samples: Record<string, Record<string, Sample[]>>;
  kafkaVersion: string;
  /** The 1-minute load average at the start of each round (how noisy the machine was). */
  load: number[];
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => {});
  const cluster = await startBroker();
  const stops: Array<() => Promise<void>> = [];
  try {
    await cluster.createTopics(PARTITIONS);
    const brokerPid = cluster.nodes[0]!.process!.pid!;
    const { targets, skipped } = await startTargets(cluster, opts, stops, log);
    const direct = directTarget(cluster);
    await fillConsumeTopic(direct, opts.consumeRecords);
    // The broker's JIT warms up on a first produce run that no target is measured on.
    await WORKLOADS.find((w) => w.name === 'java-produce')!.run(direct, opts);
    const workloads = WORKLOADS.filter((w) => !opts.workloads || opts.workloads.includes(w.name));
    const samples: BenchResult['samples'] = {};
    const load: number[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      load.push(loadavg()[0]!);
      // Rotation: over as many rounds as targets, each target runs in every position once.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const w of workloads) {
        for (const t of order) {
          const before = w.produces ? await endOffset(cluster, w.produces) : 0;
          const proxy0 = t.pid ? cpuSeconds(t.pid) : 0;
          const broker0 = cpuSeconds(brokerPid);
          const m = await w.run(t, opts);
          const perMsg = (s: number) => (s / w.messages(opts)) * 1e6;
          const sample: Sample = { ...m, brokerCpuUs: perMsg(cpuSeconds(brokerPid) - broker0) };
          if (t.pid) sample.proxyCpuUs = perMsg(cpuSeconds(t.pid) - proxy0);
          if (w.produces) sample.appended = (await endOffset(cluster, w.produces)) - before;
          ((samples[w.name] ??= {})[t.name] ??= []).push(sample);
          log(`round ${round + 1}/${opts.rounds} ${w.name} ${t.name}: ${describe(sample)}`);
        }
      }
    }
    return { targets: targets.map((t) => t.name), skipped, samples, kafkaVersion: KAFKA_VERSION, load };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await cluster.stop();
  }
}

function describe(s: Sample): string {
  const parts = [`${s.records} records`];
  if (s.appended !== undefined) parts.push(`${s.appended} appended`);
  if (s.msgsPerSec !== undefined) parts.push(`${Math.round(s.msgsPerSec)} msg/s`);
  if (s.p50us !== undefined) parts.push(`p50 ${s.p50us} us, p99 ${s.p99us} us`);
  if (s.proxyCpuUs !== undefined) parts.push(`proxy ${s.proxyCpuUs.toFixed(2)} us CPU/msg`);
  parts.push(`broker ${s.brokerCpuUs.toFixed(2)} us CPU/msg`);
  return parts.join(', ');
}

async function startTargets(
  cluster: KafkaCluster,
  opts: BenchOptions,
  stops: Array<() => Promise<void>>,
  log: (l: string) => void,
) {
  const names = opts.targets;
  const targets: Target[] = [];
  const skipped: BenchResult['skipped'] = [];
  const upstream = cluster.brokers[0]!;
  if (names.includes('direct')) targets.push(directTarget(cluster));
  if (names.includes('warden') || names.includes('warden-sasl')) {
    const proxy = await startProxy(cluster.brokers);
    stops.push(() => proxy.stop());
    targets.push(...wardenTargets(proxy).filter((t) => names.includes(t.name)));
  }
  if (names.includes('baseline') || names.includes('baseline-sasl')) {
    if (!opts.baselineMainJs)
      throw new Error('the baseline targets need baselineMainJs (BASELINE=path/to/dist/cli/main.js)');
    const proxy = await startProxy(cluster.brokers, { mainJs: opts.baselineMainJs });
    stops.push(() => proxy.stop());
    targets.push(...wardenTargets(proxy, 'baseline').filter((t) => names.includes(t.name)));
  }
  const others = names.filter((n): n is 'kroxylicious' | 'kafka-proxy' => n === 'kroxylicious' || n === 'kafka-proxy');
  if (others.length) {
    const ready = fetchProxies();
    for (const name of others) {
      if (!ready[name]) {
        skipped.push({ name, why: 'bench/proxies/fetch.sh could not fetch or build it here' });
        continue;
      }
      let p: ExternalProxy;
      try {
        p =
          name === 'kroxylicious'
            ? await startKroxylicious(ready[name]!, upstream)
            : await startKafkaProxy(ready[name]!, upstream);
      } catch (e) {
        skipped.push({ name, why: (e as Error).message });
        continue;
      }
      stops.push(p.stop);
      targets.push(p.target);
    }
  }
  for (const s of skipped) log(`skipping ${s.name}: ${s.why}`);
  return { targets, skipped };
}

const silent = pino({ level: 'silent' });

/** The sum of the topic's end offsets, asked of the broker itself (ListOffsets, latest). */
export async function endOffset(cluster: KafkaCluster, topic: string): Promise<number> {
  const conn = new UpstreamConnection({ host: '127.0.0.1', port: cluster.nodes[0]!.ports.PLAINTEXT! }, silent, 2000);
  try {
    const partitions = Array.from({ length: PARTITIONS[topic as keyof typeof PARTITIONS] }, (_, i) => ({
      partitionIndex: i,
      currentLeaderEpoch: -1,
      timestamp: -1n,
      maxNumOffsets: 1,
    }));
    const body = { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions }], timeoutMs: 10_000 };
    const r = await request(conn, ApiKey.ListOffsets, 4, body, 10_000);
    let sum = 0;
    for (const p of r.topics[0]!.partitions) {
      if (p.errorCode !== 0) throw new Error(`ListOffsets ${topic}/${p.partitionIndex}: error ${p.errorCode}`);
      sum += Number(p.offset);
    }
    return sum;
  } finally {
    conn.close();
  }
}
