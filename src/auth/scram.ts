import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors.js';

/**
 * SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's broker does them: no SASLprep,
 * gs2 flag `n` only, an optional authzid equal to the user, and only salt, iterations, StoredKey
 * and ServerKey kept for each user.
 */
export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-512', 'SCRAM-SHA-256'];

const DIGEST: Record<ScramMechanism, 'sha256' | 'sha512'> = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' };
const KEY_LEN: Record<ScramMechanism, number> = { 'SCRAM-SHA-256': 32, 'SCRAM-SHA-512': 64 };
export const MIN_ITERATIONS = 4096;
export const MAX_ITERATIONS = 16384;

export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (m: ScramMechanism, key: Buffer, data: string | Buffer) =>
  createHmac(DIGEST[m], key).update(data).digest();
const hash = (m: ScramMechanism, data: Buffer) => createHash(DIGEST[m]).update(data).digest();

export function saltedPassword(m: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, KEY_LEN[m], DIGEST[m]);
}

/** Derives the stored form from a salted password (RFC 5802 section 3). */
export function credentialFromSalted(
  m: ScramMechanism,
  salted: Buffer,
  salt: Buffer,
  iterations: number,
): ScramCredential {
  const clientKey = hmac(m, salted, 'Client Key');
  return { salt, iterations, storedKey: hash(m, clientKey), serverKey: hmac(m, salted, 'Server Key') };
}

export function makeCredential(
  m: ScramMechanism,
  password: string,
  iterations = MIN_ITERATIONS,
  salt: Buffer = randomBytes(32),
): ScramCredential {
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new AuthError(
      'WARDEN_ERR_SCRAM_ITERATIONS',
      `iterations must be between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}`,
    );
  }
  return credentialFromSalted(m, saltedPassword(m, password, salt, iterations), salt, iterations);
}

/** Kafka's text form: salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>. */
export function formatCredential(c: ScramCredential): string {
  return `salt=${c.salt.toString('base64')},stored_key=${c.storedKey.toString('base64')},server_key=${c.serverKey.toString('base64')},iterations=${c.iterations}`;
}

export function parseCredential(m: ScramMechanism, text: string): ScramCredential {
  const fields = new Map<string, string>();
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0)
      throw new AuthError(
        'WARDEN_ERR_CREDENTIAL_FORMAT',
        "credential is not in Kafka's salt=,stored_key=,server_key=,iterations= form",
      );
    fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const b64 = (k: string) => {
    const v = fields.get(k);
    if (v === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(v))
      throw new AuthError('WARDEN_ERR_CREDENTIAL_FORMAT', `credential lacks a base64 ${k}`);
    return Buffer.from(v, 'base64');
  };
  const iterations = Number(fields.get('iterations'));
  if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new AuthError(
      'WARDEN_ERR_CREDENTIAL_FORMAT',
      `credential iterations must be between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}`,
    );
  }
  const c = { salt: b64('salt'), storedKey: b64('stored_key'), serverKey: b64('server_key'), iterations };
  if (c.storedKey.length !== KEY_LEN[m] || c.serverKey.length !== KEY_LEN[m]) {
    throw new AuthError('WARDEN_ERR_CREDENTIAL_FORMAT', `credential keys do not have the length of ${m}`);
  }
  return c;
}

/** Undoes SCRAM's saslname escaping (=2C for ',', =3D for '='); null when the escaping is invalid. */
export function unescapeSaslName(s: string): string | null {
  if (/=(?!2C|3D)/.test(s)) return null;
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export type CredentialLookup = (user: string, mechanism: ScramMechanism) => ScramCredential | undefined;

/** What a SASL server step returns. */
export interface SaslStep {
  /** Bytes for the client (SaslAuthenticate auth_bytes). */
  response: Buffer;
  /** Set when authentication has succeeded: the authenticated user name. */
  user?: string;
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

/**
 * The server side of one SCRAM exchange: two steps, client-first then client-final. Any failure
 * throws AuthError with a generic message. An unknown user gets a stand-in credential (see
 * UnknownUsers: the salt length and iteration count of a typical user, the same salt on every
 * attempt), so an unknown user and a wrong password fail at the same step after the same work.
 */
export class ScramServer {
  private readonly mechanism: ScramMechanism;
  private readonly lookup: CredentialLookup;
  private readonly unknown: (user: string) => ScramCredential;
  private state: 'first' | 'final' | 'done' = 'first';
  private user = '';
  private credential: ScramCredential | null = null;
  private phantom = false;
  private nonce = '';
  private clientFirstBare = '';
  private serverFirst = '';
  private gs2Header = '';

  constructor(mechanism: ScramMechanism, lookup: CredentialLookup, unknown: (user: string) => ScramCredential) {
    this.mechanism = mechanism;
    this.lookup = lookup;
    this.unknown = unknown;
  }

  /** The user name the client claimed (available after the first step), for audit. */
  get attemptedUser(): string {
    return this.user;
  }

  step(input: Buffer, serverNonce: string = randomBytes(24).toString('base64')): SaslStep {
    if (this.state === 'first') return this.first(input.toString('utf8'), serverNonce);
    if (this.state === 'final') return this.final(input.toString('utf8'));
    throw new AuthError('WARDEN_ERR_SASL_STATE', 'SCRAM exchange already finished');
  }

  private first(msg: string, serverNonce: string): SaslStep {
    // gs2-header: "n," [ "a=" authzid ] ","  then client-first-bare: "n=" user ",r=" nonce [,ext]
    const m = /^n,(?:a=([^,]*))?,(n=([^,]*),r=([^,]+)((?:,[^,]*)*))$/.exec(msg);
    if (m === null) throw AuthError.invalid('malformed SCRAM client-first message');
    const authzid = m[1] !== undefined ? unescapeSaslName(m[1]) : '';
    const user = unescapeSaslName(m[3]!);
    if (user === null || user === '' || authzid === null) throw AuthError.invalid('invalid SCRAM user name');
    if (authzid !== '' && authzid !== user) throw AuthError.invalid('authorization id differs from the user name');
    const nonce = m[4]!;
    if (!PRINTABLE_NONCE.test(nonce)) throw AuthError.invalid('invalid SCRAM nonce');
    const extensions = m[5]!.split(',').filter(Boolean);
    for (const ext of extensions) {
      if (/^tokenauth=/i.test(ext)) throw AuthError.invalid('delegation token authentication is not supported');
    }
    this.user = user;
    this.gs2Header = msg.slice(0, msg.length - m[2]!.length);
    this.clientFirstBare = m[2]!;
    const found = this.lookup(user, this.mechanism);
    if (found) {
      this.credential = found;
    } else {
      this.phantom = true;
      this.credential = this.unknown(user);
    }
    this.nonce = nonce + serverNonce;
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt.toString('base64')},i=${this.credential.iterations}`;
    this.state = 'final';
    return { response: Buffer.from(this.serverFirst, 'utf8') };
  }

  private final(msg: string): SaslStep {
    this.state = 'done';
    const m = /^(c=([^,]*),r=([^,]*)(?:,[^,]*)*?),p=([A-Za-z0-9+/]+={0,2})$/.exec(msg);
    if (m === null) throw AuthError.invalid('malformed SCRAM client-final message');
    if (m[2] !== Buffer.from(this.gs2Header, 'utf8').toString('base64'))
      throw AuthError.invalid('SCRAM channel binding does not match');
    // Kafka's ScramSaslServer accepts a final nonce that ends with the server's (RFC 5802 asks for
    // equality), and librdkafka up to 2.0.x relies on it: it sends its own nonce in front of the
    // combined one. The proof still covers this exact message and our fresh nonce.
    if (!m[3]!.endsWith(this.nonce)) throw AuthError.invalid('SCRAM nonce does not match');
    const c = this.credential!;
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${m[1]}`;
    const clientSignature = hmac(this.mechanism, c.storedKey, authMessage);
    const proof = Buffer.from(m[4]!, 'base64');
    if (proof.length !== clientSignature.length) throw AuthError.invalid('SCRAM proof has the wrong length');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const ok = timingSafeEqual(hash(this.mechanism, clientKey), c.storedKey);
    if (!ok || this.phantom) throw AuthError.invalid('invalid credentials');
    const serverSignature = hmac(this.mechanism, c.serverKey, authMessage);
    return { response: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), user: this.user };
  }
}
