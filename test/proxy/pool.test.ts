// The pools against a fake broker: how clients are spread over shared connections, when a client
// gets a connection of its own, what is reused, what housekeeping closes, and how a lane keeps one
// client's requests in order while it moves.
import t, { type Test } from 'tap';
import pino from 'pino';
import { BrokerPool, Lane, SHARED_IN_FLIGHT_BYTES, UpstreamPools, type PoolOptions } from '../../src/proxy/pool.js';
import type { PendingRequest, UpstreamConnection, UpstreamError } from '../../src/proxy/upstream.js';
import { FakeBroker, requestPacket } from '../helpers/fake-broker.js';
import { until } from '../helpers/wait.js';

const log = pino({ level: 'silent' });

async function setup(t: Test, opts: Partial<PoolOptions> = {}) {
  const broker = await FakeBroker.start();
  const lost: UpstreamConnection[] = [];
  const pool = new BrokerPool(
    broker.address,
    { mode: 'pooled', maxConnectionsPerBroker: 2, connectTimeoutMs: 2000, ...opts },
    log,
    (c) => lost.push(c),
  );
  t.teardown(async () => {
    pool.closeAll();
    await broker.stop();
  });
  return { broker, pool, lost };
}

interface Outcome {
  responses: number[];
  errors: UpstreamError[];
}

function request(cid: number, out: Outcome): PendingRequest {
  return {
    clientCorrelationId: cid,
    deadline: Date.now() + 60_000,
    onResponse: (p) => out.responses.push(p.readInt32BE(4)),
    onError: (e) => out.errors.push(e),
  };
}

const outcome = (): Outcome => ({ responses: [], errors: [] });

t.test('shared connections: a new one while all serve clients, up to the limit, then the least loaded', async (t) => {
  const { pool } = await setup(t);
  t.equal(pool.mode, 'pooled');
  const a = pool.acquireShared();
  t.equal(a.assigned, 1);
  const b = pool.acquireShared();
  t.not(b, a, 'the first one already serves a client');
  t.equal(pool.sharedCount, 2);
  const c = pool.acquireShared();
  t.ok(c === a || c === b, 'the limit is reached: an existing one');
  t.equal(pool.sharedCount, 2);
  const d = pool.acquireShared();
  t.not(d, c, 'the least loaded one');
  t.same([a.assigned, b.assigned], [2, 2]);
  pool.releaseShared(a);
  pool.releaseShared(a);
  pool.releaseShared(a);
  t.equal(a.assigned, 0, 'never below zero');
  t.equal(pool.acquireShared(), a, 'an unassigned connection is taken before opening one');
  t.equal(pool.connectionCount, 2);
});

t.test('exclusive connections are reused when idle, up to maxIdleExclusive', async (t) => {
  const { pool } = await setup(t, { maxIdleExclusive: 1 });
  const a = pool.acquireExclusive();
  const b = pool.acquireExclusive();
  t.ok(a.exclusive && b.exclusive);
  t.equal(a.assigned, 1);
  t.not(a, b);
  t.equal(pool.connectionCount, 2);
  pool.releaseExclusive(a);
  t.equal(a.assigned, 0);
  t.notOk(a.closed, 'kept idle');
  pool.releaseExclusive(b);
  t.ok(b.closed, 'over maxIdleExclusive');
  await until(() => pool.connectionCount === 1);
  t.equal(pool.acquireExclusive(), a, 'the idle one is reused');
});

t.test('an exclusive connection given back with a request in flight is closed', async (t) => {
  const { broker, pool } = await setup(t);
  broker.autoReply = null;
  const c = pool.acquireExclusive();
  const out = outcome();
  c.send(requestPacket(1), request(1, out));
  t.equal(pool.inFlight, 1);
  pool.releaseExclusive(c);
  t.ok(c.closed);
  t.match(out.errors, [{ code: 'WARDEN_ERR_UPSTREAM_CLOSED' }]);
  pool.releaseExclusive(c); // giving back a closed one is harmless
  t.equal(pool.connectionCount, 0);
});

t.test('an idle exclusive connection that died is not handed out again', async (t) => {
  const { broker, pool, lost } = await setup(t);
  const a = pool.acquireExclusive();
  await until(() => broker.accepted === 1);
  pool.releaseExclusive(a);
  broker.dropAll();
  await until(() => a.closed);
  t.same(lost, [a], 'lost without the proxy closing it');
  t.equal(pool.connectionCount, 0, 'removed from the pool');
  const b = pool.acquireExclusive();
  t.not(b, a);
  t.notOk(b.closed);
});

t.test('dead shared connections leave the pool; closeAll is not a loss', async (t) => {
  const { broker, pool, lost } = await setup(t);
  const a = pool.acquireShared();
  const b = pool.acquireShared();
  await until(() => broker.accepted === 2);
  broker.dropAll();
  await until(() => a.closed && b.closed);
  t.equal(pool.sharedCount, 0);
  t.equal(lost.length, 2);
  pool.acquireShared();
  pool.acquireExclusive();
  pool.closeAll();
  t.equal(pool.connectionCount, 0);
  t.equal(lost.length, 2, 'connections the proxy closes are not reported');
});

t.test('tick closes idle connections and fails stuck requests', async (t) => {
  const { broker, pool } = await setup(t, { idleTimeoutMs: 1000 });
  broker.autoReply = null;
  const idleShared = pool.acquireShared();
  pool.releaseShared(idleShared);
  const busyShared = pool.acquireShared();
  t.equal(busyShared, idleShared, 'reused while unassigned');
  const second = pool.acquireShared();
  pool.releaseShared(second);
  const stuck = pool.acquireExclusive();
  const idleExclusive = pool.acquireExclusive();
  pool.releaseExclusive(idleExclusive);
  const out = outcome();
  stuck.send(requestPacket(1), { ...request(1, out), deadline: Date.now() + 500 });

  const now = Date.now();
  pool.tick(now);
  t.notOk(second.closed || idleExclusive.closed || stuck.closed, 'nothing is old yet');
  pool.tick(now + 2000);
  t.ok(second.closed, 'an unassigned idle shared connection');
  t.ok(idleExclusive.closed, 'an idle exclusive connection');
  t.notOk(busyShared.closed, 'a shared connection still assigned to a client');
  t.ok(stuck.closed, 'an exclusive connection whose request is past its deadline');
  t.match(out.errors, [{ code: 'WARDEN_ERR_UPSTREAM_TIMEOUT' }]);
});

t.test('a lane sends on a shared connection and moves to an exclusive one for a parking request', async (t) => {
  const { pool } = await setup(t);
  const lane = new Lane(pool);
  t.notOk(lane.isExclusive);
  t.equal(lane.upstream, null);
  const out = outcome();
  lane.send(requestPacket(1), request(1, out), false);
  const shared = lane.upstream!;
  t.notOk(shared.exclusive);
  t.equal(shared.assigned, 1);
  await until(() => out.responses.length === 1);
  t.equal(lane.pauseUpstream(true), false, 'a shared connection carries others: never paused');

  lane.send(requestPacket(2), request(2, out), true);
  t.ok(lane.isExclusive);
  t.not(lane.upstream, shared);
  t.ok(lane.upstream!.exclusive);
  t.equal(shared.assigned, 0, 'the shared connection is given back');
  await until(() => out.responses.length === 2);
  t.same(out.responses, [1, 2]);
  lane.send(requestPacket(3), request(3, out), false);
  await until(() => out.responses.length === 3);
  t.ok(lane.isExclusive, 'it stays exclusive');
});

t.test('a parking request waits until the lane has nothing in flight, and later requests wait behind it', async (t) => {
  const { broker, pool } = await setup(t);
  broker.autoReply = null;
  const lane = new Lane(pool);
  const out = outcome();
  const written: number[] = [];
  lane.send(requestPacket(1), request(1, out), false);
  lane.send(requestPacket(2), request(2, out), true, () => written.push(2));
  lane.send(requestPacket(3), request(3, out), false, () => written.push(3));
  t.equal(pool.waiting, 2);
  t.notOk(lane.isExclusive);
  await until(() => broker.requests.length === 1);
  await new Promise((r) => setTimeout(r, 50));
  t.equal(broker.requests.length, 1, 'nothing overtakes the request in flight');
  broker.reply(broker.requests[0]!);
  await until(() => broker.requests.length === 3);
  t.equal(pool.waiting, 0);
  t.ok(lane.isExclusive);
  t.equal(broker.accepted, 2, 'a second connection, of its own');
  t.equal(broker.requests[1]!.socket, broker.requests[2]!.socket, 'both on the exclusive connection');
  t.not(broker.requests[0]!.socket, broker.requests[1]!.socket);
  for (const r of broker.requests.slice(1)) broker.reply(r);
  await until(() => out.responses.length === 3);
  t.same(out.responses, [1, 2, 3]);
  t.same(written, [2, 3]);
});

t.test('a client holding more than its share of unanswered bytes moves to a connection of its own', async (t) => {
  const { broker, pool } = await setup(t);
  broker.autoReply = null;
  const lane = new Lane(pool);
  const out = outcome();
  lane.send(requestPacket(1, Buffer.alloc(SHARED_IN_FLIGHT_BYTES / 2)), request(1, out), false);
  t.notOk(lane.isExclusive, 'within its share');
  lane.send(requestPacket(2, Buffer.alloc(SHARED_IN_FLIGHT_BYTES / 2)), request(2, out), false);
  t.notOk(lane.isExclusive, 'past its share: waits for the first to be answered');
  t.equal(pool.waiting, 1);
  await until(() => broker.requests.length === 1);
  broker.reply(broker.requests[0]!);
  await until(() => broker.requests.length === 2);
  t.ok(lane.isExclusive);
  lane.release();
});

t.test('a lane in dedicated mode is exclusive from the start and can pause its upstream', async (t) => {
  const { broker, pool } = await setup(t, { mode: 'dedicated' });
  const lane = new Lane(pool);
  t.ok(lane.isExclusive);
  t.equal(lane.pauseUpstream(true), false, 'no connection yet');
  const out = outcome();
  lane.send(requestPacket(1), request(1, out), false);
  t.ok(lane.upstream!.exclusive);
  await until(() => out.responses.length === 1);
  t.equal(lane.pauseUpstream(true), true);
  lane.send(requestPacket(2), request(2, out), false);
  await until(() => broker.requests.length === 2);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(out.responses.length, 1, 'the paused connection is not read');
  t.equal(lane.pauseUpstream(false), false);
  await until(() => out.responses.length === 2);
});

t.test('a paused lane whose connection died pauses the new one', async (t) => {
  const { broker, pool } = await setup(t, { mode: 'dedicated' });
  const lane = new Lane(pool);
  const out = outcome();
  lane.send(requestPacket(1), request(1, out), false);
  await until(() => out.responses.length === 1);
  const first = lane.upstream!;
  lane.pauseUpstream(true);
  first.close(); // a paused socket would not even notice the broker leaving
  lane.send(requestPacket(2), request(2, out), false);
  t.not(lane.upstream, first, 'a new connection');
  await until(() => broker.requests.length === 2);
  await new Promise((r) => setTimeout(r, 100));
  t.equal(out.responses.length, 1, 'still paused');
  lane.pauseUpstream(false);
  await until(() => out.responses.length === 2);
});

t.test('a shared lane whose connection died takes another shared one', async (t) => {
  const { broker, pool } = await setup(t);
  const lane = new Lane(pool);
  const out = outcome();
  lane.send(requestPacket(1), request(1, out), false);
  await until(() => out.responses.length === 1);
  const first = lane.upstream!;
  broker.dropAll();
  await until(() => first.closed);
  lane.send(requestPacket(2), request(2, out), false);
  t.not(lane.upstream, first);
  t.notOk(lane.isExclusive);
  await until(() => out.responses.length === 2);
});

t.test('releasing a lane drops what waits and gives its connection back', async (t) => {
  const { broker, pool } = await setup(t);
  broker.autoReply = null;
  const lane = new Lane(pool);
  const out = outcome();
  const written: string[] = [];
  lane.send(requestPacket(1), request(1, out), false, () => written.push('sent'));
  lane.send(requestPacket(2), request(2, out), true, () => written.push('dropped'));
  const shared = lane.upstream!;
  t.equal(pool.waiting, 1);
  lane.release();
  lane.release(); // twice is harmless
  t.equal(pool.waiting, 0);
  t.equal(shared.assigned, 0);
  t.equal(lane.upstream, null);
  t.ok(written.includes('dropped'), 'a dropped request counts as no longer queued');
  lane.send(requestPacket(3), request(3, out), false, () => written.push('late'));
  t.match(out.errors, [{ code: 'WARDEN_ERR_UPSTREAM_CLOSED', message: 'client lane released' }]);
  t.ok(written.includes('late'));
});

t.test('releasing an exclusive lane keeps its idle connection for the next client', async (t) => {
  const { pool } = await setup(t, { mode: 'dedicated' });
  const lane = new Lane(pool);
  const out = outcome();
  lane.send(requestPacket(1), request(1, out), false);
  await until(() => out.responses.length === 1);
  const conn = lane.upstream!;
  lane.pauseUpstream(true);
  lane.release();
  t.notOk(conn.closed);
  const next = new Lane(pool);
  next.send(requestPacket(2), request(2, out), false);
  t.equal(next.upstream, conn, 'reused');
  await until(() => out.responses.length === 2, 3000, 'the reused connection was resumed on release');
});

t.test('a request with no response expected does not count as in flight', async (t) => {
  const { broker, pool } = await setup(t);
  broker.autoReply = null;
  const lane = new Lane(pool);
  let written = 0;
  lane.send(requestPacket(1), null, false, () => written++);
  const out = outcome();
  lane.send(requestPacket(2), request(2, out), true);
  t.ok(lane.isExclusive, 'nothing was in flight: it moves at once');
  await until(() => written === 1);
});

t.test('UpstreamPools keeps one pool per broker address', async (t) => {
  const pools = new UpstreamPools({ mode: 'pooled', maxConnectionsPerBroker: 1, connectTimeoutMs: 1000 }, log);
  t.teardown(() => pools.closeAll());
  const a = pools.get({ host: '127.0.0.1', port: 1 });
  t.equal(pools.get({ host: '127.0.0.1', port: 1 }), a);
  const b = pools.get({ host: '127.0.0.1', port: 2 });
  t.not(b, a);
  t.same(pools.all(), [a, b]);
  t.same(b.address, { host: '127.0.0.1', port: 2 });
});
