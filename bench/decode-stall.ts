// What one client's most expensive requests cost every other client (issue 10, point 4): another
// client's ApiVersions round trip (p50/p99/max) while one client sends, back to back, the worst
// frames the proxy admits (Produce with maxRequestElements - 1 empty topic entries) and frames far
// over the budget (a million entries, 5.7 MiB, refused at their count), with the budget on and
// with it effectively off (the code before the budget). One `serve` process per setting in front
// of the same mock cluster, alternating rounds. Writes "## Decoding cost" in bench/BENCHMARKS.md.
//
//   npm run bench -- decode-stall            (ROUNDS=3 SECONDS=5 by default)
import { cpus } from 'node:os';
import { MockCluster } from '../src/demo/mock-cluster.js';
import { freePortBlock } from '../test/helpers/ports.js';
import { serveProxy } from '../test/helpers/serve.js';
import { measureStall, emptyTopicsProduce } from '../test/helpers/stall.js';
import { median, writeSection } from './common.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);
const BUDGET = 20_000;

const cluster = await MockCluster.start({ brokers: 1 });
async function proxyWith(maxRequestElements: number) {
  const base = await freePortBlock(20);
  const p = await serveProxy({
    upstream: { bootstrap: cluster.brokers },
    listeners: [
      {
        name: 'plain',
        securityProtocol: 'PLAINTEXT',
        host: '127.0.0.1',
        port: base,
        brokerPortBase: base + 10,
        advertisedHost: '127.0.0.1',
      },
    ],
    limits: { maxRequestElements, maxConnectionCreationRatePerIp: 0 },
    logging: { level: 'info' },
  });
  return { p, address: `127.0.0.1:${base + 11}` };
}
const proxies = { budget: await proxyWith(BUDGET), unbounded: await proxyWith(100_000_000) };
const attacks = { none: null, admitted: emptyTopicsProduce(BUDGET - 1), huge: emptyTopicsProduce(1_000_000) } as const;
type Row = { p50: number[]; p99: number[]; max: number[]; frames: number[] };
const rows = new Map<string, Row>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [setting, { address }] of Object.entries(proxies)) {
    for (const [attack, frame] of Object.entries(attacks)) {
      const r = await measureStall(address, frame, SECONDS * 1000);
      const key = `${setting}\u0000${attack}`;
      const row = rows.get(key) ?? { p50: [], p99: [], max: [], frames: [] };
      row.p50.push(r.p50);
      row.p99.push(r.p99);
      row.max.push(r.max);
      row.frames.push(r.attackerFrames / SECONDS);
      rows.set(key, row);
      console.log(
        setting,
        attack,
        `p50 ${r.p50.toFixed(2)} p99 ${r.p99.toFixed(2)} max ${r.max.toFixed(1)} frames/s ${(r.attackerFrames / SECONDS).toFixed(0)} closed ${r.attackerClosed}`,
      );
    }
  }
}
for (const { p } of Object.values(proxies)) await p.stop();
await cluster.stop();

const label: Record<string, string> = {
  none: 'no attacker',
  admitted: `${BUDGET - 1} empty topics per Produce (admitted)`,
  huge: '1,000,000 empty topics per Produce (5.7 MiB)',
};
const lines = [
  "## Decoding cost: another client's round trip while one sends the worst frames (issue 10)",
  '',
  `\`npm run bench -- decode-stall\` (ROUNDS=${ROUNDS}, SECONDS=${SECONDS}), ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores shared by prober, attacker, proxy and mock.`,
  "A prober sends ApiVersions v0 every 5 ms on its own connection while an attacker sends the frame, waits for the answer (or the close), and sends it again. Medians over rounds of each run's p50 / p99 / max, in ms.",
  '',
  '| proxy | attacker | prober p50 | prober p99 | prober max | attacker frames/s |',
  '|---|---|---:|---:|---:|---:|',
];
for (const [key, row] of rows) {
  const [setting, attack] = key.split('\u0000') as [string, string];
  const name = setting === 'budget' ? `maxRequestElements ${BUDGET.toLocaleString('en')}` : 'no budget (before)';
  lines.push(
    `| ${name} | ${label[attack]} | ${median(row.p50).toFixed(2)} | ${median(row.p99).toFixed(2)} | ${median(row.max).toFixed(1)} | ${median(row.frames).toFixed(0)} |`,
  );
}
lines.push(
  '',
  'With the budget, a frame over it is refused at its array count (nothing decoded) and its connection closed; the attacker then pays a reconnect per frame.',
  '',
);
writeSection(lines[0]!, lines.join('\n'));
