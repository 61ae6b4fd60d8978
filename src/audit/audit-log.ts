import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Writable } from 'node:stream';
import { chainLine, type ChainState } from './chain.js';
import { FileSink, StreamSink, type DeliverySink } from './sinks.js';
import { KafkaSink } from './kafka-sink.js';
import { Spool } from './spool.js';
import { authorizationEvent, type AuditEvent, type RequestInfo } from './event.js';
import type { AuditRecorder, AuthorizationRecord } from '../acl/decision.js';
import type { OpenUpstream } from './upstream-client.js';
import { Operation, type OperationCode } from '../acl/model.js';

export type SinkConfig =
  | {
      type: 'file';
      path: string;
      maxBytes: number;
      maxFiles: number;
      fsync: 'always' | 'interval' | 'never';
      fsyncIntervalMs: number;
    }
  | { type: 'stdout' }
  | { type: 'kafka'; topic: string; batchSize: number; lingerMs: number; timeoutMs: number };

export interface AuditConfig {
  /** Which allowed decisions are recorded; denials always are. */
  allowed: 'default' | 'all' | 'none';
  /** Needed by the stdout and kafka sinks; a file sink is its own durable store. */
  spool?: { dir: string; maxBytes: number; segmentBytes: number; onFull: 'failClosed' | 'dropOldest'; fsync: boolean };
  sinks: SinkConfig[];
}

/**
 * The operations whose allowed use is recorded by default: every change to the cluster's state, and
 * CLUSTER_ACTION, the broker-to-broker grant that lets a client past every per-topic check (a
 * follower fetch reads any partition, OffsetForLeaderEpoch answers for every topic).
 */
const DEFAULT_RECORDED_OPS = new Set<OperationCode>([
  Operation.CREATE,
  Operation.DELETE,
  Operation.ALTER,
  Operation.ALTER_CONFIGS,
  Operation.CLUSTER_ACTION,
]);

export interface AuditDeps {
  log: Logger;
  /** Where the kafka sinks write; null when there is none (tests of the other sinks). */
  upstream: OpenUpstream | null;
  stdout?: Writable;
  /** Names this writer in every chain it writes (the `chainid` attribute); none when absent. */
  chainId?: string;
}

export interface AuditStats {
  emitted: number;
  /** Events refused because a spool was full (failClosed) or a file write failed. */
  refused: number;
  /** Events dropped (dropOldest spools, failed file writes under dropOldest). */
  dropped: number;
  /** Undelivered events per spooled sink. */
  pending: Record<string, number>;
}

interface Spooled {
  sink: DeliverySink;
  spool: Spool;
  chain: ChainState;
  batchSize: number;
  lingerMs: number;
  pumping: boolean;
  timer: NodeJS.Timeout | null;
  failing: boolean;
  backoffMs: number;
}

interface Direct {
  sink: FileSink;
  chain: ChainState;
}

/**
 * The audit trail. `record` serializes an event once and, for every sink, chains it (chain.ts) and
 * stores it durably before returning: the file sink appends to its file, the others append to
 * their spool, from which a background pump delivers in order (batched), retrying with backoff
 * while a sink is down. Nothing is lost silently: when a spool is full, failClosed makes `record`
 * return false (the caller refuses the request that needed the event) and dropOldest drops the
 * oldest undelivered events, counted and logged.
 */
export class AuditLog implements AuditRecorder<RequestInfo> {
  config: AuditConfig;
  private readonly log: Logger;
  private readonly direct: Direct[] = [];
  private readonly spooled: Spooled[] = [];
  private stopped = false;
  private droppedLogged = 0;
  /** What a full spool or a failed write does; failClosed without a spool section. */
  private readonly onFull: 'failClosed' | 'dropOldest';
  private readonly chainId: string | undefined;
  readonly stats = { emitted: 0, refused: 0, dropped: 0 };

  constructor(config: AuditConfig, deps: AuditDeps) {
    this.config = config;
    this.log = deps.log.child({ component: 'audit' });
    this.chainId = deps.chainId;
    this.onFull = config.spool?.onFull ?? 'failClosed';
    const spool = config.spool;
    config.sinks.forEach((s, i) => {
      if (s.type === 'file') {
        this.direct.push({ sink: new FileSink(s), chain: { seq: 0, hash: '' } });
        return;
      }
      if (spool === undefined) throw new Error(`audit sink ${i} (${s.type}) needs audit.spool`);
      const sink = this.deliverySink(s, deps);
      const dir = join(spool.dir, `${i}-${s.type}`);
      this.spooled.push({
        sink,
        spool: new Spool({ ...spool, dir }),
        chain: { seq: 0, hash: '' },
        batchSize: s.type === 'kafka' ? s.batchSize : 500,
        lingerMs: s.type === 'kafka' ? s.lingerMs : 0,
        pumping: false,
        timer: null,
        failing: false,
        backoffMs: 100,
      });
    });
  }

  private deliverySink(s: Exclude<SinkConfig, { type: 'file' }>, deps: AuditDeps): DeliverySink {
    if (s.type === 'stdout') return new StreamSink(deps.stdout ?? process.stdout);
    if (deps.upstream === null) throw new Error(`audit sink kafka:${s.topic} needs the upstream cluster`);
    return new KafkaSink({ topic: s.topic, timeoutMs: s.timeoutMs }, deps.upstream(this.log));
  }

  /** Opens files and spools, resumes every chain, and starts delivering what a previous run left. */
  start(): void {
    for (const d of this.direct) d.chain = d.sink.open();
    for (const s of this.spooled) {
      s.chain = s.spool.open();
      if (s.spool.pendingCount > 0)
        this.log.info({ sink: s.sink.name, pending: s.spool.pendingCount }, 'replaying undelivered audit events');
      this.schedule(s);
    }
  }

  /** Changes which allowed decisions are recorded (a configuration reload). */
  setAllowedPolicy(allowed: AuditConfig['allowed']): void {
    this.config = { ...this.config, allowed };
  }

  /** Whether an allowed decision is recorded under the configured policy. */
  recordsAllowed(operation: OperationCode, firstUseOfTopic: boolean): boolean {
    switch (this.config.allowed) {
      case 'all':
        return true;
      case 'none':
        return false;
      default:
        return DEFAULT_RECORDED_OPS.has(operation) || firstUseOfTopic;
    }
  }

  /** Records an authorization decision made for `request` (the acl/ decision path's recorder). */
  recordAuthorization(clusterId: string, request: RequestInfo, decision: AuthorizationRecord): boolean {
    return this.record(authorizationEvent(clusterId, request, decision));
  }

  /**
   * Stores an event in every sink. Returns false when it could not be stored under failClosed
   * (the caller then refuses what the event records); true otherwise.
   */
  record(event: AuditEvent): boolean {
    if (this.stopped) return this.onFull !== 'failClosed';
    const json = JSON.stringify(event);
    const bytes = Buffer.byteLength(json) + 200;
    if (this.onFull === 'failClosed' && this.spooled.some((s) => s.spool.full(bytes))) {
      this.stats.refused++;
      this.warnFull();
      return false;
    }
    let ok = true;
    for (const d of this.direct) {
      const { line, state } = chainLine(json, d.chain, this.chainId);
      try {
        d.sink.write(line);
        d.chain = state;
      } catch (e) {
        this.log.error(
          { sink: d.sink.name, reason: (e as Error).message, eventId: event.id },
          'audit event could not be written',
        );
        if (this.onFull === 'failClosed') ok = false;
        else this.stats.dropped++;
      }
    }
    for (const s of this.spooled) {
      const { line, state } = chainLine(json, s.chain, this.chainId);
      const before = s.spool.dropped;
      let appended: boolean;
      try {
        appended = s.spool.append(state.seq, line);
      } catch (e) {
        // The spool cannot be written (disk full, gone): as full, under either policy, and said.
        this.log.error(
          { sink: s.sink.name, reason: (e as Error).message, eventId: event.id },
          'audit spool could not be written',
        );
        if (this.onFull === 'failClosed') ok = false;
        else this.stats.dropped++;
        continue;
      }
      if (!appended) {
        ok = false;
        continue;
      }
      s.chain = state;
      const dropped = s.spool.dropped - before;
      if (dropped > 0) {
        this.stats.dropped += dropped;
        this.warnDropped(s.sink.name);
      }
      this.schedule(s);
    }
    if (ok) this.stats.emitted++;
    else this.stats.refused++;
    return ok;
  }

  /** Seconds since the oldest undelivered event of each spooled sink was recorded (0 when none). */
  lagSeconds(): Record<string, number> {
    const now = Date.now();
    return Object.fromEntries(
      this.spooled.map((s) => {
        const head = s.spool.peek(1)[0];
        const time = head === undefined ? null : /"time":"([^"]+)"/.exec(head.line)?.[1];
        return [s.sink.name, time ? Math.max(0, (now - Date.parse(time)) / 1000) : 0];
      }),
    );
  }

  pending(): Record<string, number> {
    return Object.fromEntries(this.spooled.map((s) => [s.sink.name, s.spool.pendingCount]));
  }

  private warnFull(): void {
    if (this.stats.refused === 1 || this.stats.refused % 1000 === 0) {
      this.log.error(
        { refused: this.stats.refused, pending: this.pending() },
        'audit spool full: requests that need an audit event are refused (failClosed)',
      );
    }
  }

  private warnDropped(sink: string): void {
    if (this.stats.dropped - this.droppedLogged >= 1000 || this.droppedLogged === 0) {
      this.droppedLogged = this.stats.dropped;
      this.log.error(
        { sink, dropped: this.stats.dropped },
        'audit spool full: oldest undelivered events dropped (dropOldest)',
      );
    }
  }

  private schedule(s: Spooled): void {
    if (s.pumping || s.timer !== null || this.stopped) return;
    const delay = s.failing ? s.backoffMs : s.lingerMs;
    s.timer = setTimeout(() => {
      s.timer = null;
      void this.pump(s);
    }, delay);
    s.timer.unref();
  }

  private async pump(s: Spooled): Promise<void> {
    if (s.pumping) return;
    s.pumping = true;
    try {
      while (!this.stopped && s.spool.pendingCount > 0) {
        const batch = s.spool.peek(s.batchSize, 1024 * 1024);
        try {
          await s.sink.deliver(batch.map((l) => l.line));
        } catch (e) {
          if (!s.failing)
            this.log.warn(
              { sink: s.sink.name, reason: (e as Error).message, pending: s.spool.pendingCount },
              'audit sink unavailable; events stay in the spool',
            );
          s.failing = true;
          s.backoffMs = Math.min(s.backoffMs * 2, 5000);
          return;
        }
        s.spool.ack(batch[batch.length - 1]!.seq);
        if (s.failing)
          this.log.info(
            { sink: s.sink.name, pending: s.spool.pendingCount },
            'audit sink available again; draining the spool',
          );
        s.failing = false;
        s.backoffMs = 100;
      }
    } finally {
      s.pumping = false;
      if (s.spool.pendingCount > 0) this.schedule(s);
    }
  }

  /** Delivers what it can within `timeoutMs`, then closes; undelivered events stay spooled. */
  async stop(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const s of this.spooled) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
      while (s.spool.pendingCount > 0 && Date.now() < deadline) {
        // A sink may stall (a blocked pipe): never wait past the deadline for it.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          this.pump(s),
          new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now())))),
        ]);
        clearTimeout(timer);
        if (s.spool.pendingCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
    }
    this.stopped = true;
    for (const s of this.spooled) {
      if (s.timer) clearTimeout(s.timer);
      s.spool.close();
      s.sink.close();
    }
    for (const d of this.direct) d.sink.close();
  }
}
