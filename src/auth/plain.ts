import { pbkdf2, createHash, createHmac, timingSafeEqual, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { AuthError } from './errors.js';
import { SCRAM_MECHANISMS, MIN_ITERATIONS, type CredentialLookup, type ScramMechanism } from './scram.js';

const pbkdf2Async = promisify(pbkdf2);
const DIGEST: Record<ScramMechanism, 'sha256' | 'sha512'> = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' };
const KEY_LEN: Record<ScramMechanism, number> = { 'SCRAM-SHA-256': 32, 'SCRAM-SHA-512': 64 };
const PHANTOM_SALT = randomBytes(32);

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
 * compares StoredKey in constant time. PBKDF2 runs on libuv's thread pool, not the event loop. An
 * unknown user costs the same PBKDF2 work and fails the same way.
 */
export async function verifyPlain(bytes: Buffer, lookup: CredentialLookup): Promise<string> {
  const { user, password } = parsePlain(bytes);
  let mech: ScramMechanism = 'SCRAM-SHA-512';
  let cred = undefined;
  for (const m of SCRAM_MECHANISMS) {
    cred = lookup(user, m);
    if (cred) {
      mech = m;
      break;
    }
  }
  const salt = cred?.salt ?? PHANTOM_SALT;
  const iterations = cred?.iterations ?? MIN_ITERATIONS;
  const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), salt, iterations, KEY_LEN[mech], DIGEST[mech]);
  const clientKey = createHmac(DIGEST[mech], salted).update('Client Key').digest();
  const storedKey = createHash(DIGEST[mech]).update(clientKey).digest();
  const ok = cred !== undefined && timingSafeEqual(storedKey, cred.storedKey);
  if (!ok) throw AuthError.invalid('invalid credentials');
  return user;
}
