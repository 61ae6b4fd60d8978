// The socket side of a client connection alone: a loopback client, a framing-only fake broker, no
// codecs on the broker side. Answers in request order, flow control, drain, closes and their codes.
import t, { type Test } from 'tap';
import net from 'node:net';
import pino from 'pino';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { ClientConnection, type ClientContext } from '../../src/proxy/client-connection.js';
import { ClusterView } from '../../src/proxy/cluster.js';
import { UpstreamPools } from '../../src/proxy/pool.js';
import { MemoryBudget } from '../../src/proxy/memory-budget.js';
import { FakeBroker } from '../helpers/fake-broker.js';
import { until } from '../helpers/wait.js';
import { FakeAudit, metricsOf, packetOf, securityOf } from '../helpers/stage-fakes.js';
import { listOffsets } from '../helpers/requests.js';
import type { ListenerSecurity } from '../../src/proxy/client-context.js';

const log = pino({ level: 'silent' });

/** A client that writes raw packets and collects the correlation ids of what comes back. */
class Client {
  readonly answers: number[] = [];
  closed = false;
  private buffered = Buffer.alloc(0);
  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        this.answers.push(this.buffered.readInt32BE(4));
        this.buffered = this.buffered.subarray(4 + this.buffered.readInt32BE(0));
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }
  send(packet: Buffer): void {
    this.socket.write(packet);
  }
}

const listOffsetsPacket = (cid: number) => packetOf(ApiKey.ListOffsets, 7, listOffsets('orders'), cid);
const apiVersionsPacket = (cid: number) =>
  packetOf(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, cid);

async function setup(t: Test, opts: { maxInFlight?: number; security?: ListenerSecurity } = {}) {
  const broker = await FakeBroker.start();
  broker.autoReply = null;
  const metrics = metricsOf();
  const audit = new FakeAudit();
  const pools = new UpstreamPools({ mode: 'pooled', maxConnectionsPerBroker: 2, connectTimeoutMs: 2000 }, log);
  const ctx: ClientContext = {
    security: opts.security ?? securityOf('PLAINTEXT'),
    listenerName: 'plain',
    addresses: { addressFor: () => ({ host: '127.0.0.1', port: 1 }), learn: () => {} },
    cluster: new ClusterView([`127.0.0.1:${broker.port}`], log, 2000),
    pools,
    log,
    maxFrameBytes: 1024 * 1024,
    maxInFlight: opts.maxInFlight ?? 100,
    maxRequestElements: 10_000,
    maxBufferedBytes: 1024 * 1024,
    memory: new MemoryBudget(64 * 1024 * 1024),
    requestTimeoutMs: 30_000,
    audit: audit as never,
    clusterId: () => 'c1',
    metrics,
  };
  const connections: ClientConnection[] = [];
  // As the listeners do: a client that half-closes still reads its answers.
  const server = net.createServer({ allowHalfOpen: true }, (s) => connections.push(new ClientConnection(s, ctx, null)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const client = new Client(socket);
  await until(() => connections.length === 1);
  t.teardown(async () => {
    socket.destroy();
    for (const c of connections) c.close('shutdown');
    pools.closeAll();
    server.close();
    await broker.stop();
  });
  return { broker, client, conn: connections[0]!, metrics, audit };
}

t.test('answers leave in request order, whatever order they are ready in', async (t) => {
  const { broker, client, conn } = await setup(t);
  client.send(listOffsetsPacket(1));
  await until(() => broker.requests.length === 1, 3000, 'the forwarded request');
  client.send(apiVersionsPacket(2));
  await until(() => conn.outstanding === 2, 3000, 'both requests read');
  await new Promise((r) => setTimeout(r, 50));
  t.same(client.answers, [], 'the local answer waits behind the forwarded one');
  broker.reply(broker.requests[0]!, Buffer.from([0, 0]));
  await until(() => client.answers.length === 2, 3000, 'both answers');
  t.same(client.answers, [1, 2], "each with the client's own correlation id, in order");
  t.equal(conn.outstanding, 0);
});

t.test('no more requests are read past maxInFlight, until answers go out', async (t) => {
  const { broker, client, conn } = await setup(t, { maxInFlight: 2 });
  for (let cid = 1; cid <= 3; cid++) {
    client.send(listOffsetsPacket(cid));
    await new Promise((r) => setTimeout(r, 30));
  }
  await until(() => broker.requests.length >= 2, 3000, 'two requests upstream');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(conn.outstanding, 2, 'the third waits in the socket');
  t.equal(broker.requests.length, 2);
  broker.reply(broker.requests[0]!);
  broker.reply(broker.requests[1]!);
  await until(() => broker.requests.length === 3, 3000, 'the third request once the first two are answered');
  broker.reply(broker.requests[2]!);
  await until(() => client.answers.length === 3);
  t.same(client.answers, [1, 2, 3]);
});

t.test('a client that half-closes still gets its answers, then the connection completes', async (t) => {
  const { broker, client, conn, metrics } = await setup(t);
  let closed = 0;
  conn.onClose(() => closed++);
  client.send(listOffsetsPacket(9));
  await until(() => broker.requests.length === 1);
  client.socket.end();
  await new Promise((r) => setTimeout(r, 50));
  t.notOk(conn.closed, 'open while an answer is owed');
  broker.reply(broker.requests[0]!);
  await until(() => client.closed, 3000, 'the close after the answer');
  t.same(client.answers, [9]);
  t.equal(closed, 1, 'close handlers run once');
  t.match(await metrics.text(), /kafka_warden_connections_closed_total\{listener="plain",reason="completed"\} 1/);
  t.match(await metrics.text(), /kafka_warden_connections_active\{listener="plain"\} 0/);
});

t.test('a frame over the size limit closes the connection as a protocol error, before it is buffered', async (t) => {
  const { client, conn, metrics } = await setup(t);
  const huge = Buffer.alloc(8);
  huge.writeInt32BE(64 * 1024 * 1024, 0);
  client.send(huge);
  await until(() => conn.closed && client.closed);
  t.match(await metrics.text(), /kafka_warden_connections_closed_total\{listener="plain",reason="protocol_error"\} 1/);
});

t.test('a request before authentication is closed by the session, and that close is audited', async (t) => {
  const { client, conn, metrics, audit } = await setup(t, {
    security: securityOf('SASL_PLAINTEXT', { failedAuthDelayMs: 10 }),
  });
  client.send(listOffsetsPacket(3));
  await until(() => conn.closed && client.closed);
  t.same(client.answers, [], 'never answered, never forwarded');
  t.match(
    await metrics.text(),
    /kafka_warden_connections_closed_total\{listener="plain",reason="request_before_authentication"\} 1/,
  );
  t.match(audit.events, [
    { type: 'io.kafkawarden/connection-closed', data: { result: { reason: 'request_before_authentication' } } },
  ]);
});
