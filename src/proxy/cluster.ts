import type { Logger } from 'pino';
import { ApiKey } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/constants.js';
import { UpstreamConnection, UpstreamError, type UpstreamAddress } from './upstream.js';
import { fetchApiVersions, request, type BrokerVersions } from './upstream-request.js';
import { BrokerMap, type UpstreamNode } from './broker-map.js';

/**
 * Readiness follows the upstream cluster within this bound: a probe (started when an upstream
 * connection is lost) gives every broker this long to connect and answer ApiVersions and Metadata,
 * and the cluster view's connections never wait longer than this to connect (upstream
 * connectTimeoutMs may be longer: a broker that refuses fails fast, a blackholed one would not).
 */
export const PROBE_TIMEOUT_MS = 1500;
/** Probes start at most this often (connection losses come in bursts). */
const PROBE_MIN_INTERVAL_MS = 250;
/** Refresh interval while the cluster is unreachable. */
const UNREACHABLE_RETRY_MS = 1000;
/**
 * Bootstrap connections avoid a broker this long after a connection to it failed to connect: a
 * crashed broker stays in the cluster's metadata until the controller fences it (Kafka's
 * broker.session.timeout.ms, 9 s by default), and a client pinned to it would only be closed.
 */
export const BOOTSTRAP_AVOID_MS = 10_000;

/**
 * What the proxy knows of the upstream cluster: its brokers (refreshed with Metadata) and each
 * broker's ApiVersions, and whether the cluster is reachable (readiness). Uses connections of its
 * own, never the client pool: the one the last refresh succeeded on stays open (the watch) and the
 * next refresh uses it again.
 *
 * Readiness follows a lost cluster within about 2 s, not at the next refresh: when the watch or an
 * upstream connection of the pools is lost (failed, timed out, closed by the broker;
 * `connectionLost`), a probe asks every known broker at once and the cluster is unreachable when
 * none answers within PROBE_TIMEOUT_MS. While it is unreachable, refreshes run every second.
 */
export class ClusterView {
  readonly brokers = new BrokerMap();
  /**
   * Topic names by topic id (hex), learned from the Metadata responses that pass through, so that
   * requests naming topics by id (Fetch v13+, DeleteTopics v6+) can be authorized by name. Ids
   * never change name in Kafka, so an entry never goes stale, only unused.
   */
  readonly topicNames = new Map<string, string>();
  /** Topics whose ids every refresh learns (the proxy's own: see watchTopics). */
  private watched: string[] = [];
  private readonly versions = new Map<number, BrokerVersions>();
  private bootstrapVersions: BrokerVersions | null = null;
  private readonly bootstrap: UpstreamAddress[];
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs = 10_000;
  private timer: NodeJS.Timeout | null = null;
  private intervalMs: number | null = null;
  private rr = 0;
  /** When a connection to an address ("host:port") last failed to connect. */
  private readonly unconnectable = new Map<string, number>();
  private stopped = false;
  /** The connection the last successful refresh used, kept open: its loss starts a probe. */
  private watch: UpstreamConnection | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private probing = false;
  /** A connection was lost while a probe ran: probe again after it. */
  private probeAgain = false;
  private lastProbeAt = 0;
  /** Refreshes may overlap (a probe during a periodic refresh): the latest started one decides. */
  private refreshSeq = 0;
  private appliedSeq = 0;
  /** True after the last refresh reached the cluster. */
  reachable = false;
  lastError: string | null = null;

  constructor(bootstrap: string[], log: Logger, connectTimeoutMs: number) {
    this.bootstrap = bootstrap.map(parseHostPort);
    this.log = log.child({ component: 'cluster' });
    this.connectTimeoutMs = Math.min(connectTimeoutMs, PROBE_TIMEOUT_MS);
    this.brokers.onNode((n) => {
      this.log.info({ nodeId: n.nodeId, host: n.host, port: n.port }, 'upstream broker learned');
      void this.fetchVersions(n);
    });
  }

  /** Versions of a node (or of the bootstrap broker when the node's are not known yet). */
  versionsOf(nodeId: number | null): BrokerVersions | null {
    if (nodeId !== null) {
      const v = this.versions.get(nodeId);
      if (v) return v;
    }
    return this.bootstrapVersions;
  }

  /**
   * An upstream connection to `address` failed before it connected (refused, timed out): new
   * bootstrap connections go elsewhere for BOOTSTRAP_AVOID_MS.
   */
  connectFailed(address: UpstreamAddress, now = Date.now()): void {
    this.unconnectable.set(`${address.host}:${address.port}`, now);
  }

  /**
   * A broker for a bootstrap connection: round robin over the brokers the cluster lists now, less
   * those a connection recently failed to reach (all known ones if that leaves none), else a
   * bootstrap address.
   */
  pickBootstrapTarget(now = Date.now()): { nodeId: number | null; address: UpstreamAddress } {
    const listed = this.brokers.listedNodes();
    const reachable = listed.filter(
      (n) => now - (this.unconnectable.get(`${n.host}:${n.port}`) ?? -Infinity) >= BOOTSTRAP_AVOID_MS,
    );
    const nodes = reachable.length > 0 ? reachable : listed.length > 0 ? listed : this.brokers.all();
    if (nodes.length > 0) {
      const n = nodes[this.rr++ % nodes.length]!;
      return { nodeId: n.nodeId, address: { host: n.host, port: n.port } };
    }
    return { nodeId: null, address: this.bootstrap[this.rr++ % this.bootstrap.length]! };
  }

  private async withConnection<T>(address: UpstreamAddress, fn: (c: UpstreamConnection) => Promise<T>): Promise<T> {
    const conn = new UpstreamConnection(address, this.log, this.connectTimeoutMs);
    try {
      return await fn(conn);
    } finally {
      conn.close();
    }
  }

  private async fetchVersions(n: UpstreamNode): Promise<void> {
    try {
      const v = await this.withConnection({ host: n.host, port: n.port }, (c) =>
        fetchApiVersions(c, () => this.requestTimeoutMs),
      );
      this.versions.set(n.nodeId, v);
    } catch (e) {
      this.log.warn({ nodeId: n.nodeId, reason: (e as Error).message }, 'upstream broker ApiVersions failed');
    }
  }

  /** Learns the cluster on one connection: ApiVersions, then Metadata, both by `deadline`. */
  private async learnOn(conn: UpstreamConnection, deadline: number): Promise<void> {
    const left = () => Math.max(1, deadline - Date.now());
    const versions = await fetchApiVersions(conn, left);
    this.bootstrapVersions ??= versions;
    const mr = versions.ranges.get(ApiKey.Metadata);
    if (!mr) throw new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', 'upstream does not support Metadata');
    const mv = Math.min(mr[1], 12);
    if (mv < 1) throw new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', 'upstream supports only Metadata v0');
    const md = await request(
      conn,
      ApiKey.Metadata,
      mv,
      {
        topics: mv >= 10 ? this.watched.map((name) => ({ name, topicId: ZERO_UUID })) : [],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      },
      left(),
    );
    for (const t of md.topics)
      if (t.errorCode === 0 && t.name !== null && !t.topicId.equals(ZERO_UUID))
        this.topicNames.set(t.topicId.toString('hex'), t.name);
    this.brokers.clusterId = md.clusterId;
    this.brokers.controllerId = md.controllerId;
    this.brokers.update(
      md.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      true,
    );
  }

  /**
   * Topics whose ids each refresh learns into topicNames, whether or not a client asked for them
   * (the proxy's own topics, refused by id too). Asked for only where Metadata has topic ids (v10+,
   * which also never auto-creates them).
   */
  watchTopics(names: readonly string[]): void {
    this.watched = [...names];
  }

  /** Known brokers, then the bootstrap addresses, each once. */
  private targets(): UpstreamAddress[] {
    const seen = new Set<string>();
    const out: UpstreamAddress[] = [];
    for (const a of [...this.brokers.all().map((n) => ({ host: n.host, port: n.port })), ...this.bootstrap]) {
      const key = `${a.host}:${a.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a);
    }
    return out;
  }

  /** The broker the cluster view keeps its one connection to (not a pool connection), if any. */
  get watching(): UpstreamAddress | null {
    return this.openWatch()?.address ?? null;
  }

  /** The open watch connection, if any. */
  private openWatch(): UpstreamConnection | null {
    return this.watch !== null && !this.watch.closed ? this.watch : null;
  }

  /** Keeps `conn` (which just answered) as the watch, unless an open one is already kept. */
  private keep(conn: UpstreamConnection): void {
    if (conn === this.watch) return;
    if (this.stopped || this.openWatch() !== null) {
      conn.close();
      return;
    }
    this.watch = conn;
    conn.onClose(() => {
      if (this.watch !== conn) return; // replaced or closed by us
      this.watch = null;
      this.connectionLost(`connection to ${conn.address.host}:${conn.address.port} lost`);
    });
  }

  private dropWatch(): void {
    const w = this.watch;
    this.watch = null;
    w?.close();
  }

  /** A periodic refresh: the watch, else each broker in turn. */
  private async refreshInTurn(): Promise<void> {
    const w = this.openWatch();
    let lastErr: Error | null = null;
    if (w !== null) {
      try {
        await this.learnOn(w, Date.now() + this.requestTimeoutMs);
        return;
      } catch (e) {
        lastErr = e as Error;
        if (this.watch === w) this.dropWatch();
      }
    }
    for (const address of this.targets()) {
      const conn = new UpstreamConnection(address, this.log, this.connectTimeoutMs);
      try {
        await this.learnOn(conn, Date.now() + this.requestTimeoutMs);
        this.keep(conn);
        return;
      } catch (e) {
        lastErr = e as Error;
        conn.close();
      }
    }
    throw lastErr ?? new Error('no bootstrap broker');
  }

  /** A probe: the watch and every broker at once; the first to answer within PROBE_TIMEOUT_MS wins. */
  private async probeAll(): Promise<void> {
    const deadline = Date.now() + PROBE_TIMEOUT_MS;
    const w = this.openWatch();
    const fresh = this.targets().map((a) => new UpstreamConnection(a, this.log, this.connectTimeoutMs));
    const conns = w === null ? fresh : [w, ...fresh];
    try {
      const winner = await Promise.any(
        conns.map((c) =>
          this.learnOn(c, deadline).then(
            () => c,
            (e: unknown) => {
              if (c.connectFailed) this.connectFailed(c.address);
              throw e;
            },
          ),
        ),
      );
      this.keep(winner);
    } catch (e) {
      const errors = (e as AggregateError).errors as Error[];
      throw errors[errors.length - 1] ?? new Error('no bootstrap broker');
    } finally {
      for (const c of fresh) if (c !== this.watch) c.close();
      if (w !== null && w.closed && this.watch === w) this.watch = null;
    }
  }

  /**
   * One refresh: ApiVersions and Metadata from the first broker that answers. `probe`: every broker
   * at once, bounded by PROBE_TIMEOUT_MS (after a lost connection); else one after the other.
   */
  async refresh(probe = false): Promise<void> {
    const seq = ++this.refreshSeq;
    let err: Error | null = null;
    try {
      await (probe ? this.probeAll() : this.refreshInTurn());
    } catch (e) {
      err = e as Error;
    }
    if (seq < this.appliedSeq) return; // a refresh started later has already decided
    this.appliedSeq = seq;
    if (err === null) {
      if (!this.reachable) this.log.info({ brokers: this.brokers.size }, 'upstream cluster reachable');
      this.reachable = true;
      this.lastError = null;
      return;
    }
    if (this.reachable || this.lastError === null) {
      this.log.warn({ reason: err.message }, 'upstream cluster unreachable');
    }
    const was = this.reachable;
    this.reachable = false;
    this.lastError = err.message;
    // A probe found it gone between periodic refreshes: retry every second from now, not after
    // the rest of the interval (a periodic refresh running now schedules itself when it ends).
    if (was && this.timer !== null) this.schedule();
  }

  /**
   * An upstream connection was lost (failed, timed out or closed by the broker; not closed by the
   * proxy): probe the cluster now instead of at the next refresh, so that readiness follows within
   * PROBE_MIN_INTERVAL_MS + PROBE_TIMEOUT_MS. Nothing to do while the cluster is already
   * unreachable (refreshes then run every second).
   */
  connectionLost(reason: string): void {
    if (this.stopped || !this.reachable) return;
    if (this.probing) {
      this.probeAgain = true;
      return;
    }
    if (this.probeTimer !== null) return;
    this.log.debug({ reason }, 'upstream connection lost: probing the cluster');
    this.probeTimer = setTimeout(
      () => {
        this.probeTimer = null;
        this.probing = true;
        this.lastProbeAt = Date.now();
        void this.refresh(true).finally(() => {
          this.probing = false;
          if (this.probeAgain) {
            this.probeAgain = false;
            this.connectionLost('lost during the last probe');
          }
        });
      },
      Math.max(0, this.lastProbeAt + PROBE_MIN_INTERVAL_MS - Date.now()),
    );
    this.probeTimer.unref();
  }

  /** Waits for the first refresh and then refreshes every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    this.stopped = false;
    this.intervalMs = intervalMs;
    await this.refresh();
    this.schedule();
  }

  /** The next periodic refresh: quickly while the cluster is unreachable. */
  private schedule(): void {
    if (this.stopped || this.intervalMs === null) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.refresh().finally(() => this.schedule());
      },
      this.reachable ? this.intervalMs : Math.min(this.intervalMs, UNREACHABLE_RETRY_MS),
    );
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.dropWatch();
  }
}

export function parseHostPort(s: string): UpstreamAddress {
  const i = s.lastIndexOf(':');
  let host = s.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(s.slice(i + 1)) };
}
