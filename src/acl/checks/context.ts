// What every check shares: the context a request is decided in, the verdicts, the error codes.
import type { CloseReason } from '../../close-reason.js';
import type {
  AnyRequest,
  AnyResponse,
  ApiKey,
  ApiKeyCode,
  RequestOf,
  ResponseOf,
} from '../../protocol/generated/index.js';
import { ErrorCode, ERRORS } from '../../protocol/generated/error-codes.js';
import { Operation, ResourceType, type OperationCode, type ResourceTypeCode } from '../model.js';

/**
 * Which outcomes of a decision are audited (and counted), as Kafka's `Action(logIfAllowed,
 * logIfDenied)`: `AUDITED` for a decision that grants or refuses what the request asks; a
 * decision that only narrows what a response shows audits its allowed outcome only (Kafka's
 * `logIfDenied = false`: a listing that leaves out what the caller may not see is not a refusal);
 * `NOT_AUDITED` for authorized-operations bitfields, which Kafka computes with both off. An audited
 * allowed outcome that cannot be recorded under failClosed is a refusal.
 */
export interface AuditFlags {
  readonly ifAllowed: boolean;
  readonly ifDenied: boolean;
}
export const AUDITED: AuditFlags = Object.freeze({ ifAllowed: true, ifDenied: true });
export const AUDIT_IF_ALLOWED: AuditFlags = Object.freeze({ ifAllowed: true, ifDenied: false });
export const NOT_AUDITED: AuditFlags = Object.freeze({ ifAllowed: false, ifDenied: false });
/** Records the denial only: a request refused after checks that each leave no record on their own. */
export const AUDIT_IF_DENIED: AuditFlags = Object.freeze({ ifAllowed: false, ifDenied: true });

/**
 * What one request needs from the decisions of its connection (src/acl/decision.ts). `allowed` is
 * the single place a decision is made, so every decision is counted, audited and refused under
 * failClosed alike; `authorizedOperations` computes the bitfields of Metadata, DescribeCluster and
 * DescribeGroups; `topicName` resolves the topic ids of newer request versions through the ids the
 * proxy learned from Metadata.
 */
export interface AuthzContext {
  /**
   * The decision for one operation on one resource; `audit` says which outcomes are audited
   * (default `AUDITED`). A topic the proxy keeps its own state in is denied here, whatever the ACLs.
   */
  allowed(operation: OperationCode, type: ResourceTypeCode, name: string, audit?: AuditFlags): boolean;
  /**
   * May use what the proxy cannot check per resource (a regular-expression subscription): a super
   * user, or anyone when there is no authorizer (no acl section).
   */
  readonly superUser: boolean;
  /**
   * No authorizer (no acl section): everything is allowed but the proxy's own topics, and the
   * checks keep what a broker without an authorizer does (fetch sessions; requests naming topic ids
   * the proxy has not learned go to the broker, which knows them).
   */
  readonly open: boolean;
  /** Whether `topic` is one of the proxy's own topics and off limits to this principal. */
  restricted(topic: string): boolean;
  /** Whether some topic is off limits to this principal (responses naming topic ids are filtered). */
  readonly restrictsAny: boolean;
  /** The request header's client id (Kafka lets only `__admin_client` write internal topics). */
  readonly clientId: string | null;
  /** Kafka's authorizeByResourceType: may the caller do `operation` on some resource of `type`? */
  allowedOnAny(operation: OperationCode, type: ResourceTypeCode): boolean;
  topicName(id: Buffer): string | null;
  learnTopic(id: Buffer, name: string): void;
}

/**
 * The outcome of a check:
 * - `null`: allowed as it stands; the original bytes are forwarded (the fast path).
 * - forward: send `request` instead (the allowed part, re-encoded) and pass the upstream response
 *   through `response` (merging back what was denied, filtering, bitfields).
 * - answer: nothing is allowed; the proxy answers with this response body itself.
 * - close: the connection is closed (a denied acks=0 Produce, as a broker does).
 */
export type VerdictOf<K extends ApiKeyCode> =
  | null
  | { kind: 'forward'; request?: RequestOf<K>; response?: (r: ResponseOf<K>) => ResponseOf<K> }
  | { kind: 'answer'; response: ResponseOf<K> }
  | { kind: 'close'; reason: CloseReason };

/** The API keys by name, so that checks can be declared as `CheckFor<'Produce'>`. */
export type ApiName = keyof typeof ApiKey;
export type VerdictFor<N extends ApiName> = VerdictOf<(typeof ApiKey)[N]>;

/** A check of one API: it sees that API's request and answers with that API's messages. */
export type CheckOf<K extends ApiKeyCode> = (c: AuthzContext, version: number, request: RequestOf<K>) => VerdictOf<K>;
export type CheckFor<N extends ApiName> = CheckOf<(typeof ApiKey)[N]>;

/**
 * A verdict as the connection holds it, for a request whose key it knows as a plain number.
 * `response` is a method so that every API's typed verdict fits (TypeScript compares method
 * parameters both ways); the check table is where each API's types are checked.
 */
export type Verdict =
  | null
  | { kind: 'forward'; request?: AnyRequest; response?(r: AnyResponse): AnyResponse }
  | { kind: 'answer'; response: AnyResponse }
  | { kind: 'close'; reason: CloseReason };

/** A check as the connection calls it: `request` is the body decoded for the check's key. */
export type Check = (c: AuthzContext, version: number, request: never) => Verdict;

export const { TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID } = ResourceType;
export const {
  READ,
  WRITE,
  CREATE,
  DELETE,
  ALTER,
  DESCRIBE,
  CLUSTER_ACTION,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
  IDEMPOTENT_WRITE,
} = Operation;
export const TOPIC_DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
export const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;
export const CLUSTER_DENIED = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
export const TXN_DENIED = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
export const msg = (code: number) => ERRORS.get(code)?.message ?? null;

/**
 * Kafka's internal topics (Topic.INTERNAL_TOPICS of Kafka 4; `__share_group_state` is internal
 * since 4.0, where older brokers take it for a plain topic). Kafka's rules for clients: a Produce
 * to one fails with INVALID_TOPIC_EXCEPTION unless the client id is `__admin_client`
 * (KafkaApis.handleProduceRequest: `internalTopicsAllowed = clientId == AdminUtils.ADMIN_CLIENT_ID`;
 * ReplicaManager.appendRecords: "Cannot append to internal topic"), DeleteRecords on one always
 * does (ReplicaManager.deleteRecordsOnLocalLog), and none is ever added to a transaction
 * (handleAddPartitionToTxnRequest). Kafka's broker has no rule of its own for deleting one or adding
 * partitions to one: the ACLs decide (ControllerApis.deleteTopics, ReplicationControlManager).
 */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set([
  '__consumer_offsets',
  '__transaction_state',
  '__share_group_state',
]);
/** The client id Kafka lets write internal topics (AdminUtils.ADMIN_CLIENT_ID). */
export const ADMIN_CLIENT_ID = '__admin_client';
/** KRaft's metadata log: CreateTopics of it is INVALID_REQUEST (ControllerApis.createTopics). */
export const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

/** Operations Kafka reports in authorized-operations bitfields, per resource type. */
const SUPPORTED_OPS: Record<number, OperationCode[]> = {
  [TOPIC]: [READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS],
  // Kafka 4 (AclEntry.supportedOperations): groups have configs (KIP-848), so a group's bitfield
  // carries DESCRIBE_CONFIGS and ALTER_CONFIGS too.
  [GROUP]: [READ, DESCRIBE, DELETE, DESCRIBE_CONFIGS, ALTER_CONFIGS],
  [CLUSTER]: [CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE],
};

/** The bitfield of a response that carries none (Integer.MIN_VALUE, the field's default). */
export const NO_OPERATIONS = -2147483648;

/** Kafka's authorized-operations bitfield: bit N set when operation code N is allowed. */
export function authorizedOperations(c: AuthzContext, type: ResourceTypeCode, name: string): number {
  let bits = 0;
  for (const op of SUPPORTED_OPS[type] ?? []) if (c.allowed(op, type, name, NOT_AUDITED)) bits |= 1 << op;
  return bits;
}

/** Adds a step to the response path of a verdict of API `key` (a local answer is left as it is). */
export function thenResponse<K extends ApiKeyCode>(
  key: K,
  verdict: VerdictOf<K>,
  step: (r: ResponseOf<K>) => ResponseOf<K>,
): VerdictOf<K> {
  if (verdict !== null && verdict.kind !== 'forward') return verdict;
  const merge = verdict?.response;
  return { kind: 'forward', request: verdict?.request, response: (r) => step(merge ? merge(r) : r) };
}

export const decideTopic = (c: AuthzContext, op: OperationCode) => (name: string) =>
  c.allowed(op, TOPIC, name) ? 0 : TOPIC_DENIED;
export const hex = (b: Buffer) => b.toString('hex');
