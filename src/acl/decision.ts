import type { Logger } from 'pino';
import type { Authorizer, Decision } from './authorizer.js';
import type { ProtectedTopics } from './protected-topics.js';
import { AUDITED, type AuditFlags, type AuthzContext } from './checks/context.js';
import {
  Operation,
  ResourceType,
  operationName,
  resourceTypeName,
  type AclBinding,
  type OperationCode,
  type ResourceTypeCode,
} from './model.js';
import { ApiKey } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/constants.js';
import type { RequestHeader } from '../protocol/headers.js';

/** One authorization decision, as the audit trail records it. */
export interface AuthorizationRecord {
  granted: boolean;
  operation: OperationCode;
  resourceType: ResourceTypeCode;
  resourceName: string;
  /** The ACL that decided, if one did. */
  acl: AclBinding | null;
  superUser: boolean;
  /** Denied because the proxy keeps its own state in the topic. */
  protectedTopic: boolean;
}

/**
 * What the decisions of a connection record to (the audit trail: AuditLog implements it). `R`
 * is who asked what (the audit's request info), which the connection supplies and acl/ only
 * passes on, so that acl/ needs nothing from audit/.
 */
export interface AuditRecorder<R> {
  /** Whether an allowed decision is recorded under the configured policy (denials always are). */
  recordsAllowed(operation: OperationCode, firstUseOfTopic: boolean): boolean;
  /** Records a decision; false when it could not be stored under failClosed. */
  recordAuthorization(clusterId: string, request: R, decision: AuthorizationRecord): boolean;
}

/** A decision's record, bound to the connection it was made on (see ConnectionDecisions.create). */
interface DecisionSink {
  recordsAllowed(operation: OperationCode, firstUseOfTopic: boolean): boolean;
  record(header: RequestHeader | null, decision: AuthorizationRecord): boolean;
}

export interface DecisionDeps<R> extends BaseDeps {
  audit: AuditRecorder<R> | null;
  /** Who asks what, for the audit records of decisions made for a request. */
  requestInfo(header: RequestHeader | null): R;
}

interface BaseDeps {
  /** The ACLs; null without an acl section (nothing is authorized but the protected topics). */
  authorizer: Authorizer | null;
  protectedTopics: ProtectedTopics;
  principal: string;
  /** The client's address as ACL host entries name it. */
  host: string;
  metrics: { authorization(operation: string, resourceType: string, allowed: boolean): void };
  log: Logger;
  clusterId: () => string;
  /** Topic names by topic id (hex), shared by every connection (ClusterView.topicNames). */
  topicNames: Map<string, string>;
}

const PROTECTED: Decision = Object.freeze({ allowed: false, reason: 'protectedTopic', acl: null });

/**
 * The one decision path of a client connection. Every check of every request asks here
 * (AuthzContext.allowed), and every decision goes the same way:
 *
 * 1. A topic the proxy keeps its own state in (ProtectedTopics) is denied to every principal not
 *    named in protectedTopics.principals, super users included, before any ACL.
 * 2. Otherwise the authorizer decides (Kafka's semantics, src/acl/authorizer.ts). Without one (no
 *    acl section) everything else is allowed, and nothing else is decided, counted or recorded.
 * 3. A denial is logged (debug). The outcome is counted and audited when the decision's flags say
 *    so for it (Kafka's logIfAllowed / logIfDenied; allowed outcomes also under audit.allowed).
 * 4. failClosed: an allowed decision whose audit event cannot be stored is a denial.
 *
 * Decisions made while a response passes through (filters, bitfields) name the request they were
 * made for, not whatever the connection handles by then.
 */
export class ConnectionDecisions {
  private readonly d: BaseDeps;
  private readonly audit: DecisionSink | null;
  /** `operation:topic` pairs whose first allowed Produce (WRITE) or Fetch (READ) was recorded. */
  private readonly firstUse = new Set<string>();

  private constructor(deps: BaseDeps, audit: DecisionSink | null) {
    this.d = deps;
    this.audit = audit;
  }

  /**
   * The decisions of a connection, or null when nothing would be decided: no authorizer and no
   * topic off limits to this principal (requests then pass as with no authorization at all).
   */
  static create<R>(deps: DecisionDeps<R>): ConnectionDecisions | null {
    if (deps.authorizer === null && !deps.protectedTopics.restrictsAny(deps.principal)) return null;
    const { audit } = deps;
    const sink: DecisionSink | null =
      audit === null
        ? null
        : {
            recordsAllowed: (operation, first) => audit.recordsAllowed(operation, first),
            record: (header, decision) =>
              audit.recordAuthorization(deps.clusterId(), deps.requestInfo(header), decision),
          };
    return new ConnectionDecisions(deps, sink);
  }

  /** The context the checks of one request use (its decisions name that request). */
  forRequest(header: RequestHeader | null): AuthzContext {
    return new RequestAuthz(this, this.d, header);
  }

  /** @internal the one decision path (see the class comment); checks reach it through AuthzContext.allowed. */
  decide(
    operation: OperationCode,
    type: ResourceTypeCode,
    name: string,
    flags: AuditFlags,
    header: RequestHeader | null,
  ): boolean {
    const { authorizer, principal, host, log } = this.d;
    const audit = this.audit;
    const protectedTopic = type === ResourceType.TOPIC && this.d.protectedTopics.restricts(principal, name);
    let d: Decision;
    if (protectedTopic) d = PROTECTED;
    else if (authorizer === null) return true;
    else d = authorizer.authorize(principal, host, operation, type, name);
    if (!d.allowed && log.isLevelEnabled('debug')) {
      log.debug(
        {
          principal,
          operation: operationName(operation),
          resourceType: resourceTypeName(type),
          resourceName: name,
          reason: d.reason,
        },
        'authorization denied',
      );
    }
    if (!(d.allowed ? flags.ifAllowed : flags.ifDenied)) return d.allowed;
    this.d.metrics.authorization(operationName(operation), resourceTypeName(type), d.allowed);
    if (audit === null) return d.allowed;
    let first = false;
    if (d.allowed) {
      // The first Produce (WRITE) and Fetch (READ) of each topic on this connection.
      if (
        type === ResourceType.TOPIC &&
        ((header?.apiKey === ApiKey.Produce && operation === Operation.WRITE) ||
          (header?.apiKey === ApiKey.Fetch && operation === Operation.READ))
      ) {
        first = !this.firstUse.has(`${operation}:${name}`);
      }
      if (!audit.recordsAllowed(operation, first)) return true;
    }
    const recorded = audit.record(header, {
      granted: d.allowed,
      operation,
      resourceType: type,
      resourceName: name,
      acl: d.acl,
      superUser: d.reason === 'superUser',
      protectedTopic,
    });
    if (!d.allowed) return false;
    // failClosed: what cannot be audited is not done.
    if (!recorded) return false;
    if (first) this.firstUse.add(`${operation}:${name}`);
    return true;
  }
}

/** The AuthzContext of one request: every decision goes to its connection's decide(). */
class RequestAuthz implements AuthzContext {
  private readonly decisions: ConnectionDecisions;
  private readonly d: BaseDeps;
  private readonly header: RequestHeader | null;

  constructor(decisions: ConnectionDecisions, deps: BaseDeps, header: RequestHeader | null) {
    this.decisions = decisions;
    this.d = deps;
    this.header = header;
  }

  get superUser(): boolean {
    return this.d.authorizer === null || this.d.authorizer.isSuperUser(this.d.principal);
  }

  get open(): boolean {
    return this.d.authorizer === null;
  }

  get restrictsAny(): boolean {
    return this.d.protectedTopics.restrictsAny(this.d.principal);
  }

  get clientId(): string | null {
    return this.header?.clientId ?? null;
  }

  restricted(topic: string): boolean {
    return this.d.protectedTopics.restricts(this.d.principal, topic);
  }

  allowed(operation: OperationCode, type: ResourceTypeCode, name: string, audit: AuditFlags = AUDITED): boolean {
    return this.decisions.decide(operation, type, name, audit, this.header);
  }

  allowedOnAny(operation: OperationCode, type: ResourceTypeCode): boolean {
    const { authorizer, principal, host } = this.d;
    return authorizer === null || authorizer.allowedOnAny(principal, host, operation, type);
  }

  topicName(id: Buffer): string | null {
    return this.d.topicNames.get(id.toString('hex')) ?? null;
  }

  learnTopic(id: Buffer, name: string): void {
    if (!id.equals(ZERO_UUID)) this.d.topicNames.set(id.toString('hex'), name);
  }
}
