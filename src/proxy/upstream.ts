import net from 'node:net';
import type { Logger } from 'pino';
import { FrameReader } from '../protocol/frame-reader.js';
import { BufferPool, framePool } from '../protocol/buffer-pool.js';
import { sharedReadBuffer, staticReadsDisabled } from './static-read.js';
import { WardenError } from '../protocol/errors.js';

/** An upstream failure; the requests it affects are failed with it. */
export class UpstreamError extends WardenError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** A request waiting for its response on an upstream connection. */
export interface PendingRequest {
  /** Correlation id the client used; restored in the response. */
  readonly clientCorrelationId: number;
  /** Wall-clock deadline (ms) after which the connection is considered stuck. */
  readonly deadline: number;
  /** Receives the response packet (4-byte size + frame) with the client's correlation id. */
  onResponse(packet: Buffer): void;
  onError(err: UpstreamError): void;
  /** Assigned by the connection. */
  upstreamCorrelationId?: number;
}

export interface UpstreamAddress {
  host: string;
  port: number;
}

/** Byte offset of the correlation id in a request or response packet (after the size prefix). */
const REQUEST_CID_OFFSET = 8;
const RESPONSE_CID_OFFSET = 4;
/** Responses come from a trusted broker; a generous limit still bounds a corrupt size field. */
const MAX_RESPONSE_BYTES = 1024 * 1024 * 1024;

/**
 * One TCP connection to an upstream broker, shared by any number of client connections.
 *
 * Correlation ids are remapped: each request gets the next id of this connection, written in
 * place into the packet; the broker answers one connection's requests in order, so pending
 * requests form a FIFO and a response must match its head (anything else is a protocol error that
 * fails the connection). Requests written while connecting are buffered by the socket.
 *
 * States: connecting -> ready -> closed. Once closed, every pending request has been failed and
 * the connection is never used again.
 */
export class UpstreamConnection {
  readonly address: UpstreamAddress;
  readonly id: number;
  /** Clients currently routed through this connection (for least-loaded assignment). */
  assigned = 0;
  /** True while it serves one client exclusively (parking requests, dedicated mode). */
  exclusive = false;
  /** True when close() ended it; false when it failed, timed out or the broker closed it. */
  closedByProxy = false;
  /** True when it failed before it connected (refused, unreachable, connect timeout). */
  connectFailed = false;
  private state: 'connecting' | 'ready' | 'closed' = 'connecting';
  private readonly socket: net.Socket;
  private readonly reader: FrameReader;
  private readonly pending: PendingRequest[] = [];
  private head = 0;
  private nextCid = 1;
  private readonly log: Logger;
  private readonly closeHandlers: Array<(c: UpstreamConnection) => void> = [];
  private connectTimer: NodeJS.Timeout | null;
  lastUsed = Date.now();

  private static ids = 0;

  constructor(address: UpstreamAddress, log: Logger, connectTimeoutMs: number) {
    this.address = address;
    this.id = ++UpstreamConnection.ids;
    this.log = log.child({ upstream: `${address.host}:${address.port}`, conn: this.id });
    this.reader = new FrameReader((p) => this.onPacket(p), MAX_RESPONSE_BYTES, framePool);
    // Responses are read into the process's shared read buffer (Node's onread option: no Buffer
    // per read) and copied out by the frame reader.
    this.reader.chunksReused = !staticReadsDisabled;
    // Brokers are trusted (SECURITY.md) and the bytes a response's size announces are coming: the
    // whole frame is allocated at once (up to the pool's largest class), not grown by copying.
    this.reader.upfrontBytes = BufferPool.MAX_CLASS;
    const onread = staticReadsDisabled
      ? undefined
      : {
          buffer: sharedReadBuffer(),
          callback: (n: number, buf: Uint8Array) => this.onChunk((buf as Buffer).subarray(0, n)),
        };
    this.socket = net.connect({ host: address.host, port: address.port, noDelay: true, onread });
    if (onread === undefined) this.socket.on('data', (chunk: Buffer) => this.onChunk(chunk));
    this.connectTimer = setTimeout(() => {
      this.fail(
        new UpstreamError(
          'WARDEN_ERR_UPSTREAM_CONNECT_TIMEOUT',
          `connecting to ${address.host}:${address.port} timed out`,
        ),
      );
    }, connectTimeoutMs);
    this.connectTimer.unref();
    this.socket.on('connect', () => {
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
      if (this.state === 'connecting') this.state = 'ready';
      this.log.debug('upstream connected');
    });
    this.socket.on('error', (e: NodeJS.ErrnoException) => {
      this.fail(
        new UpstreamError('WARDEN_ERR_UPSTREAM_IO', `upstream ${address.host}:${address.port}: ${e.code ?? e.message}`),
      );
    });
    this.socket.on('close', () => {
      this.fail(
        new UpstreamError(
          'WARDEN_ERR_UPSTREAM_CLOSED',
          `upstream ${address.host}:${address.port} closed the connection`,
        ),
      );
    });
  }

  private onChunk(chunk: Buffer): boolean {
    try {
      this.reader.push(chunk);
    } catch (e) {
      this.fail(new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', (e as Error).message));
    }
    return true;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.length - this.head;
  }

  /** Bytes queued in the socket and not yet handed to the kernel. */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  onClose(fn: (c: UpstreamConnection) => void): void {
    this.closeHandlers.push(fn);
  }

  /**
   * Sends a request packet (4-byte size + frame). Its correlation id is rewritten in place.
   * Without `pending` no response is expected. `onWritten` runs once the packet has left this
   * process (handed to the kernel) or can never leave it: how the client that sent it learns that
   * its bytes are no longer queued here.
   */
  send(packet: Buffer, pending: PendingRequest | null, onWritten?: () => void): void {
    if (this.state === 'closed') {
      onWritten?.();
      pending?.onError(new UpstreamError('WARDEN_ERR_UPSTREAM_CLOSED', 'upstream connection is closed'));
      return;
    }
    const cid = this.nextCid;
    this.nextCid = cid === 0x7fffffff ? 1 : cid + 1;
    packet.writeInt32BE(cid, REQUEST_CID_OFFSET);
    if (pending !== null) {
      pending.upstreamCorrelationId = cid;
      this.pending.push(pending);
    }
    this.lastUsed = Date.now();
    // Once written, a pooled request frame goes back to the pool (a no-op for other buffers).
    this.socket.write(packet, () => {
      framePool.release(packet);
      onWritten?.();
    });
  }

  /**
   * Stops (or resumes) reading responses: TCP back-pressure reaches the broker. Only for a
   * connection that serves one client, whose responses that client is not reading.
   */
  pauseReading(paused: boolean): void {
    if (this.state === 'closed') return;
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  /** Fails the connection when its oldest request is past its deadline. */
  checkDeadline(now: number): void {
    if (this.head < this.pending.length && this.pending[this.head]!.deadline < now) {
      this.fail(new UpstreamError('WARDEN_ERR_UPSTREAM_TIMEOUT', 'upstream request timed out'));
    }
  }

  private onPacket(packet: Buffer): void {
    if (this.head >= this.pending.length) {
      throw new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', 'response without a pending request');
    }
    // Checked before the request leaves the queue: a response that does not match fails the
    // connection, and with it every request still queued, this one included.
    const req = this.pending[this.head]!;
    if (packet.length < 8) throw new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', 'response shorter than its header');
    const cid = packet.readInt32BE(RESPONSE_CID_OFFSET);
    if (cid !== req.upstreamCorrelationId) {
      throw new UpstreamError(
        'WARDEN_ERR_UPSTREAM_PROTOCOL',
        `response correlation id ${cid} does not match the oldest request ${req.upstreamCorrelationId}`,
      );
    }
    this.pending[this.head] = undefined as never;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
    packet.writeInt32BE(req.clientCorrelationId, RESPONSE_CID_OFFSET);
    this.lastUsed = Date.now();
    req.onResponse(packet);
  }

  /** Closes the connection and fails every pending request with `err`. */
  fail(err: UpstreamError): void {
    if (this.state === 'closed') return;
    const wasConnecting = this.state === 'connecting';
    this.connectFailed = wasConnecting && !this.closedByProxy;
    this.state = 'closed';
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.socket.destroy();
    const pending = this.pending.slice(this.head);
    this.pending.length = 0;
    this.head = 0;
    if (pending.length > 0 || wasConnecting) {
      this.log.warn(
        { code: err.code, reason: err.message, failedRequests: pending.length },
        'upstream connection failed',
      );
    } else {
      this.log.debug({ code: err.code }, 'upstream connection closed');
    }
    for (const p of pending) p.onError(err);
    for (const fn of this.closeHandlers) fn(this);
  }

  /** Closes the connection without an error (shutdown, idle). Pending requests are failed. */
  close(): void {
    if (this.state !== 'closed') this.closedByProxy = true;
    this.fail(new UpstreamError('WARDEN_ERR_UPSTREAM_CLOSED', 'upstream connection closed by the proxy'));
  }
}
