// A minimal Kafka client over a raw socket for tests that need exact control over the bytes
// (malformed frames, parking requests, many idle connections). The other side is always a real
// broker (the mock cluster) behind the proxy, so our codec does not just talk to itself.
import net from 'node:net';
import tls from 'node:tls';
import { Writer } from '../../src/protocol/writer.js';
import { Reader } from '../../src/protocol/reader.js';
import { API_SPECS } from '../../src/protocol/generated/index.js';
import { encodeRequestHeader, responseHeaderLength } from '../../src/protocol/headers.js';
import { FrameReader } from '../../src/protocol/frame-reader.js';
import { encodeRecordBatch } from '../../src/protocol/record-batch.js';

export class RawClient {
  readonly socket: net.Socket | tls.TLSSocket;
  private cid = 1;
  private readonly waiting = new Map<
    number,
    { apiKey: number; version: number; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  readonly closed: Promise<void>;
  isClosed = false;
  /** The client id sent in request headers. */
  clientId = 'warden-test';
  /** Callers of rawToken() waiting for the next frame. */
  private readonly rawWaiters: Array<{ resolve: (b: Buffer) => void; reject: (e: Error) => void }> = [];

  private constructor(socket: net.Socket | tls.TLSSocket) {
    this.socket = socket;
    const reader = new FrameReader((p) => {
      const frame = p.subarray(4);
      const raw = this.rawWaiters.shift();
      if (raw !== undefined) {
        raw.resolve(Buffer.from(frame));
        return;
      }
      const cid = frame.readInt32BE(0);
      const w = this.waiting.get(cid);
      if (!w) return;
      this.waiting.delete(cid);
      try {
        const r = new Reader(frame, responseHeaderLength(w.apiKey, w.version, frame));
        w.resolve(API_SPECS.get(w.apiKey)!.decodeResponse(r, w.version));
      } catch (e) {
        w.reject(e as Error);
      }
    }, 1 << 30);
    socket.on('data', (c: Buffer) => reader.push(c));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        for (const w of this.waiting.values()) w.reject(new Error('connection closed'));
        this.waiting.clear();
        for (const w of this.rawWaiters.splice(0)) w.reject(new Error('connection closed'));
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  static connect(address: string): Promise<RawClient> {
    const i = address.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) }, () =>
        resolve(new RawClient(s)),
      );
      s.once('error', reject);
    });
  }

  /** A TLS connection (for SNI and certificate tests). */
  static connectTls(address: string, opts: tls.ConnectionOptions): Promise<RawClient> {
    const i = address.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), ...opts }, () =>
        resolve(new RawClient(s)),
      );
      s.once('error', reject);
    });
  }

  /** Encodes a request packet with our codec. */
  static packet(apiKey: number, version: number, cid: number, body: unknown, clientId = 'warden-test'): Buffer {
    const w = new Writer();
    w.int32(0);
    encodeRequestHeader(w, apiKey, version, cid, clientId);
    API_SPECS.get(apiKey)!.encodeRequest(w, version, body as never);
    const out = Buffer.from(w.finish());
    out.writeInt32BE(out.length - 4, 0);
    return out;
  }

  /** The correlation id the next request will carry. */
  get nextCorrelationId(): number {
    return this.cid;
  }

  /**
   * Sends a request; rejects on a closed connection, or after `timeoutMs` without an answer.
   * `before`: bytes written in the same write just ahead of the request (to pipeline exactly).
   */
  request<T>(apiKey: number, version: number, body: unknown, timeoutMs = 60_000, before?: Buffer): Promise<T> {
    const cid = this.cid++;
    const p = new Promise<T>((resolve, reject) => {
      // A lost answer fails the test in time instead of hanging it until the runner's limit.
      const timer = setTimeout(() => {
        if (this.waiting.delete(cid))
          reject(new Error(`no response to api ${apiKey} v${version} (correlation id ${cid}) within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      const done =
        <V>(f: (v: V) => void) =>
        (v: V) => {
          clearTimeout(timer);
          f(v);
        };
      this.waiting.set(cid, { apiKey, version, resolve: done(resolve as (v: unknown) => void), reject: done(reject) });
    });
    const packet = RawClient.packet(apiKey, version, cid, body, this.clientId);
    this.socket.write(before === undefined ? packet : Buffer.concat([before, packet]));
    return p;
  }

  /**
   * After a SaslHandshake v0: sends one SASL token as a raw size-prefixed frame (no Kafka header)
   * and resolves with the next frame's payload, the server's token.
   */
  rawToken(token: Buffer): Promise<Buffer> {
    const p = this.nextRawFrame();
    const size = Buffer.alloc(4);
    size.writeInt32BE(token.length, 0);
    this.socket.write(Buffer.concat([size, token]));
    return p;
  }

  /** Resolves with the payload of the next frame, whatever it is (a raw SASL token). */
  nextRawFrame(): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => this.rawWaiters.push({ resolve, reject }));
  }

  /** Sends a request that expects no response (Produce acks=0). */
  send(apiKey: number, version: number, body: unknown): void {
    this.socket.write(RawClient.packet(apiKey, version, this.cid++, body));
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Builds a valid magic-2 record batch with the given values (no compression, null keys). */
export async function recordBatch(values: Buffer[]): Promise<Buffer> {
  return encodeRecordBatch(values.map((value) => ({ key: null, value })));
}
