// An unknown user must look like a known one with a wrong password: the same challenge shape, a
// stable salt, the same PBKDF2 work for PLAIN; and the failed-login and PBKDF2 budgets hold.
import t from 'tap';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { makeCredential, type ScramCredential, type ScramMechanism } from '../../src/auth/scram.js';
import { UnknownUsers, profileOf, unknownUserSecret } from '../../src/auth/unknown-users.js';
import { FailedLoginLimiter, HashLimiter } from '../../src/auth/login-guard.js';
import { verifyPlain } from '../../src/auth/plain.js';

const users = new Map<string, Map<ScramMechanism, ScramCredential>>([
  [
    'alice',
    new Map<ScramMechanism, ScramCredential>([
      ['SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', 'a', 8192, randomBytes(24))],
      ['SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', 'a', 4096, randomBytes(24))],
    ]),
  ],
  [
    'bob',
    new Map<ScramMechanism, ScramCredential>([
      ['SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', 'b', 8192, randomBytes(24))],
    ]),
  ],
  [
    'carol',
    new Map<ScramMechanism, ScramCredential>([
      ['SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', 'c', 4096, randomBytes(24))],
    ]),
  ],
]);
const lookup = (u: string, m: ScramMechanism) => users.get(u)?.get(m);

t.test('stand-ins have the shape of a typical user, and are stable per user and secret', async (t) => {
  const u = new UnknownUsers(Buffer.from('s'.repeat(32)), profileOf(users.values()));
  const a = u.scram('SCRAM-SHA-512', 'mallory');
  t.equal(a.iterations, 8192, 'the iterations most SHA-512 users have');
  t.equal(a.salt.length, 24, 'the salt length real users have');
  t.equal(u.scram('SCRAM-SHA-256', 'mallory').iterations, 4096);
  t.same(u.scram('SCRAM-SHA-512', 'mallory').salt, a.salt, 'the same salt on every attempt');
  t.notSame(u.scram('SCRAM-SHA-512', 'trudy').salt, a.salt, 'each name has its own salt');
  const other = new UnknownUsers(Buffer.from('t'.repeat(32)), profileOf(users.values()));
  t.notSame(other.scram('SCRAM-SHA-512', 'mallory').salt, a.salt, 'the salt depends on the secret');
  t.equal(u.plain('mallory').mechanism, 'SCRAM-SHA-512', 'PLAIN hashes as most users (SHA-512) are hashed');
  t.equal(u.plain('mallory').credential.iterations, 8192);
});

t.test('the secret outlives a restart: it is kept beside the credentials file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-secret-'));
  const file = join(dir, 'users.yaml');
  const first = unknownUserSecret(undefined, file);
  const second = unknownUserSecret(undefined, file);
  t.same(second, first, 'the same secret after a restart');
  const kept = join(dir, '.users.yaml.unknown-user-secret');
  t.equal(statSync(kept).mode & 0o777, 0o600, 'readable by the proxy only');
  t.match(readFileSync(kept, 'utf8'), /^[0-9a-f]{64}\n$/);
  t.same(
    unknownUserSecret('a configured fleet-wide secret', file),
    unknownUserSecret('a configured fleet-wide secret', null),
    'a configured secret is the same everywhere',
  );
});

t.test('PLAIN runs the same PBKDF2 for an unknown user as for a known one', async (t) => {
  const calls: Array<{ iterations: number; digest: string; salt: number }> = [];
  const hashing = new HashLimiter({ concurrency: 2, queue: 8 });
  const u = new UnknownUsers(Buffer.alloc(32), profileOf(users.values()));
  const spyLookup = (name: string, m: ScramMechanism) => {
    const c = lookup(name, m);
    if (c) calls.push({ iterations: c.iterations, digest: m, salt: c.salt.length });
    return c;
  };
  const spyUnknown = {
    scram: u.scram.bind(u),
    plain: (name: string) => {
      const p = u.plain(name);
      calls.push({ iterations: p.credential.iterations, digest: p.mechanism, salt: p.credential.salt.length });
      return p;
    },
  } as unknown as UnknownUsers;
  await t.rejects(verifyPlain(Buffer.from('\0bob\0wrong'), spyLookup, spyUnknown, hashing), {
    code: 'WARDEN_ERR_AUTH_FAILED',
  });
  await t.rejects(verifyPlain(Buffer.from('\0nobody\0wrong'), spyLookup, spyUnknown, hashing), {
    code: 'WARDEN_ERR_AUTH_FAILED',
  });
  t.same(calls[1], calls[0], "the unknown user is hashed with the known user's mechanism, iterations and salt length");
});

t.test('failed logins per address: a budget that refills', async (t) => {
  const l = new FailedLoginLimiter({ attempts: 3, windowMs: 3000 });
  const now = 1_000_000;
  for (let i = 0; i < 3; i++) {
    t.ok(l.allows('10.0.0.1', now), `attempt ${i + 1} allowed`);
    l.failed('10.0.0.1', now);
  }
  t.notOk(l.allows('10.0.0.1', now), 'the fourth is refused');
  t.ok(l.allows('10.0.0.2', now), 'another address is not affected');
  t.notOk(l.allows('10.0.0.1', now + 900), 'still refused before a token refills');
  t.ok(l.allows('10.0.0.1', now + 1000), 'one more attempt once a window share has passed');
  const off = new FailedLoginLimiter({ attempts: 0, windowMs: 1000 });
  for (let i = 0; i < 100; i++) off.failed('x', now);
  t.ok(off.allows('x', now), '0 attempts turns the limit off');
  const small = new FailedLoginLimiter({ attempts: 1, windowMs: 1000, maxAddresses: 2 });
  for (const a of ['a', 'b', 'c']) small.failed(a, now);
  t.ok(small.allows('a', now), 'the table is bounded: the oldest address is forgotten');
});

t.test('PBKDF2 work is bounded: concurrency, then a bounded queue, then refusal', async (t) => {
  const h = new HashLimiter({ concurrency: 2, queue: 3 });
  let running = 0;
  let peak = 0;
  const gates: Array<() => void> = [];
  const job = () =>
    h.run(
      () =>
        new Promise<void>((resolve) => {
          running++;
          peak = Math.max(peak, running);
          gates.push(() => {
            running--;
            resolve();
          });
        }),
    );
  const jobs = Array.from({ length: 5 }, job);
  const refused = job();
  await t.rejects(refused, { code: 'WARDEN_ERR_AUTH_BUSY' }, 'the sixth is refused at once');
  t.same(h.load, { running: 2, waiting: 3 });
  while (gates.length > 0 || running > 0) {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(jobs);
  t.equal(peak, 2, 'never more than two at once');
  t.same(h.load, { running: 0, waiting: 0 });
});
