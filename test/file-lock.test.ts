// The lock that keeps writers of the ACL and credentials files from losing each other's changes:
// held, waited for, taken over from a dead or stuck holder, and correct across real processes.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname, tmpdir } from 'node:os';
import { lockPathOf, withFileLock } from '../src/file-lock.js';
import { PROJECT_ROOT } from '../src/demo/mock-cluster.js';
import { childEnv } from './helpers/child-env.js';

const fileIn = () => join(mkdtempSync(join(tmpdir(), 'warden-lock-')), 'data.yaml');

t.test('the lock is held while fn runs and gone after, also when fn throws', async (t) => {
  const file = fileIn();
  const seen = withFileLock(file, () => readFileSync(lockPathOf(file), 'utf8').trim());
  t.equal(seen, `${hostname()} ${process.pid}`, 'the holder is named in the lock');
  t.notOk(existsSync(lockPathOf(file)), 'released');
  t.throws(() =>
    withFileLock(file, () => {
      throw new Error('boom');
    }),
  );
  t.notOk(existsSync(lockPathOf(file)), 'released after a throw');
});

t.test('a lock held by a live process is waited for, then refused', async (t) => {
  const file = fileIn();
  writeFileSync(lockPathOf(file), `${hostname()} ${process.pid}\n`);
  const start = Date.now();
  t.throws(() => withFileLock(file, () => 1, 100), { name: 'FileLockedError', code: 'WARDEN_ERR_FILE_LOCKED' });
  t.ok(Date.now() - start >= 100, 'it waited');
  t.ok(existsSync(lockPathOf(file)), 'the live holder keeps its lock');
});

t.test('a lock whose holder died, or that is old, is taken over', async (t) => {
  const file = fileIn();
  // A pid no process has: above the kernel's pid_max.
  writeFileSync(lockPathOf(file), `${hostname()} 4194305\n`);
  t.equal(
    withFileLock(file, () => 'ran', 100),
    'ran',
    'dead holder',
  );
  writeFileSync(lockPathOf(file), `${hostname()} ${process.pid}\n`);
  const old = new Date(Date.now() - 60_000);
  utimesSync(lockPathOf(file), old, old);
  t.equal(
    withFileLock(file, () => 'ran', 100),
    'ran',
    'an old lock, even naming a live pid (reused)',
  );
  writeFileSync(lockPathOf(file), '');
  t.throws(
    () => withFileLock(file, () => 1, 50),
    { code: 'WARDEN_ERR_FILE_LOCKED' },
    'a fresh empty lock: its holder is writing its pid',
  );
  writeFileSync(lockPathOf(file), 'another-host 4194305\n');
  t.throws(
    () => withFileLock(file, () => 1, 50),
    { code: 'WARDEN_ERR_FILE_LOCKED' },
    "another host's pid says nothing here: only its age counts",
  );
});

t.test('two processes incrementing one file under the lock lose no increment', async (t) => {
  const file = fileIn();
  writeFileSync(file, '0');
  const script = `
    import { readFileSync, writeFileSync } from 'node:fs';
    import { withFileLock } from ${JSON.stringify(join(PROJECT_ROOT, 'src', 'file-lock.ts'))};
    for (let i = 0; i < 200; i++)
      withFileLock(process.argv[1], () => {
        const n = Number(readFileSync(process.argv[1], 'utf8'));
        writeFileSync(process.argv[1], String(n + 1));
      }, 10_000);
  `;
  const run = () =>
    new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: childEnv(),
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('exit', (code) => {
        clearTimeout(killer);
        resolve(code ?? -1);
      });
    });
  const codes = await Promise.all([run(), run()]);
  t.same(codes, [0, 0]);
  t.equal(readFileSync(file, 'utf8'), '400', 'every one of the 400 increments is there');
});

t.test('holders killed while they hold the lock lose no other process its increment', async (t) => {
  const file = fileIn();
  writeFileSync(file, '0');
  const lockModule = JSON.stringify(join(PROJECT_ROOT, 'src', 'file-lock.ts'));
  const writer = `
    import { readFileSync, writeFileSync } from 'node:fs';
    import { withFileLock } from ${lockModule};
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 150; i++)
      withFileLock(process.argv[1], () => {
        const n = Number(readFileSync(process.argv[1], 'utf8'));
        Atomics.wait(pause, 0, 0, 2); // a holder that takes its time: overlaps would show
        writeFileSync(process.argv[1], String(n + 1));
      }, 20_000);
  `;
  // Each crasher takes the lock and dies holding it, leaving a lock whose holder is dead.
  const crasher = `
    import { withFileLock } from ${lockModule};
    await new Promise((r) => setTimeout(r, Math.random() * 1500));
    withFileLock(process.argv[1], () => process.kill(process.pid, 'SIGKILL'), 20_000);
  `;
  const run = (script: string) =>
    new Promise<number | string>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: childEnv(),
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.once('exit', (code, signal) => {
        clearTimeout(killer);
        resolve(code ?? signal ?? -1);
      });
    });
  const codes = await Promise.all([
    ...Array.from({ length: 6 }, () => run(writer)),
    ...Array.from({ length: 15 }, () => run(crasher)),
  ]);
  t.same(codes.slice(0, 6), Array(6).fill(0), 'the writers finished');
  t.same(codes.slice(6), Array(15).fill('SIGKILL'), 'the crashers died holding the lock');
  t.equal(readFileSync(file, 'utf8'), '900', 'every one of the 900 increments is there');
});
