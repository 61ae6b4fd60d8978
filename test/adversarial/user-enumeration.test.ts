// Over the wire: an unknown user and a known user with a wrong password get the same answers
// (challenge shape, error code, message) on SCRAM and PLAIN, and an address that keeps failing is
// refused before any password is checked, even the right one.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { startSecureHarness, USERS } from '../helpers/secure.js';
import { RawClient } from '../helpers/raw-client.js';
import { ScramClient } from '../helpers/scram-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as saslHandshake from '../../src/protocol/generated/sasl-handshake.js';
import type * as saslAuthenticate from '../../src/protocol/generated/sasl-authenticate.js';
import { RATE_LIMITED_MESSAGE } from '../../src/auth/login-guard.js';

// Two proxies: one without a failed-login budget for the comparisons, one with a small budget.
const h = await startSecureHarness({ auth: { failedAuthenticationDelayMs: 10, failedLogins: { attempts: 0 } } });
t.teardown(() => h.stop());
const WINDOW_MS = 20_000;
const limited = await startSecureHarness({
  auth: { failedAuthenticationDelayMs: 10, failedLogins: { attempts: 4, windowMs: WINDOW_MS } },
});
t.teardown(() => limited.stop());

async function scramFirst(user: string, mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512') {
  const c = await RawClient.connect(h.saslPlaintext);
  const hs = await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 1, { mechanism });
  const sc = new ScramClient(mechanism, user, 'not-the-password');
  const first = await c.request<saslAuthenticate.Response>(ApiKey.SaslAuthenticate, 2, { authBytes: sc.first() });
  const m = /^r=[^,]+,s=([^,]+),i=(\d+)$/.exec(first.authBytes.toString())!;
  const final = await c.request<saslAuthenticate.Response>(ApiKey.SaslAuthenticate, 2, {
    authBytes: sc.final(first.authBytes),
  });
  c.close();
  return {
    mechanisms: hs.mechanisms,
    salt: Buffer.from(m[1]!, 'base64'),
    iterations: Number(m[2]),
    errorCode: final.errorCode,
    errorMessage: final.errorMessage,
  };
}

async function plain(user: string, password: string, on = h) {
  const c = await RawClient.connectTls(on.saslSsl, { ca: readFileSync(on.pki.caFile), servername: 'localhost' });
  await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 1, { mechanism: 'PLAIN' });
  const r = await c.request<saslAuthenticate.Response>(ApiKey.SaslAuthenticate, 2, {
    authBytes: Buffer.from(`\0${user}\0${password}`),
  });
  c.close();
  return { errorCode: r.errorCode, errorMessage: r.errorMessage };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('SCRAM: an unknown user looks like a known one with a wrong password', async (t) => {
  const known = await scramFirst('bob', 'SCRAM-SHA-256');
  const unknown = await scramFirst('mallory', 'SCRAM-SHA-256');
  const unknownAgain = await scramFirst('mallory', 'SCRAM-SHA-256');
  t.same(unknown.mechanisms, known.mechanisms, 'the same mechanisms are offered');
  t.equal(unknown.iterations, known.iterations, 'the same iteration count');
  t.equal(unknown.salt.length, known.salt.length, 'a salt of the same length');
  t.same(unknownAgain.salt, unknown.salt, 'a salt that is the same on the next attempt');
  t.equal(unknown.errorCode, known.errorCode, 'the same error');
  t.equal(unknown.errorMessage, known.errorMessage, 'the same message');
  t.equal(known.errorCode, 58);
});

t.test('PLAIN: the same answer for an unknown user and a wrong password', async (t) => {
  const known = await plain('alice', 'wrong');
  const unknown = await plain('mallory', 'wrong');
  t.same(unknown, known);
  t.equal(known.errorCode, 58);
});

t.test('an address over its failed-login budget is refused before its password is checked', async (t) => {
  for (let i = 0; i < 4; i++)
    t.equal((await plain('alice', `guess-${i}`, limited)).errorCode, 58, `guess ${i + 1} is checked and fails`);
  // One token comes back every WINDOW_MS / 4 = 5 s: the next attempt comes well before that.
  const right = await plain('alice', USERS.alice, limited);
  t.equal(right.errorCode, 58, 'the right password is refused too while the budget is spent');
  t.equal(right.errorMessage, RATE_LIMITED_MESSAGE, 'with a message that says why and names no user');
  t.ok(
    limited.logs.some(
      (l) => l.msg === 'authentication failed' && l.detail === 'too many failed logins from this address',
    ),
    'logged with the reason',
  );
  await pause(WINDOW_MS / 4 + 200);
  t.equal(
    (await plain('alice', USERS.alice, limited)).errorCode,
    0,
    'the budget refills and the right password works again',
  );
});
