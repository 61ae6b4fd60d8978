import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** How long the launcher may take to print its bootstrap list. */
const START_TIMEOUT_MS = 30_000;

/** The project root (this file is src/cli/ or dist/cli/). */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface MockClusterOptions {
  brokers?: number;
  /** name -> partitions */
  topics?: Record<string, number>;
  /** Launcher binary; default build/mock-cluster (librdkafka from Debian). */
  binary?: string;
  /** Extra environment (e.g. LD_LIBRARY_PATH for a modern librdkafka). */
  env?: NodeJS.ProcessEnv;
}

/**
 * librdkafka's mock cluster, run by the small C launcher in test/mock/mock-cluster.c (built by
 * scripts/build-native.sh). It prints its bootstrap list, then takes commands on stdin
 * (`down N`, `up N`, `leader TOPIC PARTITION N`, `topic NAME PARTITIONS`, `delay N APIKEY MS [COUNT]`)
 * answered OK or ERR.
 */
export class MockCluster {
  readonly bootstrap: string;
  private readonly child: ChildProcess;
  private readonly replies: Array<(line: string) => void> = [];
  private exited: Promise<void>;

  private constructor(
    child: ChildProcess,
    bootstrap: string,
    lines: AsyncIterable<string> & { on: (e: 'line', f: (l: string) => void) => void },
  ) {
    this.child = child;
    this.bootstrap = bootstrap;
    lines.on('line', (l) => this.replies.shift()?.(l));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** The launcher's process id (benchmarks read its CPU time). */
  get pid(): number {
    return this.child.pid!;
  }

  get brokers(): string[] {
    return this.bootstrap.split(',');
  }

  static async start(opts: MockClusterOptions = {}): Promise<MockCluster> {
    const binary = opts.binary ?? join(PROJECT_ROOT, 'build', 'mock-cluster');
    if (!existsSync(binary)) {
      throw new Error(`${binary} is missing: run scripts/build-native.sh (needs apt-get install librdkafka-dev)`);
    }
    const args = ['--brokers', String(opts.brokers ?? 3)];
    for (const [name, parts] of Object.entries(opts.topics ?? {})) args.push('--topic', `${name}:${parts}`);
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...opts.env } });
    const rl = createInterface({ input: child.stdout! });
    let timer: NodeJS.Timeout | undefined;
    try {
      const bootstrap = await new Promise<string>((resolve, reject) => {
        // Generous: on a loaded 2-core CI machine a process start can take seconds.
        timer = setTimeout(
          () => reject(new Error(`mock cluster did not start in ${START_TIMEOUT_MS / 1000} s`)),
          START_TIMEOUT_MS,
        );
        child.once('error', reject);
        child.once('exit', (code, signal) => reject(new Error(`mock cluster exited with ${code ?? signal}`)));
        rl.once('line', (l) => {
          if (l.startsWith('BOOTSTRAP=')) resolve(l.slice('BOOTSTRAP='.length).trim());
          else reject(new Error(`unexpected mock cluster output: ${l}`));
        });
      });
      return new MockCluster(child, bootstrap, rl as never);
    } catch (e) {
      // Never leave the launcher running: its pipes would keep the caller's process (a test) alive.
      rl.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a control command; resolves on OK, rejects on ERR. */
  command(cmd: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.replies.push((l) => (l.startsWith('OK') ? resolve() : reject(new Error(`mock cluster: ${cmd}: ${l}`))));
      this.child.stdin!.write(`${cmd}\n`);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(t);
  }
}
