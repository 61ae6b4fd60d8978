// Fakes for testing the request pipeline's stages alone: a connection port that records what the
// stages ask of it, request packets built with the real codecs, and listener security settings.
import pino from 'pino';
import { API_SPECS } from '../../src/protocol/generated/index.js';
import { encodeRequestHeader, decodeRequestHeader, responseHeaderLength } from '../../src/protocol/headers.js';
import { Reader } from '../../src/protocol/reader.js';
import { sizePrefixed } from '../../src/protocol/writer.js';
import { makeCredential } from '../../src/auth/scram.js';
import { UnknownUsers, profileOf } from '../../src/auth/unknown-users.js';
import { FailedLoginLimiter, HashLimiter } from '../../src/auth/login-guard.js';
import { PrincipalMapper } from '../../src/auth/principal.js';
import { CredentialStore } from '../../src/auth/credentials.js';
import { ProtectedTopics } from '../../src/acl/protected-topics.js';
import { Metrics } from '../../src/metrics/metrics.js';
import type { CloseReason } from '../../src/close-reason.js';
import type { ConnectionPort, Slot } from '../../src/proxy/stages/chain.js';
import { readRequest, type ClientRequest } from '../../src/proxy/stages/request.js';
import { ClientIdentity, ConnectionRecorder } from '../../src/proxy/stages/client-identity.js';
import type { ListenerSecurity } from '../../src/proxy/client-context.js';
import type { SaslMechanism } from '../../src/auth/session.js';
import { authorizationEvent, type RequestInfo } from '../../src/audit/event.js';
import type { AuthorizationRecord } from '../../src/acl/decision.js';

/** A request packet (4-byte size, header, body) as a client sends it. */
export function packetOf(
  apiKey: number,
  version: number,
  body: unknown,
  correlationId = 7,
  clientId: string | null = 'test',
): Buffer {
  return sizePrefixed(256, (w) => {
    encodeRequestHeader(w, apiKey, version, correlationId, clientId);
    API_SPECS.get(apiKey)!.encodeRequest(w, version, body as never);
  });
}

/** Versions as a broker that serves everything the proxy does. */
export const OPEN_GATE = { aclEnforced: false, nodeId: 1, cluster: { versionsOf: () => null } };

/** A ClientRequest read the way the chain reads it. */
export function requestOf(apiKey: number, version: number, body: unknown, elementBudget = 10_000): ClientRequest {
  return readRequest(packetOf(apiKey, version, body), OPEN_GATE, elementBudget);
}

/** Decodes a response packet the proxy wrote (size, header, body) at `version`. */
export function responseOf(
  packet: Buffer,
  apiKey: number,
  version: number,
): { correlationId: number; body: Record<string, unknown> } {
  const frame = packet.subarray(4);
  const correlationId = frame.readInt32BE(0);
  const r = new Reader(frame, responseHeaderLength(apiKey, version, frame));
  return { correlationId, body: API_SPECS.get(apiKey)!.decodeResponse(r, version) as Record<string, unknown> };
}

/** Re-reads a packet's header (what the broker would see). */
export const headerOf = (packet: Buffer) => decodeRequestHeader(packet.subarray(4));

/** A connection port that records what the stages ask of it. */
export class FakePort implements ConnectionPort {
  closed = false;
  closes: Array<{ reason: CloseReason; fields: Record<string, unknown> }> = [];
  drains: number[] = [];
  maxFrameBytes = Infinity;
  holds = 0;
  releases = 0;
  readonly slots: Slot[] = [];
  readonly log = pino({ level: 'silent' });

  close(reason: CloseReason, fields: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.closes.push({ reason, fields });
  }
  drain(lingerMs = 0): void {
    this.drains.push(lingerMs);
  }
  setMaxFrameBytes(bytes: number): void {
    this.maxFrameBytes = bytes;
  }
  reserve(apiKey: number, silent = false): Slot {
    const s: Slot = { packet: null, apiKey, start: 0, silent };
    this.slots.push(s);
    return s;
  }
  complete(slot: Slot, packet: Buffer): void {
    slot.packet = packet;
  }
  hold(): void {
    this.holds++;
  }
  release(): void {
    this.releases++;
  }
  /** The packets answered so far, in slot order. */
  get answers(): Buffer[] {
    return this.slots.flatMap((s) => (s.packet === null ? [] : [s.packet]));
  }
}

export const PASSWORDS: Record<string, string> = { alice: 'alice-pw', bob: 'bob-pw' };

/** Listener security with SASL users alice and bob (SCRAM-SHA-256 and PLAIN), or none. */
export function securityOf(
  protocol: ListenerSecurity['protocol'],
  opts: {
    mechanisms?: SaslMechanism[];
    maxReauthMs?: number;
    failedAuthDelayMs?: number;
    authTimeoutMs?: number;
    mapper?: string;
  } = {},
): ListenerSecurity {
  const creds = new Map(Object.entries(PASSWORDS).map(([u, p]) => [u, makeCredential('SCRAM-SHA-256', p)]));
  const unknown = new UnknownUsers(
    Buffer.alloc(32),
    profileOf([...creds.values()].map((c) => new Map([['SCRAM-SHA-256', c]]))),
  );
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  return {
    protocol,
    sasl: sasl
      ? {
          mechanisms: opts.mechanisms ?? ['PLAIN', 'SCRAM-SHA-256'],
          lookup: (u, m) => (m === 'SCRAM-SHA-256' ? creds.get(u) : undefined),
          unknown,
          hashing: new HashLimiter({ concurrency: 2, queue: 16 }),
          maxReauthMs: opts.maxReauthMs ?? 0,
        }
      : null,
    mapper: new PrincipalMapper(opts.mapper ?? 'DEFAULT'),
    authTimeoutMs: opts.authTimeoutMs ?? 10_000,
    failedAuthDelayMs: opts.failedAuthDelayMs ?? 5,
    credentials: new CredentialStore(null),
    acl: null,
    failedLogins: new FailedLoginLimiter({ attempts: 100, windowMs: 60_000 }),
    protectedTopics: new ProtectedTopics(),
  };
}

export const identityOf = (tlsSubject: string | null = null, hasCertificate = tlsSubject !== null) =>
  new ClientIdentity('127.0.0.1:5000', '127.0.0.1', tlsSubject, hasCertificate);

export function metricsOf(): Metrics {
  return new Metrics();
}

/** An audit trail that keeps its events in memory, and can refuse them (failClosed with a full spool). */
export class FakeAudit {
  events: Array<Record<string, unknown>> = [];
  accepting = true;
  record(event: unknown): boolean {
    if (!this.accepting) return false;
    this.events.push(event as Record<string, unknown>);
    return true;
  }
  recordsAllowed(): boolean {
    return true;
  }
  /** As AuditLog builds the event of a decision. */
  recordAuthorization(clusterId: string, request: RequestInfo, decision: AuthorizationRecord): boolean {
    return this.record(authorizationEvent(clusterId, request, decision));
  }
}

/** The connection recorder, with an in-memory audit trail when given one. */
export function recorderOf(
  id: ClientIdentity,
  metrics = metricsOf(),
  audit: FakeAudit | null = null,
): ConnectionRecorder {
  return new ConnectionRecorder(
    { audit: audit as never, metrics, clusterId: () => 'cluster-1', listenerName: 'test' },
    id,
    () => null,
  );
}
