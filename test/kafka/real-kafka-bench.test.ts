// The real-Kafka benchmark harness (bench/real-kafka.ts) in a tiny configuration: one round of
// every workload (Kafka's perf tools, our librdkafka driver) on a real broker directly and through
// kafka-warden over PLAINTEXT and SASL_SSL. No timing is asserted, only that the harness works
// end to end: every record counted by each tool, every produced record on the broker, CPU sampled
// where a proxy runs, and the report rendered. The other proxies need Temurin and Maven/Go
// fetches and stay out of this test.
import t from 'tap';
import { runBench } from '../../bench/real-kafka/harness.js';
import { report } from '../../bench/real-kafka/report.js';
import { WORKLOADS } from '../../bench/real-kafka/workloads.js';
import type { TargetName } from '../../bench/real-kafka/targets.js';

const sizes = { records: 5000, consumeRecords: 5000, latRate: 500, latCount: 200 };
const targets: TargetName[] = ['direct', 'warden', 'warden-sasl'];
const opts = { rounds: 1, targets, ...sizes };
const result = await runBench(opts);

t.test('every target ran, none skipped', async (t) => {
  t.same(result.targets, targets);
  t.same(result.skipped, []);
  t.equal(result.load.length, 1, 'the load average of each round is kept');
});

for (const w of WORKLOADS) {
  t.test(`${w.name}: every record counted on every target`, async (t) => {
    for (const name of targets) {
      const [s, ...more] = result.samples[w.name]![name]!;
      t.equal(more.length, 0, `${name}: one sample per round`);
      t.equal(s!.records, w.messages(sizes), `${name}: records the tool counted`);
      if (w.produces) t.equal(s!.appended, w.messages(sizes), `${name}: records the broker's end offsets grew by`);
      if (w.name.endsWith('latency')) {
        t.ok(s!.p50us! > 0 && s!.p99us! >= s!.p50us!, `${name}: p50 ${s!.p50us} us <= p99 ${s!.p99us} us`);
      } else {
        t.ok(s!.msgsPerSec! > 0, `${name}: ${s!.msgsPerSec} msg/s`);
      }
      t.ok(s!.brokerCpuUs >= 0, `${name}: broker CPU sampled`);
      if (name === 'direct') t.equal(s!.proxyCpuUs, undefined, 'no proxy CPU for direct');
      else t.ok(s!.proxyCpuUs! >= 0, `${name}: proxy CPU ${s!.proxyCpuUs} us/msg`);
    }
  });
}

t.test('the report has a row per measure and a ratio to direct for each proxy', async (t) => {
  const md = report(result, opts);
  t.match(md, /^## Real Apache Kafka: direct vs kafka-warden vs other proxies/);
  t.match(
    md,
    /\| kafka-producer-perf-test, 1 KiB, acks=1, linger 5 ms \(msg\/s\) \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d.]+x \| [\d.]+x \|/,
  );
  t.match(md, /\| warden-bench consume, 1 KiB \(msg\/s\) \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [\d.]+x \| [\d.]+x \|/);
  t.match(md, /\| warden-bench p99 \| [\d,]+ \| [\d,]+ \| [\d,]+ \| [+-][\d,]+ us \| [+-][\d,]+ us \|/);
  t.match(md, /TARGETS=direct,warden,warden-sasl npm run bench -- real-kafka/);
  t.match(md, /load average at the start of each round: [\d.]+ \(\d+ cores/);
});
