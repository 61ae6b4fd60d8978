// Runs a test client program (kafka-python, Sarama...) that takes its plan as JSON on argv and
// prints one JSON result line on stdout; resolves with that line parsed. Killed after timeoutMs.
import { spawn } from 'node:child_process';

export function runJsonClient<T>(command: string, args: string[], timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as T);
      } catch {
        reject(new Error(`${command} exited ${code} without a result: ${err.slice(-800)}`));
      }
    });
  });
}
