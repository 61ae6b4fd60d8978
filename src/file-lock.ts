// One writer at a time for the files the proxy both reads and rewrites (the ACL file, the SCRAM
// credentials): several worker processes, or `kafka-warden scram add` beside a running proxy, each
// rewrite the whole file from what they hold in memory, so two writers at once would lose one of
// the changes. The lock is a file created exclusively next to the data file; the holder re-reads
// the data file first, applies its change and writes it back before letting go.
import { closeSync, fstatSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
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
 * commands, rare and short; the wait blocks the event loop for at most `waitMs`). Throws when the
 * lock stays held by a live process for `waitMs`.
 *
 * The lock is for processes of one host (a pod's workers, the CLI beside them): its holder is
 * judged alive or dead by its pid, which means nothing on another host, where only its age counts.
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
    writeSync(fd, `${hostname()} ${process.pid}\n`);
    return fn();
  } finally {
    releaseIfOurs(lock, fd);
  }
}

/** Removes the lock only if it is still the file this holder created (not a successor's, after a takeover). */
function releaseIfOurs(lock: string, fd: number): void {
  try {
    const ours = fstatSync(fd);
    const there = statSync(lock);
    if (there.ino === ours.ino && there.dev === ours.dev) rmSync(lock, { force: true });
  } catch {
    // already gone
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes a stale lock: its holder has died, or it is older than STALE_MS (holders keep it for
 * milliseconds; an old one outlived its holder, whose pid may since have been reused). Takers go
 * one at a time, through a second lock, and judge the lock again under it: two takers that both
 * saw the same stale lock must not have the second remove the lock the first has since created.
 * True when it removed one.
 */
function takeOverIfStale(lock: string): boolean {
  if (!isStale(lock)) return false;
  const takeover = `${lock}.takeover`;
  let fd: number;
  try {
    fd = openSync(takeover, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another taker is at it; one that died there leaves a takeover lock that only age clears.
    if (ageOf(takeover) > STALE_MS) rmSync(takeover, { force: true });
    return false;
  }
  try {
    if (!isStale(lock)) return false;
    rmSync(lock, { force: true });
    return true;
  } finally {
    releaseIfOurs(takeover, fd);
  }
}

function isStale(lock: string): boolean {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(lock, 'utf8');
    ageMs = ageOf(lock);
  } catch {
    return false; // gone meanwhile: try again
  }
  if (ageMs > STALE_MS) return true;
  // A holder that has not written itself down yet leaves an empty file for a moment: only its age counts.
  const [host, pidText] = text.trim().split(' ');
  const pid = Number(pidText);
  return host === hostname() && Number.isInteger(pid) && pid > 0 && !processAlive(pid);
}

function ageOf(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
