import { pbkdf2, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { AuthError } from './errors.js';
import { SCRAM_MECHANISMS, type CredentialLookup, type ScramCredential, type ScramMechanism } from './scram.js';
import type { UnknownUsers } from './unknown-users.js';
import type { HashLimiter } from './login-guard.js';

const pbkdf2Async = promisify(pbkdf2);
const DIGEST: Record<ScramMechanism, 'sha256' | 'sha512'> = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' };
const KEY_LEN: Record<ScramMechanism, number> = { 'SCRAM-SHA-256': 32, 'SCRAM-SHA-512': 64 };

/** Parses a PLAIN message: [authzid] NUL authcid NUL password (RFC 4616). */
export function parsePlain(bytes: Buffer): { user: string; password: string } {
  const text = bytes.toString('utf8');
  const parts = text.split('\0');
  if (parts.length !== 3) throw AuthError.invalid('malformed PLAIN message');
  const [authzid, user, password] = parts as [string, string, string];
  if (user === '' || password === '') throw AuthError.invalid('PLAIN user name or password is empty');
  if (authzid !== '' && authzid !== user) throw AuthError.invalid('authorization id differs from the user name');
  return { user, password };
}

/**
 * Verifies a PLAIN password against the user's stored SCRAM credential (SHA-512 preferred): no
 * password is ever kept, PLAIN derives the salted password with the stored salt and iterations and
 * compares StoredKey in constant time. PBKDF2 runs on libuv's thread pool, not the event loop,
 * bounded by `hashing`. An unknown user costs the same PBKDF2 work as a typical user and fails the
 * same way.
 */
export async function verifyPlain(
  bytes: Buffer,
  lookup: CredentialLookup,
  unknown: UnknownUsers,
  hashing: HashLimiter,
): Promise<string> {
  const { user, password } = parsePlain(bytes);
  let mech: ScramMechanism | null = null;
  let cred: ScramCredential | undefined;
  for (const m of SCRAM_MECHANISMS) {
    cred = lookup(user, m);
    if (cred) {
      mech = m;
      break;
    }
  }
  const known = mech !== null && cred !== undefined;
  if (!known) ({ mechanism: mech, credential: cred } = unknown.plain(user));
  const m = mech!;
  const c = cred!;
  const salted = await hashing.run(() =>
    pbkdf2Async(Buffer.from(password, 'utf8'), c.salt, c.iterations, KEY_LEN[m], DIGEST[m]),
  );
  const clientKey = createHmac(DIGEST[m], salted).update('Client Key').digest();
  const storedKey = createHash(DIGEST[m]).update(clientKey).digest();
  const ok = timingSafeEqual(storedKey, c.storedKey) && known;
  if (!ok) throw AuthError.invalid('invalid credentials');
  return user;
}
