// One upstream connection against a fake broker: correlation ids remapped and restored, responses
// matched in order, and every way the connection ends failing what is pending with a stable code.
import t, { type Test } from 'tap';
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { UpstreamConnection, UpstreamError, type PendingRequest } from '../../src/proxy/upstream.js';
import { FakeBroker, closedPort, requestPacket } from '../helpers/fake-broker.js';
import { until } from '../helpers/wait.js';

const log = pino({ level: 'silent' });

interface Recorded extends PendingRequest {
  responses: Buffer[];
  errors: UpstreamError[];
}

function pending(clientCorrelationId: number, deadline = Date.now() + 60_000): Recorded {
  const r: Recorded = {
    clientCorrelationId,
    deadline,
    responses: [],
    errors: [],
    onResponse: (p) => r.responses.push(Buffer.from(p)),
    onError: (e) => r.errors.push(e),
  };
  return r;
}

async function setup(t: Test, connectTimeoutMs = 2000) {
  const broker = await FakeBroker.start();
  const conn = new UpstreamConnection(broker.address, log, connectTimeoutMs);
  const closed: UpstreamConnection[] = [];
  conn.onClose((c) => closed.push(c));
  t.teardown(async () => {
    conn.close();
    await broker.stop();
  });
  return { broker, conn, closed };
}

t.test('correlation ids are the connection own on the wire and the client one in the response', async (t) => {
  const { broker, conn } = await setup(t);
  const a = pending(77);
  const b = pending(77); // two clients may use the same id
  conn.send(requestPacket(77, Buffer.from('A')), a);
  conn.send(requestPacket(77, Buffer.from('B')), b);
  t.equal(conn.inFlight, 2);
  t.equal(a.upstreamCorrelationId, 1);
  t.equal(b.upstreamCorrelationId, 2);
  await until(() => a.responses.length + b.responses.length === 2);
  t.same(
    broker.requests.map((r) => r.correlationId),
    [1, 2],
  );
  t.equal(a.responses[0]!.readInt32BE(4), 77);
  t.equal(a.responses[0]!.subarray(8).toString(), 'A');
  t.equal(b.responses[0]!.subarray(8).toString(), 'B');
  t.equal(conn.inFlight, 0);
  t.notOk(conn.closed);
});

t.test('requests sent while connecting are delivered once connected', async (t) => {
  const { broker, conn } = await setup(t);
  const reqs = [pending(1), pending(2), pending(3)];
  for (const r of reqs) conn.send(requestPacket(r.clientCorrelationId), r);
  await until(() => reqs.every((r) => r.responses.length === 1));
  t.same(
    reqs.map((r) => r.responses[0]!.readInt32BE(4)),
    [1, 2, 3],
  );
  t.equal(broker.accepted, 1);
});

t.test('a request without a pending entry expects no response; onWritten runs once it is written', async (t) => {
  const { broker, conn } = await setup(t);
  broker.autoReply = null;
  let written = 0;
  conn.send(requestPacket(5), null, () => written++);
  await until(() => written === 1 && broker.requests.length === 1);
  t.equal(conn.inFlight, 0);
  t.equal(broker.requests[0]!.correlationId, 1, 'it still takes a correlation id of the connection');
});

t.test('a response out of order fails the connection and what is pending', async (t) => {
  const { broker, conn, closed } = await setup(t);
  broker.autoReply = null;
  const a = pending(10);
  const b = pending(11);
  conn.send(requestPacket(10), a);
  conn.send(requestPacket(11), b);
  await until(() => broker.requests.length === 2);
  broker.reply(broker.requests[1]!);
  await until(() => conn.closed);
  t.equal(a.responses.length, 0);
  const mismatch = [
    { code: 'WARDEN_ERR_UPSTREAM_PROTOCOL', message: 'response correlation id 2 does not match the oldest request 1' },
  ];
  t.match(a.errors, mismatch, 'the request the response was matched against is failed too');
  t.match(b.errors, mismatch);
  t.same(closed, [conn], 'close handlers are told');
  t.notOk(conn.closedByProxy);
  t.notOk(conn.connectFailed, 'it had connected');
});

t.test('a response nobody waits for is a protocol error', async (t) => {
  const { broker, conn, closed } = await setup(t);
  broker.autoReply = null;
  conn.send(requestPacket(1), null);
  await until(() => broker.requests.length === 1);
  broker.reply(broker.requests[0]!);
  await until(() => conn.closed);
  t.equal(closed.length, 1);
});

t.test('a response shorter than its header is a protocol error', async (t) => {
  const { broker, conn } = await setup(t);
  broker.autoReply = null;
  const a = pending(1);
  const b = pending(2);
  conn.send(requestPacket(1), a);
  conn.send(requestPacket(2), b);
  await until(() => broker.requests.length === 2);
  broker.requests[0]!.socket.write(Buffer.from([0, 0, 0, 2, 0, 0]));
  await until(() => conn.closed);
  t.equal(a.responses.length, 0);
  t.match(
    a.errors,
    [{ code: 'WARDEN_ERR_UPSTREAM_PROTOCOL', message: 'response shorter than its header' }],
    'the oldest request gets the error',
  );
  t.match(b.errors, [{ code: 'WARDEN_ERR_UPSTREAM_PROTOCOL', message: 'response shorter than its header' }]);
});

t.test('the broker closing the connection fails pending requests with UPSTREAM_CLOSED', async (t) => {
  const { broker, conn, closed } = await setup(t);
  broker.autoReply = null;
  const a = pending(1);
  conn.send(requestPacket(1), a);
  await until(() => broker.requests.length === 1);
  broker.dropAll();
  await until(() => conn.closed);
  t.equal(a.errors.length, 1);
  t.equal(a.errors[0]!.code, 'WARDEN_ERR_UPSTREAM_CLOSED');
  t.type(a.errors[0], UpstreamError);
  t.equal(closed.length, 1);
  t.notOk(conn.closedByProxy);
});

t.test('a refused connection is marked connectFailed and fails its requests with UPSTREAM_IO', async (t) => {
  const port = await closedPort();
  const conn = new UpstreamConnection({ host: '127.0.0.1', port }, log, 2000);
  const a = pending(1);
  conn.send(requestPacket(1), a);
  await until(() => conn.closed);
  t.ok(conn.connectFailed);
  t.notOk(conn.closedByProxy);
  t.match(a.errors, [{ code: 'WARDEN_ERR_UPSTREAM_IO', message: /ECONNREFUSED/ }]);
});

t.test('close() by the proxy fails pending requests and is not a lost connection', async (t) => {
  const { broker, conn, closed } = await setup(t);
  broker.autoReply = null;
  const a = pending(1);
  conn.send(requestPacket(1), a);
  await until(() => broker.requests.length === 1);
  conn.close();
  t.ok(conn.closed);
  t.ok(conn.closedByProxy);
  t.notOk(conn.connectFailed);
  t.match(a.errors, [{ code: 'WARDEN_ERR_UPSTREAM_CLOSED', message: 'upstream connection closed by the proxy' }]);
  conn.close();
  t.equal(closed.length, 1, 'closing twice tells the handlers once');
});

t.test('close() while still connecting is not a connect failure', async (t) => {
  const { conn } = await setup(t);
  conn.close();
  t.ok(conn.closedByProxy);
  t.notOk(conn.connectFailed);
});

t.test('send() on a closed connection fails at once and still reports the bytes as gone', async (t) => {
  const { conn } = await setup(t);
  conn.close();
  const a = pending(1);
  let written = 0;
  conn.send(requestPacket(1), a, () => written++);
  t.equal(written, 1);
  t.match(a.errors, [{ code: 'WARDEN_ERR_UPSTREAM_CLOSED', message: 'upstream connection is closed' }]);
  t.equal(conn.inFlight, 0);
});

t.test('checkDeadline fails the connection once its oldest request is overdue', async (t) => {
  const { broker, conn } = await setup(t);
  broker.autoReply = null;
  const a = pending(1, 1000);
  conn.send(requestPacket(1), a);
  conn.checkDeadline(999);
  t.notOk(conn.closed, 'not yet overdue');
  conn.checkDeadline(1001);
  t.ok(conn.closed);
  t.match(a.errors, [{ code: 'WARDEN_ERR_UPSTREAM_TIMEOUT' }]);
});

t.test('checkDeadline with nothing pending leaves the connection alone', async (t) => {
  const { conn } = await setup(t);
  conn.checkDeadline(Number.MAX_SAFE_INTEGER);
  t.notOk(conn.closed);
});

t.test('a connect that does not complete in time fails with CONNECT_TIMEOUT', async (t) => {
  // A loopback connect is either refused or done at once: a socket that never connects stands in
  // for an unreachable broker.
  const connect = net.connect;
  net.connect = (() => new net.Socket()) as typeof net.connect;
  t.teardown(() => void (net.connect = connect));
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), cb()),
  });
  const conn = new UpstreamConnection({ host: '127.0.0.1', port: 9 }, pino({ level: 'warn' }, sink), 20);
  net.connect = connect;
  t.notOk(conn.closed);
  await until(() => conn.closed);
  t.ok(conn.connectFailed);
  await until(() => lines.length > 0);
  t.match(lines[0], { code: 'WARDEN_ERR_UPSTREAM_CONNECT_TIMEOUT', msg: 'upstream connection failed' });
});

t.test('pauseReading holds responses back until resumed', async (t) => {
  const { broker, conn } = await setup(t);
  const first = pending(1);
  conn.send(requestPacket(1), first);
  await until(() => first.responses.length === 1);
  conn.pauseReading(true);
  const a = pending(2);
  conn.send(requestPacket(2), a);
  await until(() => broker.requests.length === 2);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(a.responses.length, 0, 'not read while paused');
  conn.pauseReading(false);
  await until(() => a.responses.length === 1);
  t.equal(a.responses[0]!.readInt32BE(4), 2);
  conn.close();
  conn.pauseReading(true); // a no-op once closed
});

t.test('thousands of requests in flight are answered in order (the FIFO compacts itself)', async (t) => {
  const { conn } = await setup(t);
  const n = 3000;
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    conn.send(requestPacket(i), {
      clientCorrelationId: i,
      deadline: Date.now() + 60_000,
      onResponse: (p) => order.push(p.readInt32BE(4)),
      onError: (e) => t.fail(e.message),
    });
  }
  await until(() => order.length === n, 10_000);
  t.same(
    order,
    Array.from({ length: n }, (_, i) => i),
  );
  t.equal(conn.inFlight, 0);
  t.ok(conn.writableLength >= 0);
});
