// The SASL state machine of one connection alone: handshake, PLAIN and SCRAM exchanges, failures,
// expiry and KIP-368 re-authentication, with an in-memory credential store.
import t from 'tap';
import { SaslSession, type SaslOptions } from '../../src/auth/session.js';
import { AuthError } from '../../src/auth/errors.js';
import { CredentialStore } from '../../src/auth/credentials.js';
import { HashLimiter } from '../../src/auth/login-guard.js';
import { makeCredential } from '../../src/auth/scram.js';
import { UnknownUsers } from '../../src/auth/unknown-users.js';
import { ScramClient } from '../helpers/scram-client.js';

const store = new CredentialStore(null);
store.set('alice', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', 'alice-pw'));
store.set('bob', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', 'bob-pw'));

function session(opts: Partial<SaslOptions> = {}): SaslSession {
  return new SaslSession({
    mechanisms: ['SCRAM-SHA-256', 'PLAIN'],
    lookup: store.lookup,
    unknown: new UnknownUsers(Buffer.alloc(32, 7), store.profile),
    hashing: new HashLimiter({ concurrency: 2, queue: 8 }),
    maxReauthMs: 0,
    ...opts,
  });
}

const plain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`);

async function scramLogin(s: SaslSession, user: string, password: string) {
  const c = new ScramClient('SCRAM-SHA-256', user, password);
  const first = await s.authenticate(c.first());
  t.notOk(first.done, 'the first SCRAM round does not finish the exchange');
  return s.authenticate(c.final(first.response));
}

/** Runs `fn` with the clock moved `ms` ahead (the session rate-limits re-authentication by it). */
async function later<T>(ms: number, fn: () => Promise<T> | T): Promise<T> {
  const now = Date.now;
  Date.now = () => now() + ms;
  try {
    return await fn();
  } finally {
    Date.now = now;
  }
}

t.test('a new session waits for a handshake and lists its mechanisms', async (t) => {
  const s = session();
  t.equal(s.state, 'handshake');
  t.notOk(s.authenticated);
  t.equal(s.principal, null);
  const mechs = s.enabledMechanisms;
  t.same(mechs, ['SCRAM-SHA-256', 'PLAIN']);
  mechs.push('X');
  t.same(s.enabledMechanisms, ['SCRAM-SHA-256', 'PLAIN'], 'a copy');
  t.notOk(s.expired());
});

t.test('an unsupported mechanism fails the session with 33 and closes', async (t) => {
  const s = session();
  t.same(s.handshake(1, 'GSSAPI'), { errorCode: 33, close: true });
  t.equal(s.state, 'failed');
  t.same(s.handshake(1, 'PLAIN'), { errorCode: 34, close: true }, 'nothing more after a failure');
});

t.test('a handshake picks the mechanism; v0 means raw tokens; a second one is out of state', async (t) => {
  const v1 = session();
  t.same(v1.handshake(1, 'PLAIN'), { errorCode: 0, close: false });
  t.equal(v1.state, 'authenticate');
  t.equal(v1.mechanism, 'PLAIN');
  t.notOk(v1.rawTokens);
  t.same(v1.handshake(1, 'PLAIN'), { errorCode: 34, close: true });

  const v0 = session();
  v0.handshake(0, 'SCRAM-SHA-256');
  t.ok(v0.rawTokens);
});

t.test('SaslAuthenticate before a handshake is refused with a state error', async (t) => {
  const s = session();
  await t.rejects(s.authenticate(plain('alice', 'alice-pw')), { code: 'WARDEN_ERR_SASL_STATE' });
  t.equal(s.state, 'handshake', 'the session is left as it was');
});

t.test('PLAIN: the right password authenticates the user', async (t) => {
  const s = session();
  s.handshake(1, 'PLAIN');
  const r = await s.authenticate(plain('alice', 'alice-pw'));
  t.same(r, { response: Buffer.alloc(0), done: true, sessionLifetimeMs: 0 });
  t.ok(s.authenticated);
  t.equal(s.principal, 'User:alice');
  t.equal(s.attemptedUser, 'alice');
  t.equal(s.expiresAt, null, 'no expiry without connections.max.reauth.ms');
  t.notOk(s.expired(Number.MAX_SAFE_INTEGER));
  await t.rejects(
    s.authenticate(plain('alice', 'alice-pw')),
    { code: 'WARDEN_ERR_SASL_STATE' },
    'one exchange per handshake',
  );
});

t.test('PLAIN: a wrong password fails the session and still names the user tried', async (t) => {
  const s = session();
  s.handshake(1, 'PLAIN');
  const e = await t.rejects(s.authenticate(plain('alice', 'nope')), { code: 'WARDEN_ERR_AUTH_FAILED' });
  t.type(e, AuthError);
  t.equal(s.state, 'failed');
  t.equal(s.principal, null);
  t.equal(s.attemptedUser, 'alice', 'for the audit trail');
  t.notOk(s.authenticated);
});

t.test('PLAIN: malformed tokens fail without a user', async (t) => {
  const s = session();
  s.handshake(1, 'PLAIN');
  await t.rejects(s.authenticate(Buffer.from('no-separators')), { code: 'WARDEN_ERR_AUTH_FAILED' });
  t.equal(s.attemptedUser, null);
});

t.test('SCRAM: a full exchange authenticates; the lifetime is the reauth setting', async (t) => {
  const s = session({ maxReauthMs: 60_000 });
  s.handshake(1, 'SCRAM-SHA-256');
  const before = Date.now();
  const r = await scramLogin(s, 'alice', 'alice-pw');
  t.ok(r.done);
  t.equal(r.sessionLifetimeMs, 60_000);
  t.match(r.response.toString(), /^v=/, 'the server signature');
  t.equal(s.principal, 'User:alice');
  t.ok(s.expiresAt! >= before + 60_000 && s.expiresAt! <= Date.now() + 60_000);
  t.notOk(s.expired(s.expiresAt! - 1));
  t.ok(s.expired(s.expiresAt!));
});

t.test('SCRAM: a wrong password fails after the first round, with the user known', async (t) => {
  const s = session();
  s.handshake(1, 'SCRAM-SHA-256');
  const c = new ScramClient('SCRAM-SHA-256', 'bob', 'wrong');
  const first = await s.authenticate(c.first());
  t.equal(s.attemptedUser, 'bob');
  t.equal(s.state, 'authenticate');
  await t.rejects(s.authenticate(c.final(first.response)), AuthError);
  t.equal(s.state, 'failed');
});

t.test('an unexpected error in the exchange becomes an authentication failure', async (t) => {
  const s = session({
    lookup: () => {
      throw new Error('store unavailable');
    },
  });
  s.handshake(1, 'SCRAM-SHA-256');
  const e = await t.rejects(s.authenticate(new ScramClient('SCRAM-SHA-256', 'alice', 'x').first()));
  t.type(e, AuthError);
  t.match(e, { code: 'WARDEN_ERR_AUTH_FAILED', message: 'store unavailable' });
  t.equal(s.state, 'failed');
});

t.test('re-authentication is refused when sessions do not expire, or over a v0 handshake', async (t) => {
  const s = session();
  s.handshake(1, 'PLAIN');
  await s.authenticate(plain('alice', 'alice-pw'));
  t.same(s.handshake(1, 'PLAIN'), { errorCode: 34, close: true }, 'maxReauthMs 0');

  const e = session({ maxReauthMs: 60_000 });
  e.handshake(1, 'PLAIN');
  await e.authenticate(plain('alice', 'alice-pw'));
  t.same(e.handshake(0, 'PLAIN'), { errorCode: 34, close: true }, 'v0');
});

t.test('re-authentication: at most once a second, with the same mechanism', async (t) => {
  const tooSoon = session({ maxReauthMs: 60_000 });
  tooSoon.handshake(1, 'PLAIN');
  await tooSoon.authenticate(plain('alice', 'alice-pw'));
  t.same(tooSoon.handshake(1, 'PLAIN'), { errorCode: 34, close: true });
  t.equal(tooSoon.state, 'failed');

  const otherMech = session({ maxReauthMs: 60_000 });
  otherMech.handshake(1, 'PLAIN');
  await otherMech.authenticate(plain('alice', 'alice-pw'));
  t.same(await later(2000, () => otherMech.handshake(1, 'SCRAM-SHA-256')), { errorCode: 33, close: true });
  t.equal(otherMech.state, 'failed');
});

t.test('re-authentication as the same user renews the session', async (t) => {
  const s = session({ maxReauthMs: 60_000 });
  s.handshake(0, 'SCRAM-SHA-256');
  await scramLogin(s, 'alice', 'alice-pw');
  const firstExpiry = s.expiresAt!;
  await later(2000, async () => {
    t.same(s.handshake(1, 'SCRAM-SHA-256'), { errorCode: 0, close: false });
    t.equal(s.state, 'reauthenticating');
    t.notOk(s.rawTokens, 'a v1 re-authentication after a v0 login uses SaslAuthenticate');
    t.notOk(s.authenticated, 'not authenticated while re-authenticating');
    const r = await scramLogin(s, 'alice', 'alice-pw');
    t.ok(r.done);
  });
  t.ok(s.authenticated);
  t.equal(s.principal, 'User:alice');
  t.ok(s.expiresAt! >= firstExpiry + 2000, 'the expiry moves with the new login');
});

t.test('re-authentication as another user fails the session', async (t) => {
  const s = session({ maxReauthMs: 60_000 });
  s.handshake(1, 'PLAIN');
  await s.authenticate(plain('alice', 'alice-pw'));
  await later(2000, async () => {
    s.handshake(1, 'PLAIN');
    await t.rejects(s.authenticate(plain('bob', 'bob-pw')), {
      code: 'WARDEN_ERR_AUTH_FAILED',
      message: 're-authentication changed the principal',
    });
  });
  t.equal(s.state, 'failed');
  t.equal(s.principal, 'User:alice', 'the principal is not replaced');
});
