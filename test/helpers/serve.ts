// `kafka-warden serve` as a child process, for tests that measure the proxy alone (its RSS, its
// CPU) while test clients run in the test process.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { dump } from 'js-yaml';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { collectJsonLines } from './json-lines.js';
import { childEnv } from './child-env.js';

export interface ServedProxy {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** The proxy's resident set size now, in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

export async function serveProxy(config: Record<string, unknown>, startTimeoutMs = 20_000): Promise<ServedProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-serve-'));
  const file = join(dir, 'warden.yaml');
  writeFileSync(file, dump(config));
  const cli = join(PROJECT_ROOT, 'src', 'cli', 'main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--config', file, '--workers', '1'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv(),
  });
  const lines = collectJsonLines(child.stdout!, { keepText: true });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = Date.now() + startTimeoutMs;
  while (!lines.some((l) => l.msg === 'proxy started')) {
    if (Date.now() > end || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`proxy did not start: ${JSON.stringify(lines.slice(-5))} ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    lines,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
