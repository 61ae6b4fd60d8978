// The client side of SCRAM (RFC 5802), for tests that drive SaslAuthenticate themselves.
import { RawClient } from './raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as saslHandshake from '../../src/protocol/generated/sasl-handshake.js';
import type * as saslAuthenticate from '../../src/protocol/generated/sasl-authenticate.js';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

export class ScramClient {
  private readonly digest: 'sha256' | 'sha512';
  private readonly user: string;
  private readonly password: string;
  private readonly cnonce = randomBytes(18).toString('base64');
  private bare = '';

  constructor(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string, password: string) {
    this.digest = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    this.user = user;
    this.password = password;
  }

  first(): Buffer {
    this.bare = `n=${this.user},r=${this.cnonce}`;
    return Buffer.from(`n,,${this.bare}`);
  }

  final(serverFirst: Buffer): Buffer {
    const sf = serverFirst.toString();
    const [, r, s, i] = /^r=([^,]+),s=([^,]+),i=(\d+)/.exec(sf)!;
    const keyLen = this.digest === 'sha256' ? 32 : 64;
    const salted = pbkdf2Sync(this.password, Buffer.from(s!, 'base64'), Number(i), keyLen, this.digest);
    const clientKey = createHmac(this.digest, salted).update('Client Key').digest();
    const storedKey = createHash(this.digest).update(clientKey).digest();
    const withoutProof = `c=biws,r=${r}`;
    const sig = createHmac(this.digest, storedKey).update(`${this.bare},${sf},${withoutProof}`).digest();
    return Buffer.from(`${withoutProof},p=${Buffer.from(clientKey.map((b, k) => b ^ sig[k]!)).toString('base64')}`);
  }
}

/**
 * A SCRAM-SHA-256 exchange over SaslHandshake v1 and SaslAuthenticate v1 on an open connection (a
 * login, or a KIP-368 re-authentication): resolves with the last SaslAuthenticate response (the
 * first one when it already failed); throws when the handshake is refused.
 */
export async function scramExchange(c: RawClient, user: string, password: string): Promise<saslAuthenticate.Response> {
  const hs = await c.request<saslHandshake.Response>(ApiKey.SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
  if (hs.errorCode !== 0) throw new Error(`handshake error ${hs.errorCode}`);
  const sc = new ScramClient('SCRAM-SHA-256', user, password);
  const r1 = await c.request<saslAuthenticate.Response>(ApiKey.SaslAuthenticate, 1, { authBytes: sc.first() });
  if (r1.errorCode !== 0) return r1;
  return c.request<saslAuthenticate.Response>(ApiKey.SaslAuthenticate, 1, { authBytes: sc.final(r1.authBytes) });
}

/** A raw connection logged in with SCRAM-SHA-256 (for tests that need exact requests after login). */
export async function loginScram(addr: string, user: string, password: string): Promise<RawClient> {
  const c = await RawClient.connect(addr);
  const r = await scramExchange(c, user, password);
  if (r.errorCode !== 0) throw new Error(`login failed with error ${r.errorCode}`);
  return c;
}
