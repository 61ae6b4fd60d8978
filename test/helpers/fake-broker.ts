// A stand-in for a Kafka broker on 127.0.0.1 that knows only framing: it records each request
// packet with the correlation id the proxy gave it and answers when (and how) a test says, so
// that the upstream connection and the pools can be tested alone, without codecs or a cluster.
import net from 'node:net';

export interface FakeRequest {
  socket: net.Socket;
  /** The correlation id on the wire (the upstream connection's, not the client's). */
  correlationId: number;
  /** The whole packet: 4-byte size, then the frame. */
  packet: Buffer;
}

/** A request packet (size + v1 header with no client id + body), as a client would send it. */
export function requestPacket(correlationId: number, body: Buffer = Buffer.alloc(0), apiKey = 3, version = 0): Buffer {
  const p = Buffer.alloc(4 + 10 + body.length);
  p.writeInt32BE(p.length - 4, 0);
  p.writeInt16BE(apiKey, 4);
  p.writeInt16BE(version, 6);
  p.writeInt32BE(correlationId, 8);
  p.writeInt16BE(-1, 12);
  body.copy(p, 14);
  return p;
}

/** A response packet: size, correlation id, body. */
export function responsePacket(correlationId: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const p = Buffer.alloc(8 + body.length);
  p.writeInt32BE(p.length - 4, 0);
  p.writeInt32BE(correlationId, 4);
  body.copy(p, 8);
  return p;
}

export class FakeBroker {
  readonly requests: FakeRequest[] = [];
  readonly sockets = new Set<net.Socket>();
  /** Accepted connections, counted (closed ones too). */
  accepted = 0;
  /** Answers each request as it arrives (the body echoed back) unless set to null. */
  autoReply: ((req: FakeRequest) => Buffer | null) | null = (req) => req.packet.subarray(14);

  readonly port: number;
  private readonly server: net.Server;

  private constructor(server: net.Server, port: number) {
    this.server = server;
    this.port = port;
  }

  static async start(): Promise<FakeBroker> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const broker = new FakeBroker(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (s) => broker.accept(s));
    return broker;
  }

  get address(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  private accept(socket: net.Socket): void {
    this.accepted++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const size = 4 + buffered.readInt32BE(0);
        const packet = Buffer.from(buffered.subarray(0, size));
        buffered = buffered.subarray(size);
        const req = { socket, correlationId: packet.readInt32BE(8), packet };
        this.requests.push(req);
        const body = this.autoReply?.(req);
        if (body != null) this.reply(req, body);
      }
    });
  }

  /** Answers `req` with `body` (or any correlation id the test wants to lie with). */
  reply(req: FakeRequest, body: Buffer = Buffer.alloc(0), correlationId = req.correlationId): void {
    req.socket.write(responsePacket(correlationId, body));
  }

  /** Drops every connection, as a broker that restarts. */
  dropAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 where nothing listens (for refused connections). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
