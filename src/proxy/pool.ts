import type { Logger } from 'pino';
import { UpstreamConnection, UpstreamError, type PendingRequest, type UpstreamAddress } from './upstream.js';

export type PoolMode = 'pooled' | 'dedicated';

export interface PoolOptions {
  mode: PoolMode;
  maxConnectionsPerBroker: number;
  connectTimeoutMs: number;
  /** Idle exclusive connections kept per broker for reuse. */
  maxIdleExclusive?: number;
  /** Idle connections older than this are closed. */
  idleTimeoutMs?: number;
}

/**
 * Upstream connections to one broker.
 *
 * Shared connections (at most maxConnectionsPerBroker) carry the requests of many clients; a
 * client is assigned to the least-loaded one, and a new one is opened while every existing one
 * already serves clients and the limit is not reached. Exclusive connections serve one client
 * each: in dedicated mode every client, in pooled mode a client once it sends a request that can
 * park at the broker (a long-poll Fetch, JoinGroup, SyncGroup), since a broker answers one request
 * per connection at a time and a parked request would hold up every other client behind it.
 */
export class BrokerPool {
  readonly address: UpstreamAddress;
  private readonly shared: UpstreamConnection[] = [];
  private readonly idleExclusive: UpstreamConnection[] = [];
  private readonly exclusiveInUse = new Set<UpstreamConnection>();
  private readonly opts: Required<PoolOptions>;
  private readonly log: Logger;

  /** Told of every connection lost without the proxy closing it (readiness probes the cluster). */
  private readonly onLost: ((c: UpstreamConnection) => void) | undefined;

  constructor(address: UpstreamAddress, opts: PoolOptions, log: Logger, onLost?: (c: UpstreamConnection) => void) {
    this.address = address;
    this.opts = { maxIdleExclusive: opts.maxConnectionsPerBroker, idleTimeoutMs: 5 * 60_000, ...opts };
    this.log = log;
    this.onLost = onLost;
  }

  get mode(): PoolMode {
    return this.opts.mode;
  }

  /** Open upstream connections of this broker (shared + exclusive, busy or idle). */
  get connectionCount(): number {
    return this.shared.length + this.idleExclusive.length + this.exclusiveInUse.size;
  }

  get sharedCount(): number {
    return this.shared.length;
  }

  /** Requests of clients waiting for their lane to move to an exclusive connection. */
  waiting = 0;

  get inFlight(): number {
    let n = 0;
    for (const c of this.shared) n += c.inFlight;
    for (const c of this.exclusiveInUse) n += c.inFlight;
    return n;
  }

  private open(): UpstreamConnection {
    const c = new UpstreamConnection(this.address, this.log, this.opts.connectTimeoutMs);
    c.onClose((dead) => {
      const i = this.shared.indexOf(dead);
      if (i >= 0) this.shared.splice(i, 1);
      const j = this.idleExclusive.indexOf(dead);
      if (j >= 0) this.idleExclusive.splice(j, 1);
      this.exclusiveInUse.delete(dead);
      if (!dead.closedByProxy) this.onLost?.(dead);
    });
    return c;
  }

  /** A shared connection for one more client. */
  acquireShared(): UpstreamConnection {
    let best: UpstreamConnection | undefined;
    for (const c of this.shared) if (best === undefined || c.assigned < best.assigned) best = c;
    if (best === undefined || (best.assigned > 0 && this.shared.length < this.opts.maxConnectionsPerBroker)) {
      best = this.open();
      this.shared.push(best);
    }
    best.assigned++;
    return best;
  }

  releaseShared(c: UpstreamConnection): void {
    c.assigned = Math.max(0, c.assigned - 1);
  }

  /** A connection for one client alone. */
  acquireExclusive(): UpstreamConnection {
    let c = this.idleExclusive.pop();
    while (c !== undefined && c.closed) c = this.idleExclusive.pop();
    if (c === undefined) c = this.open();
    c.exclusive = true;
    c.assigned = 1;
    this.exclusiveInUse.add(c);
    return c;
  }

  /**
   * Gives an exclusive connection back. One that still has requests in flight is closed (their
   * client is gone, and a parked request would otherwise hold the connection); an idle one is
   * kept for reuse up to maxIdleExclusive.
   */
  releaseExclusive(c: UpstreamConnection): void {
    this.exclusiveInUse.delete(c);
    c.assigned = 0;
    if (c.closed) return;
    if (c.inFlight > 0 || this.idleExclusive.length >= this.opts.maxIdleExclusive) {
      c.close();
      return;
    }
    this.idleExclusive.push(c);
  }

  /** Periodic housekeeping: stuck requests and idle connections. */
  tick(now: number): void {
    for (const c of [...this.shared, ...this.exclusiveInUse]) c.checkDeadline(now);
    for (const c of [...this.idleExclusive]) if (now - c.lastUsed > this.opts.idleTimeoutMs) c.close();
    for (const c of [...this.shared]) {
      if (c.assigned === 0 && c.inFlight === 0 && now - c.lastUsed > this.opts.idleTimeoutMs) c.close();
    }
  }

  closeAll(): void {
    for (const c of [...this.shared, ...this.idleExclusive, ...this.exclusiveInUse]) c.close();
  }
}

interface Waiting {
  packet: Buffer;
  pending: PendingRequest | null;
  parks: boolean;
  onWritten: (() => void) | undefined;
}

/** Unanswered request bytes one client may have on a shared upstream connection. */
export const SHARED_IN_FLIGHT_BYTES = 1024 * 1024;

/**
 * The path of one client connection's requests to one broker. All of a client's requests to a
 * broker travel on one upstream connection at a time, so the broker sees them in order. The lane
 * moves from a shared to an exclusive connection only when nothing of the client is in flight on
 * the shared one; requests that arrive meanwhile wait in order.
 */
export class Lane {
  private readonly pool: BrokerPool;
  private conn: UpstreamConnection | null = null;
  private exclusive: boolean;
  private inFlight = 0;
  /** Bytes of this client's requests sent upstream and not yet answered. */
  private inFlightBytes = 0;
  private readonly waiting: Waiting[] = [];
  private released = false;
  /** Set while the client does not take its responses and the exclusive connection is not read. */
  private upstreamPaused = false;

  constructor(pool: BrokerPool) {
    this.pool = pool;
    this.exclusive = pool.mode === 'dedicated';
  }

  get isExclusive(): boolean {
    return this.exclusive;
  }

  get upstream(): UpstreamConnection | null {
    return this.conn;
  }

  /**
   * Forwards a request packet; `pending` is null when no response is expected. `onWritten` runs
   * once the packet has left the process (or is dropped): see UpstreamConnection.send.
   */
  send(packet: Buffer, pending: PendingRequest | null, parks: boolean, onWritten?: () => void): void {
    // A client that keeps more than its share of bytes unanswered on a shared connection moves to
    // one of its own: on a shared connection its requests would queue every other client's
    // behind them (the broker answers one connection's requests in order).
    if (!parks && !this.exclusive && this.inFlightBytes + packet.length > SHARED_IN_FLIGHT_BYTES) parks = true;
    if (this.released) {
      onWritten?.();
      pending?.onError(new UpstreamError('WARDEN_ERR_UPSTREAM_CLOSED', 'client lane released'));
      return;
    }
    if (this.waiting.length > 0 || (parks && !this.exclusive && this.inFlight > 0)) {
      this.waiting.push({ packet, pending, parks, onWritten });
      this.pool.waiting++;
      return;
    }
    this.dispatch(packet, pending, parks, onWritten);
  }

  /**
   * Stops reading the upstream connection while the client does not read its responses; only an
   * exclusive connection can be paused (a shared one carries other clients' answers). Returns
   * whether the upstream is paused.
   */
  pauseUpstream(paused: boolean): boolean {
    if (!this.exclusive || this.conn === null) return false;
    this.conn.pauseReading(paused);
    this.upstreamPaused = paused;
    return paused;
  }

  private dispatch(packet: Buffer, pending: PendingRequest | null, parks: boolean, onWritten?: () => void): void {
    if (parks && !this.exclusive) {
      // Nothing is in flight here: move to a connection of our own.
      if (this.conn !== null) this.pool.releaseShared(this.conn);
      this.conn = null;
      this.exclusive = true;
    }
    if (this.conn === null || this.conn.closed) {
      if (this.conn !== null && !this.exclusive) this.pool.releaseShared(this.conn);
      this.conn = this.exclusive ? this.pool.acquireExclusive() : this.pool.acquireShared();
      if (this.upstreamPaused && this.exclusive) this.conn.pauseReading(true);
    }
    if (pending === null) {
      this.conn.send(packet, null, onWritten);
      return;
    }
    this.inFlight++;
    const size = packet.length;
    this.inFlightBytes += size;
    const wrapped: PendingRequest = {
      clientCorrelationId: pending.clientCorrelationId,
      deadline: pending.deadline,
      onResponse: (p) => {
        this.inFlightBytes -= size;
        this.settle();
        pending.onResponse(p);
      },
      onError: (e) => {
        this.inFlightBytes -= size;
        this.settle();
        pending.onError(e);
      },
    };
    this.conn.send(packet, wrapped, onWritten);
  }

  private settle(): void {
    this.inFlight--;
    while (this.waiting.length > 0 && !this.released) {
      const next = this.waiting[0]!;
      if (next.parks && !this.exclusive && this.inFlight > 0) return;
      this.waiting.shift();
      this.pool.waiting--;
      this.dispatch(next.packet, next.pending, next.parks, next.onWritten);
    }
  }

  /** The client is gone: give the upstream connection back and drop queued requests. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.waiting -= this.waiting.length;
    for (const w of this.waiting) w.onWritten?.();
    this.waiting.length = 0;
    if (this.conn === null) return;
    if (this.upstreamPaused) this.conn.pauseReading(false);
    if (this.exclusive) this.pool.releaseExclusive(this.conn);
    else this.pool.releaseShared(this.conn);
    this.conn = null;
  }
}

/** Every broker's pool, keyed by host:port. */
export class UpstreamPools {
  private readonly pools = new Map<string, BrokerPool>();
  private readonly opts: PoolOptions;
  private readonly log: Logger;
  private readonly timer: NodeJS.Timeout;
  private readonly onLost: ((c: UpstreamConnection) => void) | undefined;

  /** `onLost`: called with every upstream connection lost without the proxy closing it. */
  constructor(opts: PoolOptions, log: Logger, onLost?: (c: UpstreamConnection) => void) {
    this.opts = opts;
    this.log = log;
    this.onLost = onLost;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const p of this.pools.values()) p.tick(now);
    }, 1000);
    this.timer.unref();
  }

  get(address: UpstreamAddress): BrokerPool {
    const key = `${address.host}:${address.port}`;
    let p = this.pools.get(key);
    if (p === undefined) {
      p = new BrokerPool(address, this.opts, this.log, this.onLost);
      this.pools.set(key, p);
    }
    return p;
  }

  all(): BrokerPool[] {
    return [...this.pools.values()];
  }

  closeAll(): void {
    clearInterval(this.timer);
    for (const p of this.pools.values()) p.closeAll();
  }
}
