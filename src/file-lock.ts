// One writer at a time for the files the proxy both reads and rewrites (the ACL file, the SCRAM
// credentials): several worker processes, or `kafka-warden scram add` beside a running proxy, each
// rewrite the whole file from what they hold in memory, so two writers at once would lose one of
// the changes. The lock is a file created exclusively next to the data file; the holder re-reads
// the data file first, applies its change and writes it back before letting go.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** How long a writer waits for another one (they hold it for one small file write). */
const WAIT_MS = 2000;
/** A lock older than this whose holder cannot be checked is taken over. */
const STALE_MS = 10_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

export class FileLockedError extends Error {
  readonly code = 'WARDEN_ERR_FILE_LOCKED';
  override readonly name = 'FileLockedError';
}

export function lockPathOf(file: string): string {
  return join(dirname(file), `.${basename(file)}.lock`);
}

/**
 * Runs `fn` holding the lock of `file`, synchronously (callers are admin operations and CLI
 * commands, rare and short). Throws when the lock stays held by a live process for `waitMs`.
 */
export function withFileLock<T>(file: string, fn: () => T, waitMs = WAIT_MS): T {
  const lock = lockPathOf(file);
  const end = Date.now() + waitMs;
  let fd: number | null = null;
  while (fd === null) {
    try {
      fd = openSync(lock, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (takeOverIfStale(lock)) continue;
      if (Date.now() > end) throw new FileLockedError(`${file} is being written by another process (${lock})`);
      Atomics.wait(pause, 0, 0, 5);
    }
  }
  try {
    writeSync(fd, `${process.pid}\n`);
    return fn();
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

/**
 * Removes a lock whose holder has died, or any lock older than STALE_MS (holders keep it for
 * milliseconds; an old one outlived its holder, whose pid may since have been reused). True when
 * it did.
 */
function takeOverIfStale(lock: string): boolean {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(lock, 'utf8');
    ageMs = Date.now() - statSync(lock).mtimeMs;
  } catch {
    return false; // gone meanwhile: try again
  }
  // A holder that has not written its pid yet leaves an empty file for a moment: only its age counts.
  const pid = Number(text.trim().split(' ')[0]);
  const dead = Number.isInteger(pid) && pid > 0 && !processAlive(pid);
  if (!dead && ageMs <= STALE_MS) return false;
  rmSync(lock, { force: true });
  return true;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
