// A TCP relay that records every byte a server sends to its clients, to check what reaches them.
import net from 'node:net';

export class Relay {
  readonly server: net.Server;
  /** Server-to-client bytes of every connection, in order of arrival. */
  readonly fromServer: Buffer[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(server: net.Server) {
    this.server = server;
  }

  static start(listenPort: number, target: { host: string; port: number }): Promise<Relay> {
    const server = net.createServer((client) => {
      const upstream = net.connect(target);
      relay.sockets.add(client).add(upstream);
      client.on('data', (d: Buffer) => upstream.write(d));
      upstream.on('data', (d: Buffer) => {
        relay.fromServer.push(Buffer.from(d));
        client.write(d);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    const relay = new Relay(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: listenPort }, () => resolve(relay));
    });
  }

  /** Every recorded byte that came from the server, concatenated. */
  bytes(): Buffer {
    return Buffer.concat(this.fromServer);
  }

  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Where an address `host:port` appears in encoded form (the host string's bytes immediately
 * followed by the int32 port, as every Kafka address field is laid out), or -1.
 */
export function findEncodedAddress(haystack: Buffer, host: string, port: number): number {
  const needle = Buffer.alloc(host.length + 4);
  needle.write(host, 0, 'latin1');
  needle.writeInt32BE(port, host.length);
  return haystack.indexOf(needle);
}
