// The failed-login budget per address and the bound on PLAIN's hashing work, alone.
import t from 'tap';
import {
  FailedLoginLimiter,
  HashLimiter,
  LoginRateLimitedError,
  RATE_LIMITED_MESSAGE,
} from '../../src/auth/login-guard.js';
import { AuthError } from '../../src/auth/errors.js';

t.test('an address may fail `attempts` times at once, then one more per windowMs / attempts', async (t) => {
  const g = new FailedLoginLimiter({ attempts: 3, windowMs: 3000 });
  const at = 1_000_000;
  t.ok(g.allows('10.0.0.1', at), 'an address never seen');
  for (let i = 0; i < 3; i++) g.failed('10.0.0.1', at);
  t.notOk(g.allows('10.0.0.1', at), 'out of tokens');
  t.ok(g.allows('10.0.0.2', at), 'other addresses are not affected');
  t.notOk(g.allows('10.0.0.1', at + 999), 'not a whole token back yet');
  t.ok(g.allows('10.0.0.1', at + 1000), 'one token a second');
  g.failed('10.0.0.1', at + 1000);
  t.notOk(g.allows('10.0.0.1', at + 1000));
  t.ok(g.allows('10.0.0.1', at + 100_000), 'refilled');
  for (let i = 0; i < 3; i++) g.failed('10.0.0.1', at + 100_000);
  t.notOk(g.allows('10.0.0.1', at + 100_000), 'the refill is capped at `attempts`');
});

t.test('attempts 0 turns the limit off; configure changes it in place', async (t) => {
  const g = new FailedLoginLimiter({ attempts: 0, windowMs: 1000 });
  for (let i = 0; i < 100; i++) g.failed('a');
  t.ok(g.allows('a'));
  g.configure({ attempts: 1, windowMs: 60_000 });
  g.failed('a', 5);
  t.notOk(g.allows('a', 5));
  t.ok(g.allows('b', 5));
});

t.test('the table of addresses is bounded: the least recently used are forgotten', async (t) => {
  const g = new FailedLoginLimiter({ attempts: 1, windowMs: 60_000, maxAddresses: 2 });
  g.failed('a', 0);
  g.failed('b', 0);
  t.notOk(g.allows('a', 0), 'looking a up makes it the most recently used');
  g.failed('c', 0);
  t.ok(g.allows('b', 0), 'b was forgotten');
  t.notOk(g.allows('a', 0));
  t.notOk(g.allows('c', 0));
});

t.test('the rate-limited error is an AuthError with its own code; the client message names no user', async (t) => {
  const e = new LoginRateLimitedError();
  t.type(e, AuthError);
  t.equal(e.code, 'WARDEN_ERR_AUTH_RATE_LIMITED');
  t.notMatch(RATE_LIMITED_MESSAGE, /user/i);
});

t.test('HashLimiter runs at most `concurrency` at once and queues at most `queue`', async (t) => {
  const h = new HashLimiter({ concurrency: 2, queue: 1 });
  const gates: Array<() => void> = [];
  const job = (v: number) => () => new Promise<number>((resolve) => gates.push(() => resolve(v)));
  const a = h.run(job(1));
  const b = h.run(job(2));
  const c = h.run(job(3));
  await new Promise((r) => setImmediate(r));
  t.same(h.load, { running: 2, waiting: 1 });
  t.equal(gates.length, 2, 'the third has not started');
  await t.rejects(h.run(job(4)), { code: 'WARDEN_ERR_AUTH_BUSY' }, 'the queue is full');
  gates[0]!();
  t.equal(await a, 1);
  await new Promise((r) => setImmediate(r));
  t.equal(gates.length, 3, 'the queued one takes the freed slot');
  t.same(h.load, { running: 2, waiting: 0 });
  gates[1]!();
  gates[2]!();
  t.same(await Promise.all([b, c]), [2, 3]);
  t.same(h.load, { running: 0, waiting: 0 });
});

t.test('HashLimiter frees its slot when the work fails', async (t) => {
  const h = new HashLimiter({ concurrency: 1, queue: 0 });
  await t.rejects(
    h.run(() => Promise.reject(new Error('boom'))),
    { message: 'boom' },
  );
  t.same(h.load, { running: 0, waiting: 0 });
  t.equal(await h.run(async () => 'ok'), 'ok');
});
