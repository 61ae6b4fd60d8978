import { LRUCache } from 'lru-cache';
import { AuthError } from './errors.js';

/**
 * Failed logins per client address, as a token bucket: `attempts` failures are allowed at once,
 * and one more every `windowMs / attempts`. An address out of tokens has its logins refused
 * without checking the password, so a guesser learns nothing from them; Kafka's failed
 * authentication delay alone lets a botnet guess at full speed over many connections. The table is
 * bounded (least recently used addresses are forgotten first).
 */
export class FailedLoginLimiter {
  private readonly buckets: LRUCache<string, { tokens: number; at: number }>;
  private attempts: number;
  private windowMs: number;

  constructor(opts: { attempts: number; windowMs: number; maxAddresses?: number }) {
    this.attempts = opts.attempts;
    this.windowMs = opts.windowMs;
    this.buckets = new LRUCache({ max: opts.maxAddresses ?? 100_000 });
  }

  configure(opts: { attempts: number; windowMs: number }): void {
    this.attempts = opts.attempts;
    this.windowMs = opts.windowMs;
  }

  private bucket(address: string, now: number): { tokens: number; at: number } {
    const b = this.buckets.get(address);
    if (b === undefined) return { tokens: this.attempts, at: now };
    const refill = ((now - b.at) * this.attempts) / this.windowMs;
    return { tokens: Math.min(this.attempts, b.tokens + refill), at: now };
  }

  /** May this address try to log in now? */
  allows(address: string, now = Date.now()): boolean {
    if (this.attempts === 0) return true;
    return this.bucket(address, now).tokens >= 1;
  }

  /** Counts one failed login of this address. */
  failed(address: string, now = Date.now()): void {
    if (this.attempts === 0) return;
    const b = this.bucket(address, now);
    b.tokens = Math.max(0, b.tokens - 1);
    this.buckets.set(address, b);
  }
}

/** The client is told this when its address is over the failed-login budget (it reveals nothing of any user). */
export const RATE_LIMITED_MESSAGE = 'Authentication failed: too many failed attempts from this address, retry later';

export class LoginRateLimitedError extends AuthError {
  constructor() {
    super('WARDEN_ERR_AUTH_RATE_LIMITED', 'too many failed logins from this address');
  }
}

/**
 * Bounds PLAIN's PBKDF2 work: at most `concurrency` derivations run on libuv's thread pool at once
 * (which also serves file writes, the audit trail's among them) and at most `queue` wait; a login
 * beyond that fails at once instead of queueing work that unauthenticated clients can multiply.
 */
export class HashLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  concurrency: number;
  queue: number;

  constructor(opts: { concurrency: number; queue: number }) {
    this.concurrency = opts.concurrency;
    this.queue = opts.queue;
  }

  /** Derivations running now and waiting (for tests and metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue)
        throw new AuthError('WARDEN_ERR_AUTH_BUSY', 'too many PLAIN logins being verified; refused');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.running--;
    }
  }
}
