import type net from 'node:net';
import type { Logger } from 'pino';
import { FrameReader } from '../protocol/frame-reader.js';
import { framePool } from '../protocol/buffer-pool.js';
import { readIntoBuffer, sharedReadBuffer } from './static-read.js';
import { Reader } from '../protocol/reader.js';
import { decodeRequestHeader, type RequestHeader } from '../protocol/headers.js';
import { API_SPECS, ApiKey } from '../protocol/generated/index.js';
import { WardenError, DecodeError } from '../protocol/errors.js';
import { validateRecordBatches } from '../protocol/record-batch.js';
import type * as produce from '../protocol/generated/produce.js';
import type * as apiVersions from '../protocol/generated/api-versions.js';
import { API_POLICY, proxyVersionRange, type ApiPolicy } from './api-table.js';
import { rewriteResponse, type AddressBook } from './rewrite.js';
import { apiVersionsResponse } from './api-versions.js';
import { responsePacket } from './responses.js';
import { errorResponse } from '../protocol/error-response.js';
import type { ClusterView } from './cluster.js';
import { Lane, type UpstreamPools } from './pool.js';
import type { UpstreamError } from './upstream.js';
import type { MemoryBudget, MemoryWaiter } from './memory-budget.js';
import { LogLimiter } from '../log-limiter.js';
import { ACKS_ZERO_AS, produceError, rewriteAcks } from './acks-zero.js';
import { SaslSession, type SaslOptions } from '../auth/session.js';
import { AuthError } from '../auth/errors.js';
import { LoginRateLimitedError, RATE_LIMITED_MESSAGE, type FailedLoginLimiter } from '../auth/login-guard.js';
import type { PrincipalMapper } from '../auth/principal.js';
import { verifiedPeerCertificate, verifiedSubjectDn } from '../auth/tls-identity.js';
import type * as saslHandshake from '../protocol/generated/sasl-handshake.js';
import type * as saslAuthenticate from '../protocol/generated/sasl-authenticate.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import type { TLSSocket } from 'node:tls';
import type { CredentialStore } from '../auth/credentials.js';
import { describeScram, alterScram } from '../auth/scram-admin.js';
import type * as describeUserScramCredentials from '../protocol/generated/describe-user-scram-credentials.js';
import type * as alterUserScramCredentials from '../protocol/generated/alter-user-scram-credentials.js';
import type * as describeAcls from '../protocol/generated/describe-acls.js';
import type * as createAcls from '../protocol/generated/create-acls.js';
import type * as deleteAcls from '../protocol/generated/delete-acls.js';
import { sizePrefixed } from '../protocol/writer.js';
import type { AclManager } from '../acl/manager.js';
import { API_CHECKS, type AuthzContext, type Verdict } from '../acl/checks/index.js';
import { ConnectionDecisions } from '../acl/decision.js';
import type { ProtectedTopics } from '../acl/protected-topics.js';
import { CLUSTER_NAME, Operation, ResourceType, describeAcl } from '../acl/model.js';
import type { AuditLog } from '../audit/audit-log.js';
import { closeReason, type Metrics } from '../metrics/metrics.js';
import { authenticationEvent, changeEvent, type RequestInfo } from '../audit/event.js';

/** How a listener authenticates its clients. */
export interface ListenerSecurity {
  readonly protocol: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  /** SASL settings on SASL listeners, else null. */
  readonly sasl: SaslOptions | null;
  readonly mapper: PrincipalMapper;
  readonly authTimeoutMs: number;
  readonly failedAuthDelayMs: number;
  /** The credential store, for the SCRAM admin APIs. */
  readonly credentials: CredentialStore;
  /** The ACLs checked on every request, or null when authorization is off. */
  readonly acl: AclManager | null;
  /** Failed logins per client address. */
  readonly failedLogins: FailedLoginLimiter;
  /** The proxy's own topics, off limits to clients with or without ACLs. */
  readonly protectedTopics: ProtectedTopics;
}

/** sasl.server.max.receive.size: the frame limit before authentication. */
export const PRE_AUTH_MAX_FRAME_BYTES = 512 * 1024;

/** Elements a request may decode into before authentication. */
export const PRE_AUTH_MAX_REQUEST_ELEMENTS = 100;

/** What a client connection needs from the proxy around it. */
export interface ClientContext {
  readonly security: ListenerSecurity;
  readonly listenerName: string;
  readonly addresses: AddressBook;
  readonly cluster: ClusterView;
  readonly pools: UpstreamPools;
  readonly log: Logger;
  readonly maxFrameBytes: number;
  readonly maxInFlight: number;
  /** Elements one request may decode into once authenticated (limits.maxRequestElements). */
  readonly maxRequestElements: number;
  /** Bytes one client may hold in the proxy before its reads stop (limits.maxBufferedBytesPerClient). */
  readonly maxBufferedBytes: number;
  /** The process-wide account of buffered bytes. */
  readonly memory: MemoryBudget;
  readonly requestTimeoutMs: number;
  /** The audit trail, or null when auditing is off. */
  readonly audit: AuditLog | null;
  /** The upstream cluster's id, for audit events. */
  readonly clusterId: () => string;
  readonly metrics: Metrics;
}

/** A response slot: responses reach the client in request order, whatever order they complete in. */
interface Slot {
  packet: Buffer | null;
  /** The request's api key (-1 when unknown), and when it was read, for the duration histogram. */
  apiKey: number;
  start: number;
  /** No response goes to the client (an acks=0 Produce, answered upstream as acks=1). */
  silent: boolean;
}

/** The packet of a silent slot. */
const SILENT = Buffer.alloc(0);

/** A request the proxy refuses; the connection is closed with this reason. */
class ClientProtocolError extends WardenError {}

/**
 * One client connection.
 *
 * States: open -> draining (no more requests are read; answers still go out) -> closed.
 * Every frame is decoded and validated in full before anything goes upstream: header, body under
 * the spec of its version (every count within the bytes left), and Produce record batches (magic
 * 2, lengths, CRC32C). A frame that fails closes this connection only, with a logged reason. Bytes
 * after the last field are ignored as Kafka ignores them, and are not forwarded.
 */
export class ClientConnection implements MemoryWaiter {
  readonly socket: net.Socket;
  private readonly ctx: ClientContext;
  private readonly log: Logger;
  private readonly reader: FrameReader;
  private readonly slots: Slot[] = [];
  private slotHead = 0;
  private readonly nodeId: number | null;
  private lane: Lane | null;
  private state: 'open' | 'draining' | 'closed' = 'open';
  private pausedForInFlight = false;
  private pausedForDrain = false;
  private readonly closeHandlers: Array<() => void> = [];
  readonly remote: string;
  /** The request being handled, for error reports. */
  private current: RequestHeader | null = null;
  /** `User:...` once known: ANONYMOUS on PLAINTEXT, the mapped certificate subject on SSL. */
  principal: string | null = null;
  /** The SASL exchange on SASL listeners. */
  sasl: SaslSession | null;
  /** Frames that arrived while an authentication step was pending, handled in order after it. */
  private held: Buffer[] | null = null;
  private authTimer: NodeJS.Timeout | null = null;
  /** How long a draining connection stays open after its last answer (see drain). */
  private lingerMs = 0;
  /** The client's IP address as ACL host entries name it. */
  readonly host: string;
  private decisions: ConnectionDecisions | null | undefined = undefined;

  constructor(socket: net.Socket, ctx: ClientContext, nodeId: number | null) {
    this.socket = socket;
    this.ctx = ctx;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; ACLs name it a.b.c.d.
    this.host = (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    socket.setNoDelay(true);
    // Route: a node port goes to that node; a bootstrap connection is pinned to one broker.
    let target: { nodeId: number | null; address: { host: string; port: number } } | null = null;
    if (nodeId !== null) {
      const n = ctx.cluster.brokers.get(nodeId);
      if (n !== undefined) target = { nodeId, address: { host: n.host, port: n.port } };
    } else {
      target = ctx.cluster.pickBootstrapTarget();
    }
    this.nodeId = target?.nodeId ?? nodeId;
    this.log = ctx.log.child({ client: this.remote, listener: ctx.listenerName, node: this.nodeId });
    this.lane = target === null ? null : new Lane(ctx.pools.get(target.address));
    this.reader = new FrameReader((p) => this.onPacket(p), ctx.maxFrameBytes, framePool);
    const sec = ctx.security;
    this.sasl = sec.sasl === null ? null : new SaslSession(sec.sasl);
    if (sec.protocol === 'SSL') {
      const hasCert = verifiedPeerCertificate(socket as TLSSocket) !== null;
      if (!hasCert) this.principal = 'User:ANONYMOUS';
      else {
        const dn = verifiedSubjectDn(socket as TLSSocket);
        const name = dn === null ? null : sec.mapper.map(dn);
        if (name === null) {
          this.log.warn({ subject: dn }, 'authentication failed: no principal mapping rule matches the certificate');
          this.recordAuthentication(false, 'SSL', dn, null, 'no principal mapping rule matches the certificate subject', dn);
          this.lane = null;
          this.sasl = null;
        } else if (!this.recordAuthentication(true, 'SSL', dn, `User:${name}`, 'Authenticated', dn)) {
          this.log.warn({ subject: dn }, 'authentication refused: it cannot be audited (audit spool full, failClosed)');
          this.lane = null;
          this.sasl = null;
        } else {
          this.principal = `User:${name}`;
          this.log.debug({ principal: this.principal, subject: dn }, 'authenticated by certificate');
        }
      }
    } else if (sec.protocol === 'PLAINTEXT') {
      this.principal = 'User:ANONYMOUS';
    }
    if (this.sasl !== null) {
      this.reader.maxFrameBytes = Math.min(ctx.maxFrameBytes, PRE_AUTH_MAX_FRAME_BYTES);
      this.armAuthTimer('authentication timed out');
    }
    ctx.metrics.connectionsOpened.inc({ listener: ctx.listenerName });
    ctx.metrics.connectionsActive.inc({ listener: ctx.listenerName });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // Reads land in the process's shared buffer, without a Buffer and a stream event per read (or
    // per TLS record); the frame reader copies frames out. Pausing stops the socket's reads; bytes
    // already read (for TLS: the records of one socket read) are still delivered, as the rest of a
    // chunk is with 'data' events. The 'data' listener above gets what was buffered before.
    if (readIntoBuffer(socket, sharedReadBuffer(), (view) => this.onData(view))) this.reader.chunksReused = true;
    socket.on('end', () => this.drain());
    socket.on('error', (e: NodeJS.ErrnoException) => this.close('socket error', { code: e.code }));
    socket.on('close', () => this.close('client closed the connection'));
    socket.on('drain', () => {
      this.pausedForDrain = false;
      this.updateFlow();
    });
    if (this.lane === null) this.close(this.principal === null && this.sasl === null ? 'authentication failed' : 'no upstream broker for this port', { nodeId });
  }

  /** Closes the connection unless the SASL exchange in progress finishes within the authentication timeout. */
  private armAuthTimer(reason: string): void {
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = setTimeout(() => this.close(reason, { principal: this.principal }), this.ctx.security.authTimeoutMs);
    this.authTimer.unref();
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Requests received and not yet answered. */
  get outstanding(): number {
    return this.slots.length - this.slotHead;
  }

  onClose(fn: () => void): void {
    this.closeHandlers.push(fn);
  }

  /** When this connection last read or wrote anything (performance.now()), for the idle timeout. */
  lastActive = performance.now();

  private onData(chunk: Buffer): void {
    this.lastActive = performance.now();
    this.ctx.metrics.bytesIn += chunk.length;
    if (this.principal !== null) this.ctx.metrics.principalTraffic(this.principal, 'in', chunk.length);
    if (this.state !== 'open') return;
    try {
      this.reader.push(chunk);
    } catch (e) {
      this.refuse(e);
    }
  }

  private refuse(e: unknown): void {
    const at = this.current === null ? {} : { apiKey: this.current.apiKey, apiVersion: this.current.apiVersion, correlationId: this.current.correlationId };
    if (e instanceof WardenError) this.close('malformed or refused request', { ...at, code: e.code, detail: e.message });
    else {
      this.log.error({ err: e }, 'unexpected error handling a request');
      this.close('internal error');
    }
  }

  private onPacket(packet: Buffer): void {
    if (this.state !== 'open') return;
    if (this.held !== null) {
      this.held.push(packet);
      return;
    }
    try {
      this.handle(packet);
      this.current = null;
    } catch (e) {
      this.refuse(e);
    }
  }

  private handle(packet: Buffer): void {
    const frame = packet.subarray(4);
    if (this.sasl !== null && this.sasl.rawTokens && this.sasl.state === 'authenticate') {
      // After a SaslHandshake v0 the next frames are the exchange's raw tokens, not requests.
      this.answerRawToken(frame);
      return;
    }
    if (frame.length < 4) throw new DecodeError(`request frame of ${frame.length} bytes is shorter than its header`);
    // The api key and version decide the header layout: check them before reading further.
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const policy = API_POLICY.get(apiKey);
    const range = proxyVersionRange(apiKey, this.ctx.security.acl !== null);
    if (policy === undefined || range === null) {
      throw new ClientProtocolError('WARDEN_ERR_API_REFUSED', `api key ${apiKey} is not served by this proxy`);
    }
    if (apiKey !== ApiKey.ApiVersions) {
      // Outside the proxy's range, or outside the broker's: a broker closes the connection of a
      // client that sends a version it does not support, and on a shared upstream connection that
      // would break every other client's requests, so such a request stops here.
      const known = policy.local ? undefined : this.ctx.cluster.versionsOf(this.nodeId)?.ranges;
      const broker = known?.get(apiKey);
      const brokerRefuses = known !== undefined && (broker === undefined || apiVersion < broker[0] || apiVersion > broker[1]);
      if (apiVersion < range[0] || apiVersion > range[1] || brokerRefuses) {
        throw new ClientProtocolError('WARDEN_ERR_UNSUPPORTED_VERSION', `api key ${apiKey} version ${apiVersion} is not supported`);
      }
    }
    const header = decodeRequestHeader(frame, this.elementBudget());
    this.current = header;
    this.ctx.metrics.api(apiKey, API_SPECS.get(apiKey)!.name).requests.inc();
    if (this.sasl !== null && !this.saslGate(header, frame)) return;
    if (this.sasl === null && (apiKey === ApiKey.SaslHandshake || apiKey === ApiKey.SaslAuthenticate)) {
      this.answerIllegalSaslState(header, 'SASL is not enabled on this listener');
      return;
    }
    if (apiKey === ApiKey.ApiVersions) {
      this.answerApiVersions(header, frame);
      return;
    }
    const spec = API_SPECS.get(apiKey)!;
    const r = this.bodyReader(frame, header);
    const body = spec.decodeRequest(r, apiVersion);
    if (apiKey === ApiKey.Produce) validateProduce(body as produce.Request);
    if (policy.local) {
      this.answerAdmin(header, body);
      return;
    }
    let verdict: Verdict = null;
    const authz = this.authz();
    if (authz !== null) {
      // With ACLs on, proxyVersionRange above already refused an API or version without a check.
      verdict = API_CHECKS.get(apiKey)!.check(authz, apiVersion, body as never);
    }
    if (verdict === null) {
      this.forward(r.pos === r.end ? packet : this.stripTrailing(packet, header, r.pos), header, policy, body);
      return;
    }
    switch (verdict.kind) {
      case 'close':
        this.close(verdict.reason, { apiKey, principal: this.principal });
        return;
      case 'answer':
        this.complete(this.newSlot(), responsePacket(apiKey, apiVersion, header.correlationId, verdict.response));
        return;
      case 'forward': {
        const out = verdict.request === undefined ? (r.pos === r.end ? packet : this.stripTrailing(packet, header, r.pos)) : requestPacket(frame, header, verdict.request);
        this.forward(out, header, policy, verdict.request ?? body, verdict.response);
        return;
      }
    }
  }

  /**
   * How many elements one request may decode into (Reader.elementBudget): limits.maxRequestElements
   * once authenticated, and far fewer before (the SASL requests have almost none; anything else is
   * decoded only to be refused).
   */
  private elementBudget(): number {
    const authenticated = this.principal !== null && (this.sasl === null || this.sasl.authenticated);
    return authenticated ? this.ctx.maxRequestElements : PRE_AUTH_MAX_REQUEST_ELEMENTS;
  }

  private bodyReader(frame: Buffer, header: RequestHeader): Reader {
    const r = new Reader(frame, header.bodyOffset);
    r.elementBudget = this.elementBudget();
    return r;
  }

  /**
   * The decisions for the request being handled (src/acl/decision.ts: the one decision path), or
   * null when nothing is checked (no acl section, and no topic of the proxy's own is off limits
   * to this principal).
   */
  private authz(): AuthzContext | null {
    if (this.decisions === undefined) {
      const { security, audit, metrics, clusterId, cluster } = this.ctx;
      this.decisions = ConnectionDecisions.create({
        authorizer: security.acl?.authorizer ?? null,
        protectedTopics: security.protectedTopics,
        principal: this.principal ?? 'User:ANONYMOUS',
        host: this.host,
        audit,
        metrics,
        log: this.log,
        clusterId,
        topicNames: cluster.topicNames,
        requestInfo: (h) => this.requestInfo(h),
      });
    }
    return this.decisions === null ? null : this.decisions.forRequest(this.current);
  }

  /**
   * The SASL rules of Kafka's SaslServerAuthenticator. Returns true when the request may go on to
   * normal handling (ApiVersions before the handshake, anything once authenticated).
   */
  private saslGate(header: RequestHeader, frame: Buffer): boolean {
    const sasl = this.sasl!;
    const { apiKey } = header;
    if (apiKey === ApiKey.SaslHandshake) {
      this.answerHandshake(header, frame);
      return false;
    }
    if (apiKey === ApiKey.SaslAuthenticate) {
      if (sasl.state === 'authenticate' || sasl.state === 'reauthenticating') this.answerAuthenticate(header, frame);
      else this.answerIllegalSaslState(header, 'SaslAuthenticate without a SaslHandshake');
      return false;
    }
    if (sasl.authenticated) {
      if (sasl.expired()) {
        this.close('session expired', { principal: this.principal });
        return false;
      }
      return true;
    }
    if (apiKey === ApiKey.ApiVersions && sasl.state === 'handshake') return true;
    // Anything else before authentication, or during a re-authentication, is refused after the
    // failed-authentication delay and never forwarded. In AUTHENTICATE (after a handshake, which
    // includes a re-authentication's) Kafka first answers it with its own ILLEGAL_SASL_STATE error
    // response; before the handshake it just closes.
    this.log.info({ apiKey, apiVersion: header.apiVersion, saslState: sasl.state }, sasl.state === 'reauthenticating' ? 'request during re-authentication refused' : 'request before authentication refused');
    let answer: Buffer | null = null;
    if (sasl.state === 'authenticate' || sasl.state === 'reauthenticating') {
      const range = proxyVersionRange(apiKey);
      if (range !== null && header.apiVersion >= range[0] && header.apiVersion <= range[1]) {
        try {
          const body = API_SPECS.get(apiKey)!.decodeRequest(this.bodyReader(frame, header), header.apiVersion);
          answer = responsePacket(apiKey, header.apiVersion, header.correlationId, errorResponse(apiKey, body, ErrorCode.ILLEGAL_SASL_STATE));
        } catch {
          answer = null;
        }
      }
    }
    sasl.state = 'failed';
    const slot = answer === null ? null : this.newSlot();
    this.held = [];
    this.updateFlow();
    setTimeout(() => {
      if (slot !== null && answer !== null) {
        this.complete(slot, answer);
        this.held = null;
        this.drain();
        this.log.info({ apiKey }, 'client connection closed after ILLEGAL_SASL_STATE');
      } else this.close('request before authentication', { apiKey });
    }, this.ctx.security.failedAuthDelayMs).unref();
    return false;
  }

  private answerHandshake(header: RequestHeader, frame: Buffer): void {
    const sasl = this.sasl!;
    const r = this.bodyReader(frame, header);
    const req = API_SPECS.get(ApiKey.SaslHandshake)!.decodeRequest(r, header.apiVersion) as saslHandshake.Request;
    const result = sasl.handshake(header.apiVersion, req.mechanism);
    if (sasl.state === 'reauthenticating') {
      // KIP-368: the re-authentication must finish within the authentication timeout, under the
      // pre-authentication frame limit; until then nothing of this client is forwarded.
      this.reader.maxFrameBytes = Math.min(this.ctx.maxFrameBytes, PRE_AUTH_MAX_FRAME_BYTES);
      this.armAuthTimer('re-authentication timed out');
    }
    const slot = this.newSlot();
    this.complete(slot, responsePacket(ApiKey.SaslHandshake, header.apiVersion, header.correlationId, { errorCode: result.errorCode, mechanisms: sasl.enabledMechanisms }));
    if (result.close) {
      this.log.info({ mechanism: req.mechanism, errorCode: result.errorCode }, 'SASL handshake refused');
      this.recordAuthentication(false, req.mechanism, null, null, `SASL handshake refused (error ${result.errorCode})`, this.tlsSubject());
      this.drain();
    }
  }

  private answerAuthenticate(header: RequestHeader, frame: Buffer): void {
    const r = this.bodyReader(frame, header);
    const req = API_SPECS.get(ApiKey.SaslAuthenticate)!.decodeRequest(r, header.apiVersion) as saslAuthenticate.Request;
    const slot = this.newSlot();
    const respond = (errorCode: number, errorMessage: string | null, authBytes: Buffer, sessionLifetimeMs: bigint) =>
      this.complete(slot, responsePacket(ApiKey.SaslAuthenticate, header.apiVersion, header.correlationId, { errorCode, errorMessage, authBytes, sessionLifetimeMs }));
    this.authenticationStep(req.authBytes, {
      succeeded: (response, sessionLifetimeMs) => respond(0, null, response, BigInt(sessionLifetimeMs)),
      failed: (message) => respond(ErrorCode.SASL_AUTHENTICATION_FAILED, message, Buffer.alloc(0), 0n),
    });
  }

  /**
   * A raw token after a SaslHandshake v0: the answer is the server's token as a size-prefixed
   * frame (an empty one when the mechanism has nothing to say, as PLAIN's success). There is no
   * frame for an error: a failure closes the connection. Kafka's SaslServerAuthenticator closes a
   * failed SCRAM exchange at once and a failed PLAIN one after the failed-authentication delay;
   * the proxy delays both, so a failure's timing says nothing about its cause.
   */
  private answerRawToken(token: Buffer): void {
    const slot = this.newSlot();
    this.authenticationStep(Buffer.from(token), {
      succeeded: (response) => this.complete(slot, sizePrefixed(4 + response.length, (w) => w.raw(response))),
      failed: () => this.close('authentication failed'),
    });
  }

  /**
   * One step of a SASL exchange (a SaslAuthenticate request or a raw token). Further frames are
   * held until it is answered; `succeeded` answers a step that succeeded (the last one with the
   * session lifetime), `failed` answers a failure, which then closes the connection: at once when
   * the login succeeded but cannot be audited, else after the failed-authentication delay.
   */
  private authenticationStep(authBytes: Buffer, answer: { succeeded: (response: Buffer, sessionLifetimeMs: number) => void; failed: (message: string) => void }): void {
    const sasl = this.sasl!;
    const wasReauth = sasl.state === 'reauthenticating';
    this.held = [];
    this.updateFlow();
    const limiter = this.ctx.security.failedLogins;
    // An address over its failed-login budget gets no verdict on its password, right or wrong.
    const attempt = limiter.allows(this.host) ? sasl.authenticate(authBytes) : Promise.reject(new LoginRateLimitedError());
    attempt.then(
      (res) => {
        if (this.state === 'closed') return;
        if (res.done && !this.recordAuthentication(true, sasl.mechanism ?? '', sasl.attemptedUser, sasl.principal, 'Authenticated', this.tlsSubject())) {
          // failClosed: a login that cannot be audited does not happen.
          this.log.warn({ mechanism: sasl.mechanism, user: sasl.attemptedUser }, 'authentication refused: it cannot be audited (audit spool full, failClosed)');
          answer.failed(AuthError.clientMessage(sasl.mechanism, wasReauth));
          this.drain();
          return;
        }
        if (res.done) {
          if (this.authTimer) clearTimeout(this.authTimer);
          this.authTimer = null;
          this.principal = sasl.principal;
          this.reader.maxFrameBytes = this.ctx.maxFrameBytes;
          this.log.info({ principal: this.principal, mechanism: sasl.mechanism, reauthentication: wasReauth, saslHandshakeVersion: sasl.rawTokens ? 0 : 1 }, 'authentication succeeded');
        }
        answer.succeeded(res.response, res.done ? res.sessionLifetimeMs : 0);
        this.release();
      },
      (e: unknown) => {
        const detail = e instanceof AuthError ? e.message : 'internal error';
        const rateLimited = e instanceof LoginRateLimitedError;
        // Only a verdict on the credentials counts (not a refusal for load or for the budget itself).
        if (e instanceof AuthError && e.code === 'WARDEN_ERR_AUTH_FAILED') limiter.failed(this.host);
        sasl.state = 'failed';
        if (rateLimited) rateLimitedLogins.log(this.log, this.host, { mechanism: sasl.mechanism, user: sasl.attemptedUser, detail, client: this.host }, 'authentication failed');
        else this.log.info({ mechanism: sasl.mechanism, user: sasl.attemptedUser, detail, reauthentication: wasReauth }, 'authentication failed');
        this.recordAuthentication(false, sasl.mechanism ?? '', sasl.attemptedUser, sasl.attemptedUser === null ? null : `User:${sasl.attemptedUser}`, detail, this.tlsSubject());
        // Kafka delays the failure response (connection.failed.authentication.delay.ms), then closes.
        setTimeout(() => {
          if (this.state === 'closed') return;
          answer.failed(rateLimited ? RATE_LIMITED_MESSAGE : AuthError.clientMessage(sasl.mechanism, wasReauth));
          this.drain(this.ctx.security.failedAuthDelayMs);
        }, this.ctx.security.failedAuthDelayMs).unref();
      },
    );
  }

  /**
   * The admin APIs the proxy answers itself: SCRAM credentials (DESCRIBE / ALTER on the cluster)
   * and ACLs. Without an acl section, ACL requests get SECURITY_DISABLED as from a broker with no
   * authorizer, and credential requests are refused: the proxy's own admin APIs never run open.
   */
  private answerAdmin(header: RequestHeader, body: unknown): void {
    const sec = this.ctx.security;
    // Decided (and audited) like any other check; without ACLs nobody may use them.
    const clusterAllows = (op: typeof Operation.DESCRIBE | typeof Operation.ALTER) => sec.acl !== null && this.principal !== null && this.authz()!.allowed(op, ResourceType.CLUSTER, CLUSTER_NAME);
    let response: unknown;
    if (header.apiKey === ApiKey.DescribeAcls || header.apiKey === ApiKey.CreateAcls || header.apiKey === ApiKey.DeleteAcls) {
      response = this.answerAcls(header.apiKey, body, clusterAllows);
    } else if (header.apiKey === ApiKey.DescribeUserScramCredentials) {
      response = describeScram(body as describeUserScramCredentials.Request, sec.credentials, clusterAllows(Operation.DESCRIBE));
    } else if (header.apiKey === ApiKey.AlterUserScramCredentials) {
      const req = body as alterUserScramCredentials.Request;
      const { response: r, changed } = alterScram(req, sec.credentials, clusterAllows(Operation.ALTER));
      response = r;
      if (changed.length > 0) {
        this.log.info({ principal: this.principal, users: changed }, 'SCRAM credentials altered');
        // What changed, never the salted password or anything derived from it.
        const items = [
          ...req.deletions.filter((d) => changed.includes(d.name)).map((d) => ({ action: 'delete', user: d.name, mechanism: d.mechanism === 1 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512' })),
          ...req.upsertions.filter((u) => changed.includes(u.name)).map((u) => ({ action: 'upsert', user: u.name, mechanism: u.mechanism === 1 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512', iterations: u.iterations })),
        ];
        this.recordChange('scram-credentials', items);
      }
    } else {
      throw new ClientProtocolError('WARDEN_ERR_API_REFUSED', `api key ${header.apiKey} has no local handler`);
    }
    const slot = this.newSlot();
    this.complete(slot, responsePacket(header.apiKey, header.apiVersion, header.correlationId, response));
  }

  private answerAcls(apiKey: number, body: unknown, clusterAllows: (op: typeof Operation.DESCRIBE | typeof Operation.ALTER) => boolean): unknown {
    const acl = this.ctx.security.acl;
    const principal = this.principal ?? 'User:ANONYMOUS';
    const disabled = { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured.', _tagged: undefined };
    switch (apiKey) {
      case ApiKey.DescribeAcls:
        if (acl === null) return { throttleTimeMs: 0, ...disabled, resources: [] };
        return acl.describeAcls(body as describeAcls.Request, clusterAllows(Operation.DESCRIBE));
      case ApiKey.CreateAcls: {
        const req = body as createAcls.Request;
        if (acl === null) return { throttleTimeMs: 0, results: req.creations.map(() => ({ ...disabled })), _tagged: undefined };
        const { response, created } = acl.createAcls(req, clusterAllows(Operation.ALTER), principal);
        if (created.length > 0) this.recordChange('acls-created', created.map(describeAcl));
        return response;
      }
      default: {
        const req = body as deleteAcls.Request;
        if (acl === null) return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ ...disabled, matchingAcls: [] })), _tagged: undefined };
        const { response, deleted } = acl.deleteAcls(req, clusterAllows(Operation.ALTER), principal);
        if (deleted.length > 0) this.recordChange('acls-deleted', deleted.map(describeAcl));
        return response;
      }
    }
  }

  /** The verified client certificate's subject on TLS listeners, when it sent one. */
  private tlsSubject(): string | null {
    const sec = this.ctx.security.protocol;
    return sec === 'SSL' || sec === 'SASL_SSL' ? verifiedSubjectDn(this.socket as TLSSocket) : null;
  }

  /** Who is asking what, for audit events (`h`: the request asking, by default the one handled). */
  private requestInfo(h: RequestHeader | null = this.current): RequestInfo {
    return {
      principal: this.principal ?? 'User:ANONYMOUS',
      clientAddress: this.host,
      listener: this.ctx.listenerName,
      methodName: `kafka.${h === null ? 'Unknown' : (API_SPECS.get(h.apiKey)?.name ?? h.apiKey)}`,
      correlationId: h?.correlationId ?? -1,
      clientId: h?.clientId ?? null,
    };
  }

  private recordChange(kind: string, items: unknown[]): void {
    const audit = this.ctx.audit;
    if (audit !== null) audit.record(changeEvent(this.ctx.clusterId(), this.requestInfo(), { kind, items }));
  }

  /**
   * Records an authentication outcome. Returns false when a success cannot be recorded under
   * failClosed: the login is then refused.
   */
  private recordAuthentication(success: boolean, mechanism: string, identifier: string | null, principal: string | null, message: string, tlsSubject: string | null = null): boolean {
    this.ctx.metrics.authentications.inc({ mechanism: KNOWN_MECHANISMS.has(mechanism) ? mechanism : 'other', outcome: success ? 'success' : 'failure' });
    const audit = this.ctx.audit;
    if (audit === null) return true;
    return audit.record(authenticationEvent(this.ctx.clusterId(), { success, principal, mechanism, identifier, clientAddress: this.host, listener: this.ctx.listenerName, tlsSubject, message }));
  }

  /** Handles the frames held during an authentication step, in order. */
  private release(): void {
    const held = this.held;
    this.held = null;
    if (held === null) return;
    this.updateFlow();
    for (let i = 0; i < held.length; i++) {
      const again = this.held as Buffer[] | null;
      if (again !== null) {
        again.push(...held.slice(i));
        return;
      }
      this.onPacket(held[i]!);
    }
  }

  private answerIllegalSaslState(header: RequestHeader, reason: string): void {
    const slot = this.newSlot();
    const body =
      header.apiKey === ApiKey.SaslHandshake
        ? { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: this.sasl?.enabledMechanisms ?? [] }
        : { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: reason, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
    this.complete(slot, responsePacket(header.apiKey, header.apiVersion, header.correlationId, body));
    this.log.info({ apiKey: header.apiKey, reason }, 'illegal SASL state');
    this.drain();
  }

  /**
   * Kafka's broker ignores bytes after a request's last field, and real clients send some
   * (librdkafka 2.15.1 leaves a 4-byte reserved array count in all-topics Metadata v9+ requests).
   * Such a request is accepted as the broker would, but only its decoded part is forwarded.
   */
  private stripTrailing(packet: Buffer, header: RequestHeader, end: number): Buffer {
    this.log.debug({ apiKey: header.apiKey, apiVersion: header.apiVersion, trailingBytes: packet.length - 4 - end }, 'trailing request bytes dropped');
    const out = packet.subarray(0, 4 + end);
    out.writeInt32BE(end, 0);
    return out;
  }

  private answerApiVersions(header: RequestHeader, frame: Buffer): void {
    const range = proxyVersionRange(ApiKey.ApiVersions)!;
    let request: apiVersions.Request | null = null;
    if (header.apiVersion >= range[0] && header.apiVersion <= range[1]) {
      const r = this.bodyReader(frame, header);
      request = API_SPECS.get(ApiKey.ApiVersions)!.decodeRequest(r, header.apiVersion) as apiVersions.Request;
    }
    const { body, bodyVersion } = apiVersionsResponse(header.apiVersion, request, this.ctx.cluster.versionsOf(this.nodeId), this.ctx.security.acl !== null);
    const slot = this.newSlot();
    this.complete(slot, responsePacket(ApiKey.ApiVersions, bodyVersion, header.correlationId, body, 0));
  }

  private forward(packet: Buffer, header: RequestHeader, policy: ApiPolicy, body: unknown, transform?: (response: unknown) => unknown): void {
    const lane = this.lane!;
    const parks = policy.parks?.(body) ?? false;
    const acksZero = header.apiKey === ApiKey.Produce && (body as produce.Request).acks === 0;
    // acks=0 goes upstream as acks=1 and its answer stays here (see acks-zero.ts).
    if (acksZero) rewriteAcks(packet, header, body as produce.Request, ACKS_ZERO_AS);
    const slot = this.newSlot(acksZero);
    const apiKey = header.apiKey;
    const apiVersion = header.apiVersion;
    const size = packet.length;
    this.holdBytes(size, false);
    lane.send(
      packet,
      {
        clientCorrelationId: header.correlationId,
        deadline: Date.now() + this.ctx.requestTimeoutMs + (policy.holdMs?.(body) ?? 0),
        onResponse: (p) => {
          if (this.state === 'closed') return;
          if (acksZero) {
            let error: number;
            try {
              error = produceError(p, apiVersion);
            } catch (e) {
              this.log.warn({ apiKey, apiVersion, reason: (e as Error).message }, 'upstream produce response malformed');
              this.close('upstream response malformed');
              return;
            }
            framePool.release(p);
            // What the broker does with a failed acks=0 Produce, on this client's connection only.
            if (error !== 0) this.close('acks=0 produce failed', { errorCode: error });
            else this.complete(slot, SILENT);
            return;
          }
          let out = p;
          const rw = policy.rewrite;
          const kind = rw !== undefined && apiVersion >= rw.fromVersion ? rw.kind : null;
          if (kind !== null || transform !== undefined) {
            try {
              out = rewriteResponse(kind, apiKey, apiVersion, p, this.ctx.addresses, transform) ?? p;
              // The rewritten response was encoded into a new buffer: the original is done with.
              if (out !== p) framePool.release(p);
            } catch (e) {
              this.log.warn({ apiKey, apiVersion, reason: (e as Error).message }, 'upstream response could not be rewritten');
              this.close('upstream response malformed');
              return;
            }
          }
          this.complete(slot, out);
        },
        onError: (e: UpstreamError) => {
          this.close('upstream request failed', { code: e.code, detail: e.message });
        },
      },
      parks,
      () => this.releaseBytes(size, false),
    );
  }

  /** A response slot; a silent one (acks=0) keeps its place in the order and the limits but sends nothing. */
  private newSlot(silent = false): Slot {
    const s: Slot = { packet: null, apiKey: this.current?.apiKey ?? -1, start: performance.now(), silent };
    this.slots.push(s);
    if (this.outstanding >= this.ctx.maxInFlight && !this.pausedForInFlight) {
      this.pausedForInFlight = true;
      this.updateFlow();
    }
    return s;
  }

  private complete(slot: Slot, packet: Buffer): void {
    if (this.state === 'closed') return;
    slot.packet = packet;
    this.holdBytes(packet.length, true);
    const metrics = this.ctx.metrics;
    if (slot.apiKey >= 0) metrics.api(slot.apiKey, API_SPECS.get(slot.apiKey)!.name).duration.observe((performance.now() - slot.start) / 1000);
    while (this.slotHead < this.slots.length) {
      const head = this.slots[this.slotHead]!;
      if (head.packet === null) break;
      const packet = head.packet;
      this.slots[this.slotHead] = undefined as never;
      this.slotHead++;
      if (head.silent) continue;
      metrics.bytesOut += packet.length;
      if (this.principal !== null) metrics.principalTraffic(this.principal, 'out', packet.length);
      const size = packet.length;
      const written = this.socket.write(packet, () => {
        framePool.release(packet);
        this.releaseBytes(size, true);
        this.lastActive = performance.now();
      });
      if (!written) this.pausedForDrain = true;
    }
    if (this.slotHead === this.slots.length) {
      this.slots.length = 0;
      this.slotHead = 0;
    } else if (this.slotHead > 1024) {
      this.slots.splice(0, this.slotHead);
      this.slotHead = 0;
    }
    if (this.pausedForInFlight && this.outstanding < this.ctx.maxInFlight / 2) this.pausedForInFlight = false;
    this.updateFlow();
    if (this.state === 'draining' && this.outstanding === 0) this.finishAfterLinger();
  }

  /**
   * Memory this client holds in the proxy, in bytes: its requests until they are handed to the
   * upstream socket's kernel buffer, its responses until they are handed to its own. Past
   * maxBufferedBytesPerClient (or while the process is past its total) the proxy stops reading
   * this client's requests, and stops reading an exclusive upstream connection whose responses it
   * does not take: TCP back-pressure then reaches the client and the broker instead of the heap.
   */
  private requestBytes = 0;
  private responseBytes = 0;
  private pausedForMemory = false;
  private upstreamPaused = false;

  /** Gives back what a closing connection still holds; callbacks that fire later change nothing. */
  private releaseAll(): void {
    this.ctx.memory.release(this.requestBytes + this.responseBytes);
    this.ctx.memory.forget(this);
    this.requestBytes = 0;
    this.responseBytes = 0;
  }

  /** Counts `n` bytes this client now holds in the proxy (a request on its way up, or a response on its way back). */
  private holdBytes(n: number, response: boolean): void {
    if (this.state === 'closed') return;
    if (response) this.responseBytes += n;
    else this.requestBytes += n;
    this.ctx.memory.hold(n);
    this.checkMemory();
  }

  /** Those bytes have left the process (or were dropped). */
  private releaseBytes(n: number, response: boolean): void {
    if (this.state === 'closed') return;
    if (response) this.responseBytes -= n;
    else this.requestBytes -= n;
    this.ctx.memory.release(n);
    if (this.pausedForMemory || this.upstreamPaused) this.checkMemory();
  }

  private checkMemory(): void {
    const limit = this.ctx.maxBufferedBytes;
    const held = this.requestBytes + this.responseBytes;
    // Past the process-wide total only the clients holding a fair amount wait: the ones that hold
    // little keep being served, so that clients which stop reading cannot stall everyone else.
    const globalOver = held >= limit / 8 && this.ctx.memory.over(this);
    const over = this.pausedForMemory ? held >= limit / 2 || globalOver : held >= limit || globalOver;
    if (over !== this.pausedForMemory) {
      this.pausedForMemory = over;
      this.updateFlow();
    }
    const stopUpstream = (this.upstreamPaused ? this.responseBytes >= limit / 2 : this.responseBytes >= limit) || (globalOver && this.responseBytes >= limit / 8);
    if (stopUpstream !== this.upstreamPaused && this.lane !== null) this.upstreamPaused = this.lane.pauseUpstream(stopUpstream);
  }

  /** Re-checks a client paused for the process-wide total (the memory budget calls it). */
  memoryAvailable(): void {
    if (this.pausedForMemory) this.checkMemory();
  }

  private updateFlow(): void {
    if (this.state !== 'open') return;
    // While an authentication step is pending, nothing more is read: held frames stay bounded.
    if (this.pausedForInFlight || this.pausedForDrain || this.pausedForMemory || this.held !== null) this.socket.pause();
    else this.socket.resume();
  }

  private countClose(reason: string): void {
    this.ctx.metrics.connectionsActive.dec({ listener: this.ctx.listenerName });
    this.ctx.metrics.connectionsClosed.inc({ listener: this.ctx.listenerName, reason: closeReason(reason) });
  }

  /**
   * Stops reading requests; closes once every answer has gone out, and `lingerMs` after that (a
   * failed login: Kafka sends its answer at once and closes the connection only after
   * connection.failed.authentication.delay.ms, and clients such as kafka-python count on reading
   * the answer before the close arrives).
   */
  drain(lingerMs = 0): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    this.socket.pause();
    this.lingerMs = lingerMs;
    if (this.outstanding === 0) this.finishAfterLinger();
  }

  private finishAfterLinger(): void {
    if (this.lingerMs <= 0) return this.finish();
    setTimeout(() => this.finish(), this.lingerMs).unref();
    this.lingerMs = 0;
  }

  private finish(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.countClose('completed');
    if (this.authTimer) clearTimeout(this.authTimer);
    this.lane?.release();
    this.releaseAll();
    this.socket.end();
    this.socket.destroySoon?.();
    for (const fn of this.closeHandlers) fn();
  }

  /** Closes at once; unanswered requests are dropped (as when a broker connection breaks). */
  close(reason: string, fields: Record<string, unknown> = {}): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.countClose(reason);
    if (this.authTimer) clearTimeout(this.authTimer);
    const level = reason === 'client closed the connection' ? 'debug' : 'info';
    this.log[level]({ ...fields, reason, outstanding: this.outstanding }, 'client connection closed');
    this.lane?.release();
    this.releaseAll();
    this.socket.destroy();
    for (const fn of this.closeHandlers) fn();
  }
}

/** Logins refused for their address's failed-login budget: logged at most every few seconds per address. */
const rateLimitedLogins = new LogLimiter();

/** Mechanism label values (a client may name any mechanism in a handshake: the label stays bounded). */
const KNOWN_MECHANISMS = new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'SSL']);

/** A request packet with the client's own header and a new body (the allowed part of a request). */
function requestPacket(frame: Buffer, header: RequestHeader, body: unknown): Buffer {
  return sizePrefixed(frame.length + 64, (w) => {
    w.raw(frame.subarray(0, header.bodyOffset));
    API_SPECS.get(header.apiKey)!.encodeRequest(w, header.apiVersion, body as never);
  });
}

/** Validates every record set of a Produce request; throws RecordBatchError or DecodeError. */
function validateProduce(req: produce.Request): void {
  for (const t of req.topicData) {
    for (const p of t.partitionData) {
      if (p.records === null) throw new ClientProtocolError('WARDEN_ERR_RECORD_BATCH', 'produce partition has null records');
      validateRecordBatches(p.records);
    }
  }
}
