// The supervisor of `serve --workers N` (node:cluster's primary process): it forks the workers,
// which listen on the same ports (node:cluster hands each accepted connection to the next worker in
// turn), serves the one management endpoint for all of them, restarts a worker that dies, passes
// SIGHUP on, and drains them all on SIGTERM. It handles no client traffic itself.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import client, { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { ManagementServer, type ProbeResult } from '../metrics/server.js';
import { isFromWorker, WORKER_ENV, WORKERS_ENV, type FromWorker, type ToWorker } from './messages.js';
import { RestartBackoff } from './restart-backoff.js';

/** How long a worker may take to answer a probe before it counts as hung (under Kubernetes' 1 s default). */
const PROBE_TIMEOUT_MS = 800;
/** How long a worker may take to start (learn the cluster, bind its listeners). */
const START_TIMEOUT_MS = 60_000;

interface Slot {
  readonly index: number;
  worker: Worker | null;
  started: boolean;
  readonly backoff: RestartBackoff;
  restartTimer: NodeJS.Timeout | null;
}

export class Supervisor {
  private readonly slots: Slot[];
  private stopping: Promise<void> | null = null;
  private management: ManagementServer | null = null;
  private probeId = 0;
  private readonly pendingProbes = new Map<number, (r: FromWorker) => void>();
  private readonly registry = new client.Registry();
  private readonly aggregator = new AggregatorRegistry();
  private readonly restarts: client.Counter;
  /** Whether the last scrape gathered every worker's metrics. */
  private scraped = 1;
  /** The management endpoint's port once listening. */
  managementPort: number | null = null;

  constructor(
    /** The configuration in force; SIGHUP re-reads it (the drain timeout is live). */
    private config: Config,
    private readonly workers: number,
    private readonly log: Logger,
  ) {
    this.slots = Array.from({ length: workers }, (_, i) => ({
      index: i + 1,
      worker: null,
      started: false,
      backoff: new RestartBackoff(),
      restartTimer: null,
    }));
    this.restarts = new client.Counter({
      name: 'kafka_warden_worker_restarts_total',
      help: 'Worker processes restarted after they died',
      registers: [this.registry],
    });
    const slots = this.slots;
    new client.Gauge({
      name: 'kafka_warden_workers_running',
      help: 'Worker processes started and running, out of kafka_warden_workers_configured',
      registers: [this.registry],
      collect() {
        this.set(slots.filter((s) => s.started && s.worker !== null).length);
      },
    });
    const scraped = () => this.scraped;
    new client.Gauge({
      name: 'kafka_warden_workers_scraped',
      help: "1 when this scrape has every worker's metrics, 0 when a worker did not answer in time",
      registers: [this.registry],
      collect() {
        this.set(scraped());
      },
    });
    new client.Gauge({
      name: 'kafka_warden_workers_configured',
      help: 'Worker processes serve --workers asked for',
      registers: [this.registry],
      collect() {
        this.set(slots.length);
      },
    });
  }

  /** Forks every worker and waits until each has started; fails (stopping them all) if one cannot. */
  async start(): Promise<void> {
    cluster.on('message', (w, m: unknown) => {
      if (isFromWorker(m)) this.onMessage(w, m);
    });
    cluster.on('exit', (w, code, signal) => this.onExit(w, code, signal));
    try {
      await Promise.all(this.slots.map((s) => this.fork(s)));
    } catch (e) {
      await this.stop();
      throw e;
    }
    const m = this.config.management;
    if (m !== undefined) {
      this.management = new ManagementServer(
        { contentType: this.registry.contentType, text: () => this.metricsText() },
        () => this.probe('ready'),
        this.log,
        () => this.probe('live'),
      );
      this.managementPort = await this.management.start(m.host, m.port);
    }
    this.log.info({ workers: this.workers }, 'proxy started');
  }

  private fork(slot: Slot): Promise<void> {
    slot.started = false;
    const worker = cluster.fork({ [WORKER_ENV]: String(slot.index), [WORKERS_ENV]: String(this.workers) });
    slot.worker = worker;
    this.log.info({ worker: slot.index, workerPid: worker.process.pid }, 'worker forked');
    // A write to a worker that just died is an 'error' on it; unhandled, it would end the supervisor.
    worker.on('error', (e) => this.log.warn({ worker: slot.index, reason: e.message }, 'worker channel error'));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        // A worker stuck starting may already hold listeners: it must not stay half alive.
        worker.process.kill('SIGKILL');
        reject(new Error(`worker ${slot.index} did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      const onStarted = (m: unknown) => {
        if (!isFromWorker(m) || m.type !== 'warden:started') return;
        cleanup();
        slot.started = true;
        slot.backoff.started();
        // A stop that came while it was loading could not reach it (a worker listens for messages
        // only once its code has loaded): it is told now.
        if (this.stopping !== null) this.send(slot, { type: 'warden:stop' });
        resolve();
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`worker ${slot.index} exited while starting (${signal ?? `code ${code}`})`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onStarted);
        worker.off('exit', onExit);
      };
      worker.on('message', onStarted);
      worker.once('exit', onExit);
    });
  }

  private onMessage(_w: Worker, m: FromWorker): void {
    if (m.type === 'warden:probe-result') this.pendingProbes.get(m.id)?.(m);
  }

  /**
   * A worker died: restarted after a backoff that grows while it keeps dying young. One that dies
   * while it restarts is tried again the same way (the fork's own failure schedules it); only the
   * first start of all fails start() instead.
   */
  private onExit(w: Worker, code: number | null, signal: string | null): void {
    const slot = this.slots.find((s) => s.worker === w);
    if (slot === undefined) return;
    const wasStarted = slot.started;
    slot.worker = null;
    slot.started = false;
    if (this.stopping !== null || !wasStarted) return;
    this.log.error({ worker: slot.index, code, signal }, 'worker died; restarting it');
    this.restartLater(slot);
  }

  private restartLater(slot: Slot): void {
    const delayMs = slot.backoff.next();
    this.restarts.inc();
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (this.stopping !== null) return;
      this.fork(slot).catch((e: Error) => {
        if (this.stopping !== null) return;
        this.log.error({ worker: slot.index, reason: e.message, restartInMs: delayMs }, 'worker restart failed');
        this.restartLater(slot);
      });
    }, delayMs);
  }

  private send(slot: Slot, m: ToWorker): boolean {
    const w = slot.worker;
    if (w === null || !w.isConnected()) return false;
    w.send(m, undefined, () => undefined); // a failed write is the worker's 'error', logged there
    return true;
  }

  /**
   * Readiness: every worker running and ready. Liveness: every running worker answers (a hung
   * event loop); a worker being restarted or the supervisor stopping makes it unready, not dead,
   * so that Kubernetes does not restart the whole pod for what the supervisor is already doing.
   */
  private async probe(kind: 'ready' | 'live'): Promise<ProbeResult> {
    const answers = await Promise.all(this.slots.map((s) => this.probeOne(s)));
    const reasons: string[] = [];
    if (kind === 'ready' && this.stopping !== null) reasons.push('stopping');
    for (const [i, a] of answers.entries()) {
      const name = `worker ${i + 1}`;
      if (a === 'timeout') reasons.push(`${name} did not answer within ${PROBE_TIMEOUT_MS} ms`);
      else if (kind === 'live') continue;
      else if (a === 'not running') reasons.push(`${name} is not running`);
      else if (!a.ready) reasons.push(...a.reasons.map((r) => `${name}: ${r}`));
    }
    return { ok: reasons.length === 0, reasons };
  }

  private probeOne(slot: Slot): Promise<{ ready: boolean; reasons: string[] } | 'not running' | 'timeout'> {
    if (!slot.started) return Promise.resolve('not running');
    const id = ++this.probeId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingProbes.delete(id);
        resolve('timeout');
      }, PROBE_TIMEOUT_MS);
      this.pendingProbes.set(id, (m) => {
        if (m.type !== 'warden:probe-result') return;
        clearTimeout(timer);
        this.pendingProbes.delete(id);
        resolve({ ready: m.ready, reasons: m.reasons });
      });
      if (!this.send(slot, { type: 'warden:probe', id })) {
        clearTimeout(timer);
        this.pendingProbes.delete(id);
        resolve('not running');
      }
    });
  }

  /**
   * Every worker's metrics, combined (sums, or each gauge's own aggregator), and the supervisor's
   * own. A worker that does not answer (prom-client waits 5 s) leaves the supervisor's own metrics
   * to be served, with kafka_warden_workers_scraped at 0, rather than no scrape at all.
   */
  private async metricsText(): Promise<string> {
    let workers = '';
    try {
      workers = await this.aggregator.clusterMetrics();
      this.scraped = 1;
    } catch (e) {
      this.scraped = 0;
      this.log.warn({ reason: (e as Error).message }, "workers' metrics could not be gathered");
    }
    return `${workers}${await this.registry.metrics()}`;
  }

  /**
   * SIGHUP: every worker reloads the configuration file (and with it credentials, ACLs,
   * certificates); the supervisor takes the live settings it uses itself (the drain timeout).
   */
  reload(next: Config | null): void {
    if (next !== null) this.config = next;
    for (const s of this.slots) this.send(s, { type: 'warden:reload' });
  }

  /** Each worker drains (up to the drain timeout), then exits; a worker that outlives it is killed. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    for (const s of this.slots) if (s.restartTimer !== null) clearTimeout(s.restartTimer);
    const graceMs = this.config.shutdown.drainTimeoutMs + 10_000;
    await Promise.all(this.slots.map((s) => this.stopOne(s, graceMs)));
    await this.management?.close();
    this.log.info('proxy stopped');
  }

  private async stopOne(slot: Slot, graceMs: number): Promise<void> {
    const w = slot.worker;
    if (w === null) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    // One still starting is told once it has started (see fork).
    if (slot.started && !this.send(slot, { type: 'warden:stop' })) w.process.kill('SIGTERM');
    const killer = setTimeout(() => w.process.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  }
}
