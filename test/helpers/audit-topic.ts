// Reading the audit topic straight from the upstream cluster (not through the proxy), and waiting
// for what it should come to hold.
import { kcat } from './kcat.js';

/** Every event of partition 0 of an audit topic, as the upstream cluster holds it. */
export async function auditTopicEvents<E>(brokers: string[], topic: string): Promise<E[]> {
  const r = await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-b', brokers.join(',')], {
    timeoutMs: 20_000,
  });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as E);
}

/** Calls `f` every 300 ms until `ok` holds of its value or `ms` pass; resolves with the last value. */
export async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await f();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 300));
    v = await f();
  }
  return v;
}
