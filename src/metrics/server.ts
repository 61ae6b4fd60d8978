import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { MetricsSource } from './metrics.js';

/** A probe's answer: whether it holds, and why not. */
export interface ProbeResult {
  ok: boolean;
  reasons: string[];
}
type Probe = () => ProbeResult | Promise<ProbeResult>;

/** The process answers: what /healthz says when there is nothing more to check. */
const ALIVE: Probe = () => ({ ok: true, reasons: [] });

/**
 * The management endpoint: `/metrics` (Prometheus text format), `/healthz` (alive: the process's
 * event loop answers and, under `serve --workers`, every worker does) and `/readyz` (every
 * listener is bound and the upstream cluster is reachable, in every worker), usable as Kubernetes
 * liveness and readiness probes.
 */
export class ManagementServer {
  private server: http.Server | null = null;
  private readonly metrics: MetricsSource;
  private readonly ready: Probe;
  private readonly live: Probe;
  private readonly log: Logger;

  constructor(metrics: MetricsSource, ready: Probe, log: Logger, live: Probe = ALIVE) {
    this.metrics = metrics;
    this.ready = ready;
    this.live = live;
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
          res.writeHead(200, { 'content-type': this.metrics.contentType }).end(body);
          return;
        }
        case '/healthz':
          return probe(res, await this.live(), 'ok', 'not healthy');
        case '/readyz':
          return probe(res, await this.ready(), 'ready', 'not ready');
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

function probe(res: http.ServerResponse, r: ProbeResult, yes: string, no: string): void {
  res
    .writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain' })
    .end(r.ok ? `${yes}\n` : `${no}: ${r.reasons.join('; ')}\n`);
}
