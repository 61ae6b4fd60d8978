// `kafka-warden serve` as a process: starts from a YAML file, and on SIGTERM stops accepting,
// lets in-flight requests finish, closes and exits 0.
import t from 'tap';
import { collectJsonLines } from '../helpers/json-lines.js';
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { MockCluster, PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePortBlock } from '../helpers/ports.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as fetch from '../../src/protocol/generated/fetch.js';
import { childEnv } from '../helpers/child-env.js';

const CLI = join(PROJECT_ROOT, 'src', 'cli', 'main.ts');

function startServe(configFile: string, workers = 1) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--config', configFile, '--workers', String(workers)],
    {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(),
    },
  );
  const lines = collectJsonLines(child.stdout, { keepText: true });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

async function until(cond: () => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const workers of [1, 2])
  t.test(`SIGTERM drains in-flight requests, then exits 0 (${workers} worker${workers > 1 ? 's' : ''})`, async (t) => {
    const cluster = await MockCluster.start({ brokers: 1, topics: { quiet: 1 } });
    t.teardown(() => cluster.stop());
    const base = await freePortBlock(20);
    const dir = mkdtempSync(join(tmpdir(), 'warden-serve-'));
    const cfg = join(dir, 'warden.yaml');
    writeFileSync(
      cfg,
      `upstream:\n  bootstrap: ["${cluster.bootstrap}"]\nlisteners:\n  - name: plain\n    securityProtocol: PLAINTEXT\n    host: 127.0.0.1\n    port: ${base}\n    brokerPortBase: ${base + 10}\n    advertisedHost: 127.0.0.1\nshutdown:\n  drainTimeoutMs: 5000\n`,
    );
    const p = startServe(cfg, workers);
    t.teardown(() => p.child.kill('SIGKILL'));
    // With workers, the supervisor says "proxy started" once every worker has.
    const started = (l: Record<string, unknown>) =>
      l.msg === 'proxy started' && (workers === 1 || l.supervisor === true);
    await until(() => p.lines.some(started), 30_000);
    const c = await RawClient.connect(`127.0.0.1:${base + 11}`);
    const inflight = c.request<fetch.Response>(ApiKey.Fetch, 4, {
      replicaId: -1,
      maxWaitMs: 1500,
      minBytes: 1,
      maxBytes: 1000,
      isolationLevel: 0,
      topics: [{ topic: 'quiet', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1000 }] }],
    });
    await new Promise((r) => setTimeout(r, 200));
    p.child.kill('SIGTERM');
    await until(() => p.lines.filter((l) => l.msg === 'proxy stopping').length === workers);
    // New connections are refused once stopping: at once by one process; with workers, once every
    // worker has closed its listener (the supervisor holds the shared port until the last one has).
    const refusedNow = () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: base });
        s.on('error', () => resolve(true));
        s.on('connect', () => {
          s.destroy();
          resolve(false);
        });
      });
    let refused = await refusedNow();
    for (let i = 0; !refused && workers > 1 && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 50));
      refused = await refusedNow();
    }
    t.ok(refused, 'new connections are refused while draining');
    const res = await inflight;
    t.equal(res.errorCode, 0, 'the in-flight long poll was answered');
    await c.closed;
    t.equal(await p.exited, 0, 'exit code 0');
    t.match(
      p.lines.find((l) => l.msg === 'proxy stopped'),
      { closedWithRequestsInFlight: 0 },
    );
  });

t.test('serve refuses an invalid configuration with the key path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-serve-'));
  const cfg = join(dir, 'bad.yaml');
  writeFileSync(cfg, 'upstream:\n  bootstrap: []\nlisteners: []\n');
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--config', cfg], {
    cwd: PROJECT_ROOT,
    env: childEnv(),
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 1);
  t.match(err, /upstream\.bootstrap: .*>=1/);
  t.match(err, /listeners: .*>=1/);
});
