/** A client that can wait for the process's buffered bytes to fall. */
export interface MemoryWaiter {
  memoryAvailable(): void;
}

/**
 * The process-wide account of bytes that clients hold in the proxy (requests on their way
 * upstream, responses on their way back): limits.maxBufferedBytes. A client that holds a fair
 * share (an eighth of its own bound) and adds bytes while the total is past the limit stops being
 * read until the total falls below 90% of it, so many clients each within their own bound still
 * cannot exhaust the process together, and clients holding little are never stopped by them.
 */
export class MemoryBudget {
  used = 0;
  limit: number;
  private readonly waiting = new Set<MemoryWaiter>();

  constructor(limit: number) {
    this.limit = limit;
  }

  hold(n: number): void {
    this.used += n;
  }

  release(n: number): void {
    this.used -= n;
    if (this.waiting.size > 0 && this.used < this.limit * 0.9) {
      const ready = [...this.waiting];
      this.waiting.clear();
      for (const w of ready) w.memoryAvailable();
    }
  }

  /** True while the total is past the limit; the caller is then told when it has fallen. */
  over(who: MemoryWaiter): boolean {
    if (this.used < this.limit) return false;
    this.waiting.add(who);
    return true;
  }

  forget(who: MemoryWaiter): void {
    this.waiting.delete(who);
  }
}
