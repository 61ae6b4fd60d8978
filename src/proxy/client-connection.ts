import type net from 'node:net';
import type { Logger } from 'pino';
import { FrameReader } from '../protocol/frame-reader.js';
import { framePool } from '../protocol/buffer-pool.js';
import { API_SPECS } from '../protocol/generated/index.js';
import { WardenError } from '../protocol/errors.js';
import { routineClose, type CloseReason } from '../close-reason.js';
import { readIntoBuffer, sharedReadBuffer } from './static-read.js';
import type { Lane } from './pool.js';
import { ClientMemory } from './client-memory.js';
import type { ClientContext } from './client-context.js';
import type { ConnectionPort, RequestChain, Slot } from './stages/chain.js';
import { ClientIdentity, type ConnectionRecorder } from './stages/client-identity.js';
import type { SessionStage } from './stages/session.js';
import { routeClient } from './stages/upstream.js';
import { buildPipeline } from './stages/index.js';

export type { ClientContext, ListenerSecurity } from './client-context.js';

/**
 * One client connection: the socket side of the request pipeline. It reads frames, hands each to
 * the request chain (src/proxy/stages: session, local APIs, authorization, upstream), writes the
 * answers in request order whatever order they complete in, applies flow control (in-flight
 * requests, socket drain, buffered bytes, a pending authentication step) and closes.
 *
 * States: open -> draining (no more requests are read; answers still go out) -> closed.
 */
export class ClientConnection implements ConnectionPort {
  readonly socket: net.Socket;
  readonly log: Logger;
  private readonly ctx: ClientContext;
  private readonly identity: ClientIdentity;
  private readonly reader: FrameReader;
  private readonly memory: ClientMemory;
  private readonly lane: Lane | null;
  private readonly chain: RequestChain;
  private readonly session: SessionStage;
  private readonly recorder: ConnectionRecorder;
  private readonly slots: Slot[] = [];
  private slotHead = 0;
  private state: 'open' | 'draining' | 'closed' = 'open';
  private pausedForInFlight = false;
  private pausedForDrain = false;
  private readonly closeHandlers: Array<() => void> = [];
  /** Frames that arrived while a stage's decision was pending, handled in order after it. */
  private held: Buffer[] | null = null;
  /** How long a draining connection stays open after its last answer (see drain). */
  private lingerMs = 0;
  /** When this connection last read or wrote anything (performance.now()), for the idle timeout. */
  lastActive = performance.now();

  constructor(socket: net.Socket, ctx: ClientContext, nodeId: number | null) {
    this.socket = socket;
    this.ctx = ctx;
    this.identity = ClientIdentity.of(socket, ctx.security.protocol);
    socket.setNoDelay(true);
    const route = routeClient(ctx.cluster, ctx.pools, nodeId);
    this.lane = route.lane;
    this.log = ctx.log.child({ client: this.identity.remote, listener: ctx.listenerName, node: route.nodeId });
    this.reader = new FrameReader((p) => this.onPacket(p), ctx.maxFrameBytes, framePool);
    this.memory = new ClientMemory(
      ctx.maxBufferedBytes,
      ctx.memory,
      () => this.updateFlow(),
      (stop) => this.lane?.pauseUpstream(stop) ?? false,
    );
    ({
      chain: this.chain,
      session: this.session,
      recorder: this.recorder,
    } = buildPipeline(this, ctx, this.identity, route, this.memory));
    const refused = this.session.open();
    ctx.metrics.connectionsOpened.inc({ listener: ctx.listenerName });
    ctx.metrics.connectionsActive.inc({ listener: ctx.listenerName });
    this.listen(socket);
    if (refused !== null) this.close(refused);
    else if (this.lane === null) this.close('no_upstream', { nodeId });
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // Reads land in the process's shared buffer, without a Buffer and a stream event per read (or
    // per TLS record); the frame reader copies frames out. Pausing stops the socket's reads; bytes
    // already read (for TLS: the records of one socket read) are still delivered, as the rest of a
    // chunk is with 'data' events. The 'data' listener above gets what was buffered before.
    if (readIntoBuffer(socket, sharedReadBuffer(), (view) => this.onData(view))) this.reader.chunksReused = true;
    socket.on('end', () => this.drain());
    socket.on('error', (e: NodeJS.ErrnoException) => this.close('socket_error', { code: e.code }));
    socket.on('close', () => this.close('client_closed'));
    socket.on('drain', () => {
      this.pausedForDrain = false;
      this.updateFlow();
    });
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** `User:...` once known. */
  get principal(): string | null {
    return this.identity.principal;
  }

  /** Requests received and not yet answered. */
  get outstanding(): number {
    return this.slots.length - this.slotHead;
  }

  onClose(fn: () => void): void {
    this.closeHandlers.push(fn);
  }

  setMaxFrameBytes(bytes: number): void {
    this.reader.maxFrameBytes = bytes;
  }

  private onData(chunk: Buffer): void {
    this.lastActive = performance.now();
    this.ctx.metrics.bytesIn += chunk.length;
    if (this.identity.principal !== null)
      this.ctx.metrics.principalTraffic(this.identity.principal, 'in', chunk.length);
    if (this.state !== 'open') return;
    try {
      this.reader.push(chunk);
    } catch (e) {
      // The frame reader's own refusals (a size over the limit); the chain handles its frames' errors.
      if (e instanceof WardenError) return this.close('protocol_error', { code: e.code, detail: e.message });
      this.log.error({ err: e }, 'unexpected error reading a frame');
      this.close('internal_error');
    }
  }

  private onPacket(packet: Buffer): void {
    if (this.state !== 'open') return;
    if (this.held !== null) this.held.push(packet);
    else this.chain.handle(packet);
  }

  hold(): void {
    this.held ??= [];
    this.updateFlow();
  }

  /** Handles the frames held during a pending decision, in order, until one holds again. */
  release(): void {
    const held = this.held;
    this.held = null;
    if (held === null) return;
    this.updateFlow();
    for (let i = 0; i < held.length; i++) {
      // A held frame's stage may hold again: the rest then waits behind it.
      const again = this.heldFrames();
      if (again !== null) {
        again.push(...held.slice(i));
        return;
      }
      this.onPacket(held[i]!);
    }
  }

  private heldFrames(): Buffer[] | null {
    return this.held;
  }

  /** A response slot; a silent one (acks=0) keeps its place in the order and the limits but sends nothing. */
  reserve(apiKey: number, silent = false): Slot {
    const s: Slot = { packet: null, apiKey, start: performance.now(), silent };
    this.slots.push(s);
    if (this.outstanding >= this.ctx.maxInFlight && !this.pausedForInFlight) {
      this.pausedForInFlight = true;
      this.updateFlow();
    }
    return s;
  }

  complete(slot: Slot, packet: Buffer): void {
    if (this.state === 'closed') return;
    slot.packet = packet;
    this.memory.holdResponse(packet.length);
    if (slot.apiKey >= 0)
      this.ctx.metrics
        .api(slot.apiKey, API_SPECS.get(slot.apiKey)!.name)
        .duration.observe((performance.now() - slot.start) / 1000);
    this.writeReady();
    if (this.pausedForInFlight && this.outstanding < this.ctx.maxInFlight / 2) this.pausedForInFlight = false;
    this.updateFlow();
    if (this.state === 'draining' && this.outstanding === 0) this.finishAfterLinger();
  }

  /** Writes the answers at the head of the order that are ready. */
  private writeReady(): void {
    const metrics = this.ctx.metrics;
    while (this.slotHead < this.slots.length) {
      const head = this.slots[this.slotHead]!;
      if (head.packet === null) break;
      const packet = head.packet;
      this.slots[this.slotHead] = undefined as never;
      this.slotHead++;
      if (head.silent) continue;
      metrics.bytesOut += packet.length;
      if (this.identity.principal !== null) metrics.principalTraffic(this.identity.principal, 'out', packet.length);
      const size = packet.length;
      const written = this.socket.write(packet, () => {
        framePool.release(packet);
        this.memory.releaseResponse(size);
        this.lastActive = performance.now();
      });
      if (!written) this.pausedForDrain = true;
    }
    if (this.slotHead === this.slots.length) {
      this.slots.length = 0;
      this.slotHead = 0;
    } else if (this.slotHead > 1024) {
      this.slots.splice(0, this.slotHead);
      this.slotHead = 0;
    }
  }

  private updateFlow(): void {
    if (this.state !== 'open') return;
    // While a decision is pending, nothing more is read: held frames stay bounded.
    if (this.pausedForInFlight || this.pausedForDrain || this.memory.readsPaused || this.held !== null)
      this.socket.pause();
    else this.socket.resume();
  }

  /**
   * Stops reading requests; closes once every answer has gone out, and `lingerMs` after that (a
   * failed login: Kafka sends its answer at once and closes the connection only after
   * connection.failed.authentication.delay.ms, and clients such as kafka-python count on reading
   * the answer before the close arrives).
   */
  drain(lingerMs = 0): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    this.socket.pause();
    this.lingerMs = lingerMs;
    if (this.outstanding === 0) this.finishAfterLinger();
  }

  private finishAfterLinger(): void {
    if (this.lingerMs <= 0) return this.finish();
    setTimeout(() => this.finish(), this.lingerMs).unref();
    this.lingerMs = 0;
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.releaseResources('completed');
    this.socket.end();
    this.socket.destroySoon?.();
    for (const fn of this.closeHandlers) fn();
  }

  /** Closes at once; unanswered requests are dropped (as when a broker connection breaks). */
  close(reason: CloseReason, fields: Record<string, unknown> = {}): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.log[routineClose(reason) ? 'debug' : 'info'](
      { ...fields, reason, outstanding: this.outstanding },
      'client connection closed',
    );
    this.releaseResources(reason);
    this.recorder.closed(reason);
    this.socket.destroy();
    for (const fn of this.closeHandlers) fn();
  }

  /** What a closed connection gives back: its count, its timers, its upstream lane, its buffered bytes. */
  private releaseResources(reason: CloseReason): void {
    const { metrics, listenerName: listener } = this.ctx;
    metrics.connectionsActive.dec({ listener });
    metrics.connectionsClosed.inc({ listener, reason });
    this.session.dispose();
    this.lane?.release();
    this.memory.releaseAll();
  }
}
