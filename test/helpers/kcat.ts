import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';

/** librdkafka 2.15.1 built by scripts/build-modern-librdkafka.sh, when present. */
export const MODERN_LIB = join(PROJECT_ROOT, '.cache', 'librdkafka-2.15.1', 'lib');
export const MODERN_MOCK = join(PROJECT_ROOT, 'build', 'mock-cluster-modern');
export const haveModern = existsSync(join(MODERN_LIB, 'librdkafka.so')) && existsSync(MODERN_MOCK);

export interface KcatResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kcat with a time limit; `modern` runs it on librdkafka 2.15.1 instead of Debian's 2.0.2. */
export function kcat(
  args: string[],
  opts: { input?: string | Buffer; timeoutMs?: number; modern?: boolean } = {},
): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (opts.modern) env.LD_LIBRARY_PATH = MODERN_LIB;
    const child = spawn('kcat', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}
