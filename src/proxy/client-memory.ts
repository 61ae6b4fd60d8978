import type { MemoryBudget, MemoryWaiter } from './memory-budget.js';

/**
 * Memory one client holds in the proxy, in bytes: its requests until they are handed to the
 * upstream socket's kernel buffer, its responses until they are handed to its own. Past
 * maxBufferedBytesPerClient (or while the process is past its total) the proxy stops reading
 * this client's requests, and stops reading an exclusive upstream connection whose responses it
 * does not take: TCP back-pressure then reaches the client and the broker instead of the heap.
 */
export class ClientMemory implements MemoryWaiter {
  private requestBytes = 0;
  private responseBytes = 0;
  private pausedReads = false;
  private upstreamPaused = false;
  private closed = false;

  /**
   * @param onReadsChange called when `readsPaused` changes
   * @param pauseUpstream stops (true) or resumes reading the client's exclusive upstream
   *   connection; returns whether it is now paused (a shared connection is never paused)
   */
  constructor(
    private readonly limit: number,
    private readonly budget: MemoryBudget,
    private readonly onReadsChange: () => void,
    private readonly pauseUpstream: (stop: boolean) => boolean,
  ) {}

  /** Whether the client's reads must stop until it holds less. */
  get readsPaused(): boolean {
    return this.pausedReads;
  }

  holdRequest(n: number): void {
    this.hold(n, false);
  }

  releaseRequest(n: number): void {
    this.release(n, false);
  }

  holdResponse(n: number): void {
    this.hold(n, true);
  }

  releaseResponse(n: number): void {
    this.release(n, true);
  }

  /** Gives back what a closing connection still holds; callbacks that fire later change nothing. */
  releaseAll(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.release(this.requestBytes + this.responseBytes);
    this.budget.forget(this);
    this.requestBytes = 0;
    this.responseBytes = 0;
  }

  /** Re-checks a client paused for the process-wide total (the memory budget calls it). */
  memoryAvailable(): void {
    if (this.pausedReads) this.check();
  }

  private hold(n: number, response: boolean): void {
    if (this.closed) return;
    if (response) this.responseBytes += n;
    else this.requestBytes += n;
    this.budget.hold(n);
    this.check();
  }

  private release(n: number, response: boolean): void {
    if (this.closed) return;
    if (response) this.responseBytes -= n;
    else this.requestBytes -= n;
    this.budget.release(n);
    if (this.pausedReads || this.upstreamPaused) this.check();
  }

  private check(): void {
    const limit = this.limit;
    const held = this.requestBytes + this.responseBytes;
    // Past the process-wide total only the clients holding a fair amount wait: the ones that hold
    // little keep being served, so that clients which stop reading cannot stall everyone else.
    const globalOver = held >= limit / 8 && this.budget.over(this);
    const over = this.pausedReads ? held >= limit / 2 || globalOver : held >= limit || globalOver;
    if (over !== this.pausedReads) {
      this.pausedReads = over;
      this.onReadsChange();
    }
    const stopUpstream =
      (this.upstreamPaused ? this.responseBytes >= limit / 2 : this.responseBytes >= limit) ||
      (globalOver && this.responseBytes >= limit / 8);
    if (stopUpstream !== this.upstreamPaused) this.upstreamPaused = this.pauseUpstream(stopUpstream);
  }
}
