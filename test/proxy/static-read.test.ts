// Accepted sockets (plain and TLS) reading into one shared buffer: bytes arrive complete and in
// order (including those that came with the TLS handshake), pause() stops the reads, 'end' is seen.
import t from 'tap';
import net from 'node:net';
import tls from 'node:tls';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readIntoBuffer, sharedReadBuffer, staticReadsAvailable } from '../../src/proxy/static-read.js';
import { makePki } from '../helpers/certs.js';

const pki = await makePki();

interface Received {
  bytes: number;
  viaCallback: number;
  hash: ReturnType<typeof createHash>;
  ended: Promise<void>;
  socket: net.Socket;
}

/** A server whose accepted sockets use readIntoBuffer(); resolves with the first connection's state. */
async function serve(secure: boolean, onConn: (r: Received) => void): Promise<{ port: number; close: () => void }> {
  const accept = (socket: net.Socket) => {
    let endFn = () => {};
    const r: Received = {
      bytes: 0,
      viaCallback: 0,
      hash: createHash('sha256'),
      ended: new Promise<void>((res) => (endFn = res)),
      socket,
    };
    const take = (chunk: Buffer) => {
      r.bytes += chunk.length;
      r.hash.update(chunk);
    };
    socket.on('data', take);
    socket.on('end', () => {
      endFn();
      socket.end();
    });
    socket.on('error', () => {});
    const ok = readIntoBuffer(socket, sharedReadBuffer(), (view) => {
      r.viaCallback += view.length;
      take(view);
    });
    if (!ok) throw new Error('readIntoBuffer refused an accepted socket');
    onConn(r);
  };
  const server = secure
    ? tls.createServer(
        { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey), allowHalfOpen: true },
        accept,
      )
    : net.createServer({ allowHalfOpen: true }, accept);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

function connect(secure: boolean, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = secure
      ? tls.connect({ host: '127.0.0.1', port, ca: readFileSync(pki.caFile), servername: 'localhost' }, () =>
          resolve(s),
        )
      : net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

t.test('this Node.js offers reads into a caller-owned buffer for accepted sockets', async (t) => {
  // If a Node.js upgrade changes its internals this fails, and the proxy falls back to 'data' events.
  t.ok(staticReadsAvailable());
});

for (const secure of [false, true]) {
  const kind = secure ? 'TLS' : 'plain';

  t.test(`${kind}: many small writes (TLS: one record each) arrive complete and in order`, async (t) => {
    let got!: Received;
    const srv = await serve(secure, (r) => (got = r));
    const client = await connect(secure, srv.port);
    const sent = createHash('sha256');
    let total = 0;
    // The first bytes go out at once, with the end of the handshake: they may reach the server
    // before it switched the socket over, and must still arrive (through its 'data' listener).
    for (let i = 0; i < 400; i++) {
      const b = randomBytes(1 + ((i * 7919) % 5000));
      sent.update(b);
      total += b.length;
      client.write(b);
      if (i % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    client.end();
    await got.ended;
    t.equal(got.bytes, total);
    t.equal(got.hash.digest('hex'), sent.digest('hex'));
    t.ok(got.viaCallback > total / 2, `most bytes came through the shared buffer (${got.viaCallback} of ${total})`);
    srv.close();
  });

  t.test(`${kind}: pause() stops reading, resume() continues, nothing lost`, async (t) => {
    let got!: Received;
    const srv = await serve(secure, (r) => (got = r));
    const client = await connect(secure, srv.port);
    const first = randomBytes(256 * 1024);
    client.write(first);
    while (got?.bytes !== first.length) await sleep(10);
    got.socket.pause();
    const rest = randomBytes(4 * 1024 * 1024);
    client.write(rest);
    client.end();
    await sleep(300);
    const atPause = got.bytes;
    await sleep(300);
    t.equal(got.bytes, atPause, 'no reads while paused');
    t.equal(atPause, first.length, 'nothing read after pause()');
    const payload = Buffer.concat([first, rest]);
    got.socket.resume();
    await got.ended;
    t.equal(got.bytes, payload.length);
    t.equal(got.hash.digest('hex'), createHash('sha256').update(payload).digest('hex'));
    srv.close();
  });
}
