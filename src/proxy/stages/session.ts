import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { SaslSession } from '../../auth/session.js';
import { AuthError } from '../../auth/errors.js';
import { LoginRateLimitedError, RATE_LIMITED_MESSAGE } from '../../auth/login-guard.js';
import { ApiKey, type AnyResponse } from '../../protocol/generated/index.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { errorResponseOf } from '../../protocol/error-response.js';
import { sizePrefixed } from '../../protocol/writer.js';
import type { CloseReason } from '../../close-reason.js';
import { LogLimiter } from '../../log-limiter.js';
import { proxyVersionRange } from '../api-table.js';
import type { ListenerSecurity } from '../client-context.js';
import type { ConnectionPort, FrameGate } from './chain.js';
import type { ClientIdentity, ConnectionRecorder } from './client-identity.js';
import type { ClientRequest } from './request.js';
import {
  FORWARD,
  THEN_DRAIN,
  answer,
  answerPacket,
  close,
  later,
  type AfterAnswer,
  type LocalOutcome,
  type Outcome,
  type Stage,
} from './stage.js';

/** sasl.server.max.receive.size: the frame limit before authentication. */
export const PRE_AUTH_MAX_FRAME_BYTES = 512 * 1024;

/** Elements a request may decode into before authentication. */
export const PRE_AUTH_MAX_REQUEST_ELEMENTS = 100;

export interface SessionLimits {
  /** The frame limit once authenticated (limits.maxFrameBytes). */
  readonly maxFrameBytes: number;
  /** Elements one request may decode into once authenticated (limits.maxRequestElements). */
  readonly maxRequestElements: number;
}

/** How the answer to one SASL step is written: a SaslAuthenticate response, or a raw v0 token. */
interface StepAnswers {
  succeeded(response: Buffer, sessionLifetimeMs: number): LocalOutcome;
  failed(message: string, then: AfterAnswer): LocalOutcome;
}

/** Logins refused for their address's failed-login budget: logged at most every few seconds per address. */
const rateLimitedLogins = new LogLimiter();

/**
 * The first stage: who the client is, and the rules of Kafka's SaslServerAuthenticator. It sets
 * the principal (ANONYMOUS on PLAINTEXT, the mapped certificate subject on SSL, the SASL user),
 * runs the SASL exchange (SaslSession is its state machine), lets only ApiVersions and the SASL
 * requests through before authentication, bounds frames and decoding until then, closes a
 * connection whose exchange outlives the authentication timeout, and one whose session expired
 * (KIP-368). Nothing of a client reaches a later stage before it is authenticated.
 */
export class SessionStage implements Stage, FrameGate {
  readonly name = 'session';
  private readonly sasl: SaslSession | null;
  private authTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly port: ConnectionPort,
    private readonly security: ListenerSecurity,
    private readonly limits: SessionLimits,
    private readonly id: ClientIdentity,
    private readonly recorder: ConnectionRecorder,
  ) {
    this.sasl = security.sasl === null ? null : new SaslSession(security.sasl);
  }

  private get log(): Logger {
    return this.port.log;
  }

  /** Establishes what can be known before the first request; returns why the connection may not go on, if so. */
  open(): CloseReason | null {
    const protocol = this.security.protocol;
    if (protocol === 'PLAINTEXT') this.id.principal = 'User:ANONYMOUS';
    if (protocol === 'SSL') return this.certificateLogin();
    if (this.sasl !== null) this.expectAuthentication('authentication_timeout');
    return null;
  }

  /** Stops the authentication timer of a closed connection. */
  dispose(): void {
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
  }

  /**
   * How many elements one request may decode into (Reader.elementBudget): limits.maxRequestElements
   * once authenticated, and far fewer before (the SASL requests have almost none; anything else is
   * decoded only to be refused).
   */
  elementBudget(): number {
    const authenticated = this.id.principal !== null && (this.sasl === null || this.sasl.authenticated);
    return authenticated ? this.limits.maxRequestElements : PRE_AUTH_MAX_REQUEST_ELEMENTS;
  }

  /** After a SaslHandshake v0 the next frames are the exchange's raw tokens, not requests. */
  interceptFrame(frame: Buffer): Outcome | null {
    const sasl = this.sasl;
    if (sasl === null || !sasl.rawTokens || sasl.state !== 'authenticate') return null;
    return this.rawToken(frame);
  }

  onRequest(req: ClientRequest): Outcome {
    const sasl = this.sasl;
    const saslRequest = req.apiKey === ApiKey.SaslHandshake || req.apiKey === ApiKey.SaslAuthenticate;
    if (sasl === null)
      return saslRequest ? this.illegalSaslState(req, 'SASL is not enabled on this listener') : FORWARD;
    if (req.is(ApiKey.SaslHandshake)) return this.handshake(sasl, req);
    if (req.is(ApiKey.SaslAuthenticate)) {
      return sasl.exchanging
        ? this.authenticate(req)
        : this.illegalSaslState(req, 'SaslAuthenticate without a SaslHandshake');
    }
    if (sasl.authenticated)
      return sasl.expired() ? close('session_expired', { principal: this.id.principal }) : FORWARD;
    if (req.apiKey === ApiKey.ApiVersions && sasl.state === 'handshake') return FORWARD;
    return this.refuseBeforeAuthentication(sasl, req);
  }

  /** SSL: the mapped subject of a verified certificate, or ANONYMOUS without one. */
  private certificateLogin(): CloseReason | null {
    if (!this.id.hasCertificate) {
      this.id.principal = 'User:ANONYMOUS';
      return null;
    }
    const dn = this.id.tlsSubject;
    const name = dn === null ? null : this.security.mapper.map(dn);
    if (name === null) {
      this.log.warn({ subject: dn }, 'authentication failed: no principal mapping rule matches the certificate');
      this.recorder.authentication({
        success: false,
        mechanism: 'SSL',
        identifier: dn,
        principal: null,
        message: 'no principal mapping rule matches the certificate subject',
      });
      return 'authentication_failed';
    }
    if (
      !this.recorder.authentication({
        success: true,
        mechanism: 'SSL',
        identifier: dn,
        principal: `User:${name}`,
        message: 'Authenticated',
      })
    ) {
      this.log.warn({ subject: dn }, 'authentication refused: it cannot be audited (audit spool full, failClosed)');
      return 'authentication_failed';
    }
    this.id.principal = `User:${name}`;
    this.log.debug({ principal: this.id.principal, subject: dn }, 'authenticated by certificate');
    return null;
  }

  /** Until the exchange finishes: the pre-authentication frame limit, and a deadline. */
  private expectAuthentication(timeout: CloseReason): void {
    this.port.setMaxFrameBytes(Math.min(this.limits.maxFrameBytes, PRE_AUTH_MAX_FRAME_BYTES));
    this.dispose();
    this.authTimer = setTimeout(
      () => this.port.close(timeout, { principal: this.id.principal }),
      this.security.authTimeoutMs,
    );
    this.authTimer.unref();
  }

  private handshake(sasl: SaslSession, req: ClientRequest<typeof ApiKey.SaslHandshake>): Outcome {
    const { mechanism } = req.body;
    const result = sasl.handshake(req.apiVersion, mechanism);
    // KIP-368: a re-authentication must finish within the authentication timeout, under the
    // pre-authentication frame limit; until then nothing of this client is forwarded.
    if (sasl.state === 'reauthenticating') this.expectAuthentication('reauthentication_timeout');
    const response = { errorCode: result.errorCode, mechanisms: sasl.enabledMechanisms };
    if (!result.close) return answer(response);
    this.log.info({ mechanism, errorCode: result.errorCode }, 'SASL handshake refused');
    this.recorder.authentication({
      success: false,
      mechanism,
      identifier: null,
      principal: null,
      message: `SASL handshake refused (error ${result.errorCode})`,
    });
    return answer(response, THEN_DRAIN);
  }

  private authenticate(req: ClientRequest<typeof ApiKey.SaslAuthenticate>): Outcome {
    const { authBytes } = req.body;
    return this.step(authBytes, {
      succeeded: (response, lifetimeMs) =>
        answer({ errorCode: 0, errorMessage: null, authBytes: response, sessionLifetimeMs: BigInt(lifetimeMs) }),
      failed: (message, then) =>
        answer(
          {
            errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
            errorMessage: message,
            authBytes: Buffer.alloc(0),
            sessionLifetimeMs: 0n,
          },
          then,
        ),
    });
  }

  /**
   * A raw token after a SaslHandshake v0: the answer is the server's token as a size-prefixed
   * frame (an empty one when the mechanism has nothing to say, as PLAIN's success). There is no
   * frame for an error: a failure closes the connection. Kafka's SaslServerAuthenticator closes a
   * failed SCRAM exchange at once and a failed PLAIN one after the failed-authentication delay;
   * the proxy delays both, so a failure's timing says nothing about its cause.
   */
  private rawToken(token: Buffer): Outcome {
    return this.step(Buffer.from(token), {
      succeeded: (response) => answerPacket(sizePrefixed(4 + response.length, (w) => w.raw(response))),
      failed: () => close('authentication_failed'),
    });
  }

  /**
   * One step of a SASL exchange. Later frames wait until it is answered; a failure closes the
   * connection: at once when the login succeeded but cannot be audited, else after the
   * failed-authentication delay. An address over its failed-login budget gets no verdict on its
   * password, right or wrong.
   */
  private step(authBytes: Buffer, answers: StepAnswers): Outcome {
    const sasl = this.sasl!;
    const reauthentication = sasl.state === 'reauthenticating';
    const attempt = this.security.failedLogins.allows(this.id.host)
      ? sasl.authenticate(authBytes)
      : Promise.reject(new LoginRateLimitedError());
    return later(
      attempt.then(
        (res) => this.stepSucceeded(sasl, res, reauthentication, answers),
        (e: unknown) => this.stepFailed(sasl, e, reauthentication, answers),
      ),
    );
  }

  private stepSucceeded(
    sasl: SaslSession,
    res: { response: Buffer; done: boolean; sessionLifetimeMs: number },
    reauthentication: boolean,
    answers: StepAnswers,
  ): LocalOutcome {
    if (this.port.closed || !res.done) return answers.succeeded(res.response, 0);
    const user = sasl.attemptedUser;
    if (
      !this.recorder.authentication({
        success: true,
        mechanism: sasl.mechanism ?? '',
        identifier: user,
        principal: sasl.principal,
        message: 'Authenticated',
      })
    ) {
      // failClosed: a login that cannot be audited does not happen.
      this.log.warn(
        { mechanism: sasl.mechanism, user },
        'authentication refused: it cannot be audited (audit spool full, failClosed)',
      );
      return answers.failed(AuthError.clientMessage(sasl.mechanism, reauthentication), THEN_DRAIN);
    }
    this.dispose();
    this.id.principal = sasl.principal;
    this.port.setMaxFrameBytes(this.limits.maxFrameBytes);
    this.log.info(
      {
        principal: this.id.principal,
        mechanism: sasl.mechanism,
        reauthentication,
        saslHandshakeVersion: sasl.rawTokens ? 0 : 1,
      },
      'authentication succeeded',
    );
    return answers.succeeded(res.response, res.sessionLifetimeMs);
  }

  private async stepFailed(
    sasl: SaslSession,
    e: unknown,
    reauthentication: boolean,
    answers: StepAnswers,
  ): Promise<LocalOutcome> {
    const detail = e instanceof AuthError ? e.message : 'internal error';
    const rateLimited = e instanceof LoginRateLimitedError;
    const user = sasl.attemptedUser;
    // Only a verdict on the credentials counts (not a refusal for load or for the budget itself).
    if (e instanceof AuthError && e.code === 'WARDEN_ERR_AUTH_FAILED') this.security.failedLogins.failed(this.id.host);
    sasl.fail();
    const fields = { mechanism: sasl.mechanism, user, detail };
    if (rateLimited)
      rateLimitedLogins.log(this.log, this.id.host, { ...fields, client: this.id.host }, 'authentication failed');
    else this.log.info({ ...fields, reauthentication }, 'authentication failed');
    this.recorder.authentication({
      success: false,
      mechanism: sasl.mechanism ?? '',
      identifier: user,
      principal: user === null ? null : `User:${user}`,
      message: detail,
    });
    // Kafka delays the failure response (connection.failed.authentication.delay.ms), then closes.
    const delayMs = this.security.failedAuthDelayMs;
    await sleep(delayMs, undefined, { ref: false });
    return answers.failed(
      rateLimited ? RATE_LIMITED_MESSAGE : AuthError.clientMessage(sasl.mechanism, reauthentication),
      { drain: true, lingerMs: delayMs },
    );
  }

  /**
   * Anything else before authentication, or during a re-authentication, is refused after the
   * failed-authentication delay and never forwarded. In AUTHENTICATE (after a handshake, which
   * includes a re-authentication's) Kafka first answers it with its own ILLEGAL_SASL_STATE error
   * response; before the handshake it just closes.
   */
  private refuseBeforeAuthentication(sasl: SaslSession, req: ClientRequest): Outcome {
    const { apiKey, apiVersion } = req;
    const during =
      sasl.state === 'reauthenticating'
        ? 'request during re-authentication refused'
        : 'request before authentication refused';
    this.log.info({ apiKey, apiVersion, saslState: sasl.state }, during);
    const body = sasl.exchanging ? this.illegalStateBody(req) : null;
    sasl.fail();
    const settle = async (): Promise<LocalOutcome> => {
      await sleep(this.security.failedAuthDelayMs, undefined, { ref: false });
      if (body === null) return close('request_before_authentication', { apiKey });
      this.log.info({ apiKey }, 'client connection closed after ILLEGAL_SASL_STATE');
      return answer(body, THEN_DRAIN);
    };
    return later(settle());
  }

  /** The request's own error response with ILLEGAL_SASL_STATE, when it can be decoded. */
  private illegalStateBody(req: ClientRequest): AnyResponse | null {
    const range = proxyVersionRange(req.apiKey);
    if (range === null || req.apiVersion < range[0] || req.apiVersion > range[1]) return null;
    try {
      return errorResponseOf(req.apiKey, req.body, ErrorCode.ILLEGAL_SASL_STATE);
    } catch {
      return null;
    }
  }

  private illegalSaslState(req: ClientRequest, reason: string): Outcome {
    const body =
      req.apiKey === ApiKey.SaslHandshake
        ? { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: this.sasl?.enabledMechanisms ?? [] }
        : {
            errorCode: ErrorCode.ILLEGAL_SASL_STATE,
            errorMessage: reason,
            authBytes: Buffer.alloc(0),
            sessionLifetimeMs: 0n,
          };
    this.log.info({ apiKey: req.apiKey, reason }, 'illegal SASL state');
    return answer(body, THEN_DRAIN);
  }
}
