import { randomUUID } from 'node:crypto';
import {
  Operation,
  ResourceType,
  PatternType,
  Permission,
  type AclBinding,
  type OperationCode,
  type ResourceTypeCode,
} from '../acl/model.js';

/**
 * Audit events as CloudEvents 1.0 in the shape of Confluent's audit log (docs/kafka-semantics.md
 * section 8), so that tools reading that format read these. Attribute and field names follow it;
 * kafka-warden adds `data.listener` and, per sink, the hash-chain extension attributes (chain.ts).
 */
export interface AuditEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  datacontenttype: 'application/json';
  subject: string;
  time: string;
  data: Record<string, unknown>;
}

export const EVENT_TYPES = {
  authorization: 'io.confluent.kafka.server/authorization',
  authentication: 'io.confluent.kafka.server/authentication',
  /** Changes made through the proxy's ACL and SCRAM admin APIs. */
  change: 'io.kafkawarden/change',
  /** Configuration reloads (credentials, ACLs, certificates). */
  reload: 'io.kafkawarden/reload',
  /** Proxy start and stop. */
  lifecycle: 'io.kafkawarden/lifecycle',
  /** A client connection the session closed (authentication timeout, expired session...). */
  connectionClosed: 'io.kafkawarden/connection-closed',
} as const;

/** Names as Confluent's audit log spells them (Kafka's AclOperation / ResourceType in camel case). */
const OPERATION_NAMES: Record<number, string> = {
  [Operation.ALL]: 'All',
  [Operation.READ]: 'Read',
  [Operation.WRITE]: 'Write',
  [Operation.CREATE]: 'Create',
  [Operation.DELETE]: 'Delete',
  [Operation.ALTER]: 'Alter',
  [Operation.DESCRIBE]: 'Describe',
  [Operation.CLUSTER_ACTION]: 'ClusterAction',
  [Operation.DESCRIBE_CONFIGS]: 'DescribeConfigs',
  [Operation.ALTER_CONFIGS]: 'AlterConfigs',
  [Operation.IDEMPOTENT_WRITE]: 'IdempotentWrite',
  [Operation.CREATE_TOKENS]: 'CreateTokens',
  [Operation.DESCRIBE_TOKENS]: 'DescribeTokens',
};
const RESOURCE_NAMES: Record<number, { name: string; crn: string }> = {
  [ResourceType.TOPIC]: { name: 'Topic', crn: 'topic' },
  [ResourceType.GROUP]: { name: 'Group', crn: 'group' },
  [ResourceType.CLUSTER]: { name: 'Cluster', crn: '' },
  [ResourceType.TRANSACTIONAL_ID]: { name: 'TransactionalId', crn: 'transactional-id' },
  [ResourceType.DELEGATION_TOKEN]: { name: 'DelegationToken', crn: 'delegation-token' },
  [ResourceType.USER]: { name: 'User', crn: 'user' },
};
const PATTERN_NAMES: Record<number, string> = { [PatternType.LITERAL]: 'LITERAL', [PatternType.PREFIXED]: 'PREFIXED' };

export const clusterCrn = (clusterId: string) => `crn:///kafka=${clusterId}`;

export function resourceCrn(clusterId: string, type: ResourceTypeCode, name: string): string {
  const r = RESOURCE_NAMES[type];
  if (r === undefined || r.crn === '') return clusterCrn(clusterId);
  return `${clusterCrn(clusterId)}/${r.crn}=${name}`;
}

/** Who sent a request, and which request. */
export interface RequestInfo {
  principal: string;
  clientAddress: string;
  listener: string;
  /** `kafka.Produce` style, from the api key's name. */
  methodName: string;
  correlationId: number;
  clientId: string | null;
}

function envelope(clusterId: string, type: string, subject: string, data: Record<string, unknown>): AuditEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: clusterCrn(clusterId),
    type,
    datacontenttype: 'application/json',
    subject,
    time: new Date().toISOString(),
    data,
  };
}

export function authorizationEvent(
  clusterId: string,
  req: RequestInfo,
  d: {
    granted: boolean;
    operation: OperationCode;
    resourceType: ResourceTypeCode;
    resourceName: string;
    acl: AclBinding | null;
    superUser: boolean;
    protectedTopic?: boolean;
  },
): AuditEvent {
  const subject = resourceCrn(clusterId, d.resourceType, d.resourceName);
  const authorizationInfo: Record<string, unknown> = {
    granted: d.granted,
    operation: OPERATION_NAMES[d.operation] ?? String(d.operation),
    resourceType: RESOURCE_NAMES[d.resourceType]?.name ?? String(d.resourceType),
    resourceName: d.resourceName,
    patternType: d.acl === null ? 'LITERAL' : (PATTERN_NAMES[d.acl.patternType] ?? 'LITERAL'),
  };
  if (d.superUser) authorizationInfo.superUserAuthorization = true;
  // kafka-warden's own: denied because the proxy keeps its state in that topic (protectedTopics).
  if (d.protectedTopic) authorizationInfo.protectedTopic = true;
  if (d.acl !== null) {
    authorizationInfo.aclAuthorization = {
      permissionType: d.acl.permission === Permission.DENY ? 'DENY' : 'ALLOW',
      host: d.acl.host,
      principal: d.acl.principal,
      operation: OPERATION_NAMES[d.acl.operation],
      resourceName: d.acl.resourceName,
      patternType: PATTERN_NAMES[d.acl.patternType],
    };
  }
  return envelope(clusterId, EVENT_TYPES.authorization, subject, {
    serviceName: clusterCrn(clusterId),
    methodName: req.methodName,
    resourceName: subject,
    authenticationInfo: { principal: req.principal },
    authorizationInfo,
    request: { correlation_id: String(req.correlationId), client_id: req.clientId ?? '' },
    requestMetadata: { client_address: `/${req.clientAddress}` },
    listener: req.listener,
  });
}

export function authenticationEvent(
  clusterId: string,
  a: {
    success: boolean;
    /** The principal on success; the attempted one (`User:<name>`) on failure, when known. */
    principal: string | null;
    mechanism: string;
    /** The user name the client sent (SASL), or the certificate subject (SSL). */
    identifier: string | null;
    clientAddress: string;
    listener: string;
    tlsSubject: string | null;
    message: string;
  },
): AuditEvent {
  return envelope(clusterId, EVENT_TYPES.authentication, clusterCrn(clusterId), {
    serviceName: clusterCrn(clusterId),
    methodName: 'kafka.Authentication',
    resourceName: clusterCrn(clusterId),
    authenticationInfo: {
      principal: a.principal ?? '',
      metadata: { mechanism: a.mechanism, identifier: a.identifier ?? '' },
    },
    result: { status: a.success ? 'SUCCESS' : 'UNAUTHENTICATED', message: a.message },
    requestMetadata: { client_address: `/${a.clientAddress}` },
    listener: a.listener,
    ...(a.tlsSubject !== null ? { tlsSubject: a.tlsSubject } : {}),
  });
}

/** A change made through an admin API the proxy answers (ACLs, SCRAM credentials). */
export function changeEvent(
  clusterId: string,
  req: RequestInfo,
  change: { kind: string; items: unknown[] },
): AuditEvent {
  return envelope(clusterId, EVENT_TYPES.change, clusterCrn(clusterId), {
    serviceName: clusterCrn(clusterId),
    methodName: req.methodName,
    resourceName: clusterCrn(clusterId),
    authenticationInfo: { principal: req.principal },
    change,
    request: { correlation_id: String(req.correlationId), client_id: req.clientId ?? '' },
    requestMetadata: { client_address: `/${req.clientAddress}` },
    listener: req.listener,
  });
}

export function reloadEvent(
  clusterId: string,
  r: { what: string; file: string | null; ok: boolean; message: string },
): AuditEvent {
  return envelope(clusterId, EVENT_TYPES.reload, clusterCrn(clusterId), {
    serviceName: clusterCrn(clusterId),
    methodName: 'kafkawarden.Reload',
    ...r,
  });
}

/** A connection closed for a security reason of its own (close-reason.ts: AUDITED_CLOSES). */
export function connectionClosedEvent(
  clusterId: string,
  c: { principal: string | null; clientAddress: string; listener: string; reason: string; message: string },
): AuditEvent {
  return envelope(clusterId, EVENT_TYPES.connectionClosed, clusterCrn(clusterId), {
    serviceName: clusterCrn(clusterId),
    methodName: 'kafkawarden.ConnectionClosed',
    resourceName: clusterCrn(clusterId),
    authenticationInfo: { principal: c.principal ?? '' },
    result: { status: 'CLOSED', reason: c.reason, message: c.message },
    requestMetadata: { client_address: `/${c.clientAddress}` },
    listener: c.listener,
  });
}

export function lifecycleEvent(
  clusterId: string,
  l: { action: 'start' | 'stop'; version: string; pid: number },
): AuditEvent {
  return envelope(clusterId, EVENT_TYPES.lifecycle, clusterCrn(clusterId), {
    serviceName: clusterCrn(clusterId),
    methodName: `kafkawarden.${l.action === 'start' ? 'Start' : 'Stop'}`,
    ...l,
  });
}
