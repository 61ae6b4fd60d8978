import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { verifiedPeerCertificate, verifiedSubjectDn } from '../../auth/tls-identity.js';
import { API_SPECS } from '../../protocol/generated/index.js';
import type { RequestHeader } from '../../protocol/headers.js';
import { authenticationEvent, changeEvent, connectionClosedEvent, type RequestInfo } from '../../audit/event.js';
import { AUDITED_CLOSES, CLOSE_REASONS, type CloseReason } from '../../close-reason.js';
import type { ClientContext, ListenerSecurity } from '../client-context.js';

/** Who a client is: where it connects from, what its certificate says, and once known its principal. */
export class ClientIdentity {
  /** `User:...` once known: ANONYMOUS on PLAINTEXT, the mapped certificate subject on SSL, the SASL user. */
  principal: string | null = null;
  /** `address:port`, for logs. */
  readonly remote: string;
  /** The client's IP address as ACL host entries name it. */
  readonly host: string;
  /** The verified client certificate's subject on TLS listeners, when it sent one. */
  readonly tlsSubject: string | null;
  readonly hasCertificate: boolean;

  constructor(remote: string, host: string, tlsSubject: string | null, hasCertificate: boolean) {
    this.remote = remote;
    this.host = host;
    this.tlsSubject = tlsSubject;
    this.hasCertificate = hasCertificate;
  }

  static of(socket: net.Socket, protocol: ListenerSecurity['protocol']): ClientIdentity {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; ACLs name it a.b.c.d.
    const host = (socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    if (protocol !== 'SSL' && protocol !== 'SASL_SSL') return new ClientIdentity(remote, host, null, false);
    const tls = socket as TLSSocket;
    return new ClientIdentity(remote, host, verifiedSubjectDn(tls), verifiedPeerCertificate(tls) !== null);
  }
}

/** Mechanism label values (a client may name any mechanism in a handshake: the label stays bounded). */
const KNOWN_MECHANISMS = new Set(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'SSL']);

/** An authentication outcome, as the audit trail records it. */
export interface AuthenticationOutcome {
  readonly success: boolean;
  readonly mechanism: string;
  /** What the client presented: the user name it claimed, or the certificate subject. */
  readonly identifier: string | null;
  readonly principal: string | null;
  readonly message: string;
}

/** Records what a connection's stages decide outside the ACL checks: logins and admin changes. */
export class ConnectionRecorder {
  constructor(
    private readonly ctx: Pick<ClientContext, 'audit' | 'metrics' | 'clusterId' | 'listenerName'>,
    private readonly id: ClientIdentity,
    private readonly currentRequest: () => RequestHeader | null,
  ) {}

  /** Who is asking what, for audit events (`h`: the request asking, by default the one handled). */
  requestInfo(h: RequestHeader | null = this.currentRequest()): RequestInfo {
    return {
      principal: this.id.principal ?? 'User:ANONYMOUS',
      clientAddress: this.id.host,
      listener: this.ctx.listenerName,
      methodName: `kafka.${h === null ? 'Unknown' : (API_SPECS.get(h.apiKey)?.name ?? h.apiKey)}`,
      correlationId: h?.correlationId ?? -1,
      clientId: h?.clientId ?? null,
    };
  }

  /** Counts and audits a login; false when a success cannot be recorded under failClosed (it is then refused). */
  authentication(o: AuthenticationOutcome): boolean {
    const mechanism = KNOWN_MECHANISMS.has(o.mechanism) ? o.mechanism : 'other';
    this.ctx.metrics.authentications.inc({ mechanism, outcome: o.success ? 'success' : 'failure' });
    const audit = this.ctx.audit;
    if (audit === null) return true;
    const { host: clientAddress, tlsSubject } = this.id;
    return audit.record(
      authenticationEvent(this.ctx.clusterId(), { ...o, clientAddress, listener: this.ctx.listenerName, tlsSubject }),
    );
  }

  /** Audits a close that is a security decision of its own (AUDITED_CLOSES); others are not recorded. */
  closed(reason: CloseReason): void {
    const audit = this.ctx.audit;
    if (audit === null || !AUDITED_CLOSES.has(reason)) return;
    const { principal, host: clientAddress } = this.id;
    const message = CLOSE_REASONS[reason];
    audit.record(
      connectionClosedEvent(this.ctx.clusterId(), {
        principal,
        clientAddress,
        listener: this.ctx.listenerName,
        reason,
        message,
      }),
    );
  }

  /** Audits a change made through the proxy's own admin APIs (never secrets, only what changed). */
  change(kind: string, items: unknown[]): void {
    const audit = this.ctx.audit;
    if (audit !== null) audit.record(changeEvent(this.ctx.clusterId(), this.requestInfo(), { kind, items }));
  }
}
