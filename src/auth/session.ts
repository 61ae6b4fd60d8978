import { ScramServer, type ScramMechanism, type CredentialLookup } from './scram.js';
import { verifyPlain } from './plain.js';
import { AuthError } from './errors.js';
import type { UnknownUsers } from './unknown-users.js';
import type { HashLimiter } from './login-guard.js';

export type SaslMechanism = ScramMechanism | 'PLAIN';

export interface SaslOptions {
  mechanisms: readonly SaslMechanism[];
  lookup: CredentialLookup;
  /** Stand-in credentials for unknown users, so that they look like known ones. */
  unknown: UnknownUsers;
  /** Bounds PLAIN's PBKDF2 work. */
  hashing: HashLimiter;
  /** connections.max.reauth.ms; 0 = sessions do not expire. */
  maxReauthMs: number;
}

/**
 * The SASL state of one connection, as Kafka's SaslServerAuthenticator keeps it:
 *
 *   handshake ──SaslHandshake(ok)──> authenticate ──SaslAuthenticate*(success)──> authenticated
 *       │                                  │ (failure)                               │
 *       └─ unknown mechanism: close        └──────────> failed (close)               │
 *                                                                                    │
 *   authenticated ──SaslHandshake v1 (re-auth, KIP-368)──> reauthenticating ──success──┘
 *                                           (other mechanism or principal: failed)
 *
 * After a SaslHandshake v0 the tokens of the exchange travel as raw size-prefixed frames instead
 * of SaslAuthenticate requests (`rawTokens`), as Kafka still allows (v0 is deprecated, not
 * removed) and kafka-python 2.0 always does. Such sessions expire like any other, as in Kafka;
 * re-authenticating with a v0 handshake is refused (Kafka would allow it; no client does it, and
 * v1 carries the session lifetime), with v1 it works as after a v1 login.
 *
 * Before authentication only ApiVersions (before the handshake) and the SASL requests are
 * allowed; the connection owner enforces that and the session expiry.
 */
export type SaslState = 'handshake' | 'authenticate' | 'authenticated' | 'reauthenticating' | 'failed';

export class SaslSession {
  /** Changed only by the transitions below (handshake, authenticate, fail). */
  private current: SaslState = 'handshake';
  mechanism: SaslMechanism | null = null;
  /** `User:<name>` once authenticated. */
  principal: string | null = null;
  /** The user name a client claimed (for audit), known after the first step. */
  attemptedUser: string | null = null;
  /** Wall-clock ms at which the session expires (KIP-368), or null. */
  expiresAt: number | null = null;
  /** Set by a SaslHandshake v0: the exchange's tokens come as raw frames, not SaslAuthenticate. */
  rawTokens = false;
  private scram: ScramServer | null = null;
  private readonly opts: SaslOptions;
  private lastReauth = 0;

  constructor(opts: SaslOptions) {
    this.opts = opts;
  }

  get enabledMechanisms(): string[] {
    return [...this.opts.mechanisms];
  }

  get state(): SaslState {
    return this.current;
  }

  get authenticated(): boolean {
    return this.current === 'authenticated';
  }

  /** Whether a SaslAuthenticate (or a raw token) is expected now. */
  get exchanging(): boolean {
    return this.current === 'authenticate' || this.current === 'reauthenticating';
  }

  /** The exchange is over without a login (refused, timed out, rate limited): nothing more is accepted. */
  fail(): void {
    this.current = 'failed';
  }

  expired(now = Date.now()): boolean {
    return this.expiresAt !== null && now >= this.expiresAt;
  }

  /**
   * A SaslHandshake: returns the error code to answer with (0, 33 UNSUPPORTED_SASL_MECHANISM,
   * 34 ILLEGAL_SASL_STATE) and whether the connection must close after the answer.
   */
  handshake(version: number, mechanism: string): { errorCode: number; close: boolean } {
    if (this.current === 'authenticated') {
      // KIP-368: a SaslHandshake v1 after authentication starts a re-authentication, only when
      // sessions expire, at most once a second, and with the same mechanism.
      if (this.opts.maxReauthMs === 0 || version < 1) return { errorCode: 34, close: true };
      if (mechanism !== this.mechanism || Date.now() - this.lastReauth < 1000) {
        this.current = 'failed';
        return { errorCode: mechanism !== this.mechanism ? 33 : 34, close: true };
      }
      this.current = 'reauthenticating';
      this.rawTokens = false;
      this.scram = null;
      return { errorCode: 0, close: false };
    }
    if (this.current !== 'handshake') return { errorCode: 34, close: true };
    if (!(this.opts.mechanisms as readonly string[]).includes(mechanism)) {
      this.current = 'failed';
      return { errorCode: 33, close: true };
    }
    this.mechanism = mechanism as SaslMechanism;
    this.current = 'authenticate';
    this.rawTokens = version === 0;
    return { errorCode: 0, close: false };
  }

  /**
   * One SaslAuthenticate round. Resolves with the bytes for the client and, on the last round,
   * `done` with the session lifetime; rejects with AuthError on failure (state becomes failed).
   */
  async authenticate(authBytes: Buffer): Promise<{ response: Buffer; done: boolean; sessionLifetimeMs: number }> {
    if (!this.exchanging) {
      throw new AuthError('WARDEN_ERR_SASL_STATE', 'SaslAuthenticate outside of a SASL exchange');
    }
    const reauth = this.current === 'reauthenticating';
    try {
      let user: string | undefined;
      let response: Buffer = Buffer.alloc(0);
      if (this.mechanism === 'PLAIN') {
        user = await verifyPlain(authBytes, this.opts.lookup, this.opts.unknown, this.opts.hashing);
      } else {
        this.scram ??= new ScramServer(this.mechanism!, this.opts.lookup, (user) =>
          this.opts.unknown.scram(this.mechanism as ScramMechanism, user),
        );
        const step = this.scram.step(authBytes);
        this.attemptedUser = this.scram.attemptedUser;
        response = step.response;
        user = step.user;
        if (user === undefined) return { response, done: false, sessionLifetimeMs: 0 };
      }
      const principal = `User:${user}`;
      if (reauth && principal !== this.principal) throw AuthError.invalid('re-authentication changed the principal');
      this.attemptedUser = user;
      this.principal = principal;
      this.current = 'authenticated';
      this.scram = null;
      const now = Date.now();
      this.lastReauth = now;
      this.expiresAt = this.opts.maxReauthMs > 0 ? now + this.opts.maxReauthMs : null;
      return { response, done: true, sessionLifetimeMs: this.opts.maxReauthMs };
    } catch (e) {
      this.current = 'failed';
      if (e instanceof AuthError) {
        if (this.attemptedUser === null && this.mechanism === 'PLAIN') {
          const parts = authBytes.toString('utf8').split('\0');
          if (parts.length === 3) this.attemptedUser = parts[1]!;
        }
        throw e;
      }
      throw AuthError.invalid((e as Error).message);
    }
  }
}
