// The messages between the supervisor and its workers over the cluster IPC channel. prom-client's
// own metric requests travel on the same channel with their own types.

/** Supervisor to worker. */
export type ToWorker = { type: 'warden:probe'; id: number } | { type: 'warden:reload' } | { type: 'warden:stop' };

/** Worker to supervisor. */
export type FromWorker =
  { type: 'warden:started' } | { type: 'warden:probe-result'; id: number; ready: boolean; reasons: string[] };

const TO_WORKER = new Set<unknown>(['warden:probe', 'warden:reload', 'warden:stop']);
const FROM_WORKER = new Set<unknown>(['warden:started', 'warden:probe-result']);

const typeOf = (m: unknown): unknown => (typeof m === 'object' && m !== null && 'type' in m ? m.type : null);

export function isToWorker(m: unknown): m is ToWorker {
  return TO_WORKER.has(typeOf(m));
}

export function isFromWorker(m: unknown): m is FromWorker {
  return FROM_WORKER.has(typeOf(m));
}

/** The environment variables that tell a forked process which worker it is (1-based) and of how many. */
export const WORKER_ENV = 'KAFKA_WARDEN_WORKER';
export const WORKERS_ENV = 'KAFKA_WARDEN_WORKER_COUNT';
