// What one of N worker processes runs of the configuration (serve --workers N). Every worker
// serves the same listeners and follows the same credential and ACL files; what must not be shared
// between processes, or what bounds the whole process, is split here.
import { basename, dirname, extname, join } from 'node:path';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';

/**
 * Worker `worker` (1-based) of `workers`:
 * - the management endpoint is served by the supervisor alone, for all workers;
 * - the limits are the whole instance's, so each worker gets its share: the totals, and the
 *   per-address ones (connections, connection rate, failed logins), since connections are handed
 *   to the workers in turn and one address's connections spread over all of them. A share is
 *   rounded up, so an address may get up to N-1 more than its limit, never N times it;
 * - each audit file sink writes a file of its own per worker, each with its own hash chain, and the
 *   spool is a folder of its own per worker: two processes appending to one chain would break it.
 *   Worker 1 keeps the configured names (`audit.jsonl`; workers 2..N write `audit.worker-2.jsonl`...),
 *   so that a single process turned into workers goes on with its chain and its undelivered events.
 */
export function configForWorker(config: Config, worker: number, workers: number): Config {
  if (workers <= 1) return config;
  const limits = config.limits;
  return {
    ...config,
    management: undefined,
    instanceId: `${config.instanceId ?? hostname()}/worker-${worker}`,
    limits: {
      ...limits,
      maxConnections: share(limits.maxConnections, workers),
      maxBufferedBytes: Math.max(limits.maxBufferedBytesPerClient, Math.floor(limits.maxBufferedBytes / workers)),
      maxConnectionsPerIp: share(limits.maxConnectionsPerIp, workers),
      maxConnectionsPerIpOverrides: Object.fromEntries(
        Object.entries(limits.maxConnectionsPerIpOverrides).map(([ip, n]) => [ip, share(n, workers)]),
      ),
      maxConnectionCreationRatePerIp: limits.maxConnectionCreationRatePerIp / workers,
    },
    auth: {
      ...config.auth,
      failedLogins: { ...config.auth.failedLogins, attempts: share(config.auth.failedLogins.attempts, workers) },
    },
    audit: config.audit && auditForWorker(config.audit, worker, workers),
  };
}

/** One worker's share of a limit, rounded up (0, "none allowed", stays 0). */
const share = (limit: number, workers: number) => Math.ceil(limit / workers);

function auditForWorker(audit: NonNullable<Config['audit']>, worker: number, workers: number): Config['audit'] {
  return {
    ...audit,
    spool: audit.spool && {
      ...audit.spool,
      dir: worker === 1 ? audit.spool.dir : join(audit.spool.dir, `worker-${worker}`),
      maxBytes: Math.max(audit.spool.segmentBytes, Math.floor(audit.spool.maxBytes / workers)),
    },
    sinks: audit.sinks.map((s) => (s.type === 'file' ? { ...s, path: workerFile(s.path, worker) } : s)),
  };
}

/** `dir/audit.jsonl` -> `dir/audit.worker-2.jsonl` (a file without an extension gets `.worker-2`); worker 1 keeps it. */
export function workerFile(path: string, worker: number): string {
  if (worker === 1) return path;
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.worker-${worker}${ext}`);
}
