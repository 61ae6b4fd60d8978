import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

/**
 * The management endpoint: `/metrics` (Prometheus text format), `/healthz` (the process is alive
 * and its event loop answers) and `/readyz` (every listener is bound and the upstream cluster is
 * reachable), usable as Kubernetes liveness and readiness probes.
 */
export class ManagementServer {
  private server: http.Server | null = null;
  private readonly metrics: Metrics;
  private readonly ready: () => { ready: boolean; reasons: string[] };
  private readonly log: Logger;

  constructor(metrics: Metrics, ready: () => { ready: boolean; reasons: string[] }, log: Logger) {
    this.metrics = metrics;
    this.ready = ready;
    this.log = log.child({ component: 'management' });
  }

  start(host: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const p = (server.address() as AddressInfo).port;
        this.log.info({ host, port: p }, 'management endpoint listening');
        resolve(p);
      });
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      switch (path) {
        case '/metrics': {
          const body = await this.metrics.text();
          res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body);
          return;
        }
        case '/healthz':
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
          return;
        case '/readyz': {
          const r = this.ready();
          res
            .writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' })
            .end(r.ready ? 'ready\n' : `not ready: ${r.reasons.join('; ')}\n`);
          return;
        }
        default:
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    } catch (e) {
      this.log.error({ reason: (e as Error).message, path }, 'management request failed');
      if (!res.headersSent) res.writeHead(500).end();
    }
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return Promise.resolve();
    return new Promise((resolve) => {
      s.closeAllConnections?.();
      s.close(() => resolve());
    });
  }
}
