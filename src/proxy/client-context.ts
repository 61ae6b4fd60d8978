import type { Logger } from 'pino';
import type { SaslOptions } from '../auth/session.js';
import type { PrincipalMapper } from '../auth/principal.js';
import type { CredentialStore } from '../auth/credentials.js';
import type { FailedLoginLimiter } from '../auth/login-guard.js';
import type { AclManager } from '../acl/manager.js';
import type { ProtectedTopics } from '../acl/protected-topics.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AddressBook } from './rewrite.js';
import type { ClusterView } from './cluster.js';
import type { UpstreamPools } from './pool.js';
import type { MemoryBudget } from './memory-budget.js';

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
