import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MIN_ITERATIONS, SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from './scram.js';

/** What a typical stored credential of one mechanism looks like. */
export interface CredentialShape {
  iterations: number;
  saltLength: number;
}

/** What the credential store tells about its users' credentials, without key material. */
export interface CredentialProfile {
  /** The most common iteration count and salt length of a mechanism's credentials. */
  shape(mechanism: ScramMechanism): CredentialShape;
  /** The mechanism whose PBKDF2 a PLAIN login of a typical user runs (SHA-512 when most users have it). */
  plainMechanism(): ScramMechanism;
}

const DEFAULT_SHAPE: CredentialShape = { iterations: MIN_ITERATIONS, saltLength: 32 };

/**
 * Stand-in credentials for users that do not exist (or lack the mechanism asked for), so that an
 * unknown user is indistinguishable from a known one with a wrong password: a SCRAM challenge with
 * the iteration count and salt length most real users have, a salt that is the same on every
 * attempt (and on every instance sharing the secret, across restarts), and PLAIN's PBKDF2 run with
 * the same parameters as a typical user's.
 */
export class UnknownUsers {
  private readonly secret: Buffer;
  private readonly profile: CredentialProfile;

  constructor(secret: Buffer, profile: CredentialProfile) {
    this.secret = secret;
    this.profile = profile;
  }

  private derive(label: string, user: string, length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let block = 0, at = 0; at < length; block++) {
      const d = createHmac('sha512', this.secret).update(`${label}\0${block}\0${user}`).digest();
      at += d.copy(out, at);
    }
    return out;
  }

  /** A SCRAM credential no password matches: its keys are random-looking and tied to the user. */
  scram(mechanism: ScramMechanism, user: string): ScramCredential {
    const { iterations, saltLength } = this.profile.shape(mechanism);
    const keyLength = mechanism === 'SCRAM-SHA-256' ? 32 : 64;
    return {
      salt: this.derive(`${mechanism}\0salt`, user, saltLength),
      iterations,
      storedKey: this.derive(`${mechanism}\0stored`, user, keyLength),
      serverKey: this.derive(`${mechanism}\0server`, user, keyLength),
    };
  }

  /** The credential PLAIN verifies an unknown user's password against (and always fails). */
  plain(user: string): { mechanism: ScramMechanism; credential: ScramCredential } {
    const mechanism = this.profile.plainMechanism();
    return { mechanism, credential: this.scram(mechanism, user) };
  }
}

/** The typical shapes of a set of credentials (the most common value; ties go to the larger). */
export function profileOf(users: Iterable<ReadonlyMap<ScramMechanism, ScramCredential>>): CredentialProfile {
  const counts = new Map<ScramMechanism, { iterations: Map<number, number>; salt: Map<number, number> }>();
  let withSha512 = 0;
  let total = 0;
  for (const mechs of users) {
    total++;
    if (mechs.has('SCRAM-SHA-512')) withSha512++;
    for (const [m, c] of mechs) {
      let e = counts.get(m);
      if (e === undefined) counts.set(m, (e = { iterations: new Map(), salt: new Map() }));
      e.iterations.set(c.iterations, (e.iterations.get(c.iterations) ?? 0) + 1);
      e.salt.set(c.salt.length, (e.salt.get(c.salt.length) ?? 0) + 1);
    }
  }
  const mode = (m: Map<number, number>, fallback: number) => {
    let best = fallback;
    let n = 0;
    for (const [v, k] of m) if (k > n || (k === n && v > best)) [best, n] = [v, k];
    return best;
  };
  const shapes = new Map<ScramMechanism, CredentialShape>();
  for (const m of SCRAM_MECHANISMS) {
    const e = counts.get(m);
    shapes.set(
      m,
      e === undefined
        ? DEFAULT_SHAPE
        : { iterations: mode(e.iterations, MIN_ITERATIONS), saltLength: mode(e.salt, 32) },
    );
  }
  const plain: ScramMechanism = total === 0 || withSha512 * 2 >= total ? 'SCRAM-SHA-512' : 'SCRAM-SHA-256';
  return { shape: (m) => shapes.get(m) ?? DEFAULT_SHAPE, plainMechanism: () => plain };
}

/**
 * The secret stand-in credentials derive from. It must outlive restarts (else an unknown user's
 * salt would change with every restart, unlike a real user's) and be the same on every instance
 * of a fleet: the configured one (auth.unknownUserSecret), else one kept beside the credentials
 * file, created on first start.
 */
export function unknownUserSecret(configured: string | undefined, credentialsFile: string | null): Buffer {
  if (configured !== undefined) return createHmac('sha256', 'kafka-warden unknown users').update(configured).digest();
  if (credentialsFile === null) return randomBytes(32);
  const file = join(dirname(credentialsFile), `.${basename(credentialsFile)}.unknown-user-secret`);
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(text)) return Buffer.from(text, 'hex');
  }
  const secret = randomBytes(32);
  writeFileSync(file, `${secret.toString('hex')}\n`, { mode: 0o600 });
  return secret;
}
