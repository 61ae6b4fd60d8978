// The lock that keeps writers of the ACL and credentials files from losing each other's changes:
// held, waited for, taken over from a dead or stuck holder, and correct across real processes.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { lockPathOf, withFileLock } from '../src/file-lock.js';
import { PROJECT_ROOT } from '../src/demo/mock-cluster.js';

const fileIn = () => join(mkdtempSync(join(tmpdir(), 'warden-lock-')), 'data.yaml');

t.test('the lock is held while fn runs and gone after, also when fn throws', async (t) => {
  const file = fileIn();
  const seen = withFileLock(file, () => readFileSync(lockPathOf(file), 'utf8').trim());
  t.equal(seen, String(process.pid), 'the holder is named in the lock');
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
  writeFileSync(lockPathOf(file), `${process.pid}\n`);
  const start = Date.now();
  t.throws(() => withFileLock(file, () => 1, 100), { name: 'FileLockedError', code: 'WARDEN_ERR_FILE_LOCKED' });
  t.ok(Date.now() - start >= 100, 'it waited');
  t.ok(existsSync(lockPathOf(file)), 'the live holder keeps its lock');
});

t.test('a lock whose holder died, or that is old, is taken over', async (t) => {
  const file = fileIn();
  // A pid no process has: above the kernel's pid_max.
  writeFileSync(lockPathOf(file), '4194305\n');
  t.equal(
    withFileLock(file, () => 'ran', 100),
    'ran',
    'dead holder',
  );
  writeFileSync(lockPathOf(file), `${process.pid}\n`);
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
