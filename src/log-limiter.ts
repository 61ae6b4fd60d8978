import type { Logger } from 'pino';

/**
 * Logs a recurring event at most once per interval and key (a refusal reason), with the number of
 * occurrences left out since the last line: a flood of refused connections or logins, which an
 * attacker controls, cannot turn into a flood of log lines.
 */
export class LogLimiter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  private readonly intervalMs: number;

  constructor(intervalMs = 10_000) {
    this.intervalMs = intervalMs;
  }

  log(log: Logger, key: string, fields: Record<string, unknown>, msg: string, now = Date.now()): void {
    const e = this.last.get(key);
    if (e !== undefined && now - e.at < this.intervalMs) {
      e.suppressed++;
      return;
    }
    const suppressed = e?.suppressed ?? 0;
    this.last.set(key, { at: now, suppressed: 0 });
    log.warn(suppressed > 0 ? { ...fields, suppressedSinceLast: suppressed } : fields, msg);
  }
}
