// How long the supervisor waits before it restarts a worker that died: at once the first time, then
// doubling while the worker keeps dying soon after it started (a crash loop must not take the
// machine's CPU or flood the logs), back to the start once a worker has run for a while.

export class RestartBackoff {
  private failures = 0;
  private startedAt = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly baseMs = 500,
    private readonly maxMs = 30_000,
    /** A worker that ran this long before dying died of something new: no backoff. */
    private readonly stableMs = 60_000,
  ) {}

  /** The worker is up. */
  started(): void {
    this.startedAt = this.now();
  }

  /** The delay before the next restart, after a death now. */
  next(): number {
    if (this.now() - this.startedAt >= this.stableMs) this.failures = 0;
    const delay = this.failures === 0 ? 0 : Math.min(this.maxMs, this.baseMs * 2 ** (this.failures - 1));
    this.failures++;
    return delay;
  }
}
