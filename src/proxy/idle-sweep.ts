import type { ClientConnection } from './client-connection.js';

/**
 * connections.max.idle.ms: closes connections that have read and written nothing for that long
 * and have nothing outstanding, authenticated or not. Checked every tenth of the timeout (read
 * afresh each time, so a reload changes it live). Returns what stops the sweep.
 */
export function sweepIdleConnections(clients: ReadonlySet<ClientConnection>, idleTimeoutMs: () => number): () => void {
  let timer: NodeJS.Timeout | null = null;
  const run = () => {
    const idleMs = idleTimeoutMs();
    const now = performance.now();
    for (const c of [...clients])
      if (c.outstanding === 0 && now - c.lastActive >= idleMs) c.close('idle_timeout', { idleMs });
    timer = setTimeout(run, Math.max(50, Math.min(10_000, idleMs / 10)));
    timer.unref();
  };
  run();
  return () => {
    if (timer !== null) clearTimeout(timer);
  };
}
