import t from 'tap';
import { parsePlain, verifyPlain } from '../../src/auth/plain.js';
import { makeCredential } from '../../src/auth/scram.js';
import { UnknownUsers, profileOf } from '../../src/auth/unknown-users.js';
import { HashLimiter } from '../../src/auth/login-guard.js';

const hashing = new HashLimiter({ concurrency: 2, queue: 64 });

t.test('PLAIN parsing as RFC 4616 and Kafka', async (t) => {
  t.same(parsePlain(Buffer.from('\0alice\0pw')), { user: 'alice', password: 'pw' });
  t.same(parsePlain(Buffer.from('alice\0alice\0pw')), { user: 'alice', password: 'pw' });
  for (const bad of ['bob\0alice\0pw', '\0\0pw', '\0alice\0', 'alice\0pw', '\0a\0b\0c'])
    t.throws(() => parsePlain(Buffer.from(bad)), { code: 'WARDEN_ERR_AUTH_FAILED' });
});

t.test('PLAIN verifies against stored SCRAM hashes only', async (t) => {
  const creds = { alice: makeCredential('SCRAM-SHA-512', 'alice-pw'), bob: makeCredential('SCRAM-SHA-256', 'bob-pw') };
  const lookup = (u: string, m: string) => {
    const c = creds[u as keyof typeof creds];
    return c && ((u === 'alice' && m === 'SCRAM-SHA-512') || (u === 'bob' && m === 'SCRAM-SHA-256')) ? c : undefined;
  };
  const unknown = new UnknownUsers(
    Buffer.alloc(32),
    profileOf([new Map([['SCRAM-SHA-512', creds.alice]]), new Map([['SCRAM-SHA-256', creds.bob]])]),
  );
  t.equal(await verifyPlain(Buffer.from('\0alice\0alice-pw'), lookup, unknown, hashing), 'alice');
  t.equal(
    await verifyPlain(Buffer.from('\0bob\0bob-pw'), lookup, unknown, hashing),
    'bob',
    'a SHA-256 credential works too',
  );
  await t.rejects(verifyPlain(Buffer.from('\0alice\0wrong'), lookup, unknown, hashing), {
    code: 'WARDEN_ERR_AUTH_FAILED',
  });
  await t.rejects(verifyPlain(Buffer.from('\0nobody\0x'), lookup, unknown, hashing), {
    code: 'WARDEN_ERR_AUTH_FAILED',
  });
});
