// What one of N worker processes runs of the configuration (serve --workers N). Every worker
// serves the same listeners and follows the same credential and ACL files; what must not be shared
// between processes, or what bounds the whole process, is split here.
import { basename, dirname, extname, join } from 'node:path';
import type { Config } from '../config/schema.js';

/**
 * Worker `worker` (1-based) of `workers`:
 * - the management endpoint is served by the supervisor alone, for all workers;
 * - limits.maxConnections and limits.maxBufferedBytes are the whole instance's, so each worker gets
 *   its share (connections are handed to workers in turn, so the shares fill evenly); the per-address
 *   limits stay per worker, each worker bounding what one address costs it;
 * - each audit file sink writes a file of its own per worker (`audit.jsonl` -> `audit.worker-2.jsonl`),
 *   each with its own hash chain, and the spool is a folder of its own per worker: two processes
 *   appending to one chain would break it.
 */
export function configForWorker(config: Config, worker: number, workers: number): Config {
  if (workers <= 1) return config;
  const limits = config.limits;
  return {
    ...config,
    management: undefined,
    limits: {
      ...limits,
      maxConnections: Math.ceil(limits.maxConnections / workers),
      maxBufferedBytes: Math.max(limits.maxBufferedBytesPerClient, Math.floor(limits.maxBufferedBytes / workers)),
    },
    audit: config.audit && auditForWorker(config.audit, worker, workers),
  };
}

function auditForWorker(audit: NonNullable<Config['audit']>, worker: number, workers: number): Config['audit'] {
  return {
    ...audit,
    spool: audit.spool && {
      ...audit.spool,
      dir: join(audit.spool.dir, `worker-${worker}`),
      maxBytes: Math.max(audit.spool.segmentBytes, Math.floor(audit.spool.maxBytes / workers)),
    },
    sinks: audit.sinks.map((s) => (s.type === 'file' ? { ...s, path: workerFile(s.path, worker) } : s)),
  };
}

/** `dir/audit.jsonl` -> `dir/audit.worker-2.jsonl` (a file without an extension gets `.worker-2`). */
export function workerFile(path: string, worker: number): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.worker-${worker}${ext}`);
}
