import { ApiKey } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/constants.js';
import { ErrorCode, ERRORS } from '../protocol/generated/error-codes.js';
import { errorResponse } from '../proxy/error-response.js';
import * as produce from '../protocol/generated/produce.js';
import * as fetch from '../protocol/generated/fetch.js';
import * as listOffsets from '../protocol/generated/list-offsets.js';
import * as metadata from '../protocol/generated/metadata.js';
import * as offsetCommit from '../protocol/generated/offset-commit.js';
import * as offsetFetch from '../protocol/generated/offset-fetch.js';
import * as findCoordinator from '../protocol/generated/find-coordinator.js';
import * as describeGroups from '../protocol/generated/describe-groups.js';
import * as listGroups from '../protocol/generated/list-groups.js';
import * as createTopics from '../protocol/generated/create-topics.js';
import * as deleteTopics from '../protocol/generated/delete-topics.js';
import * as deleteRecords from '../protocol/generated/delete-records.js';
import * as initProducerId from '../protocol/generated/init-producer-id.js';
import * as offsetForLeaderEpoch from '../protocol/generated/offset-for-leader-epoch.js';
import * as addPartitionsToTxn from '../protocol/generated/add-partitions-to-txn.js';
import * as addOffsetsToTxn from '../protocol/generated/add-offsets-to-txn.js';
import * as txnOffsetCommit from '../protocol/generated/txn-offset-commit.js';
import * as describeConfigs from '../protocol/generated/describe-configs.js';
import * as alterConfigs from '../protocol/generated/alter-configs.js';
import * as incrementalAlterConfigs from '../protocol/generated/incremental-alter-configs.js';
import * as alterReplicaLogDirs from '../protocol/generated/alter-replica-log-dirs.js';
import * as createPartitions from '../protocol/generated/create-partitions.js';
import * as deleteGroups from '../protocol/generated/delete-groups.js';
import * as electLeaders from '../protocol/generated/elect-leaders.js';
import * as offsetDelete from '../protocol/generated/offset-delete.js';
import * as alterClientQuotas from '../protocol/generated/alter-client-quotas.js';
import * as describeCluster from '../protocol/generated/describe-cluster.js';
import * as describeProducers from '../protocol/generated/describe-producers.js';
import * as describeTransactions from '../protocol/generated/describe-transactions.js';
import * as listTransactions from '../protocol/generated/list-transactions.js';
import * as consumerGroupHeartbeat from '../protocol/generated/consumer-group-heartbeat.js';
import * as consumerGroupDescribe from '../protocol/generated/consumer-group-describe.js';
import * as describeTopicPartitions from '../protocol/generated/describe-topic-partitions.js';
import { checkShareGroupHeartbeat, checkShareGroupDescribe, checkShareFetch, checkShareAcknowledge, checkDescribeShareGroupOffsets, checkAlterShareGroupOffsets, checkDeleteShareGroupOffsets } from './share-checks.js';
import { CLUSTER_NAME, Operation, ResourceType, type OperationCode, type ResourceTypeCode } from './model.js';
import { hasTransactionalBatch } from '../protocol/record-batch.js';

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
export type Verdict =
  | null
  | { kind: 'forward'; request?: unknown; response?: (r: unknown) => unknown }
  | { kind: 'answer'; response: unknown }
  | { kind: 'close'; reason: string };

export type Check = (c: AuthzContext, version: number, request: never) => Verdict;

const { TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID } = ResourceType;
const { READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE } = Operation;
const TOPIC_DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;
const CLUSTER_DENIED = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
const TXN_DENIED = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
const msg = (code: number) => ERRORS.get(code)?.message ?? null;

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
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);
/** The client id Kafka lets write internal topics (AdminUtils.ADMIN_CLIENT_ID). */
export const ADMIN_CLIENT_ID = '__admin_client';
/** KRaft's metadata log: CreateTopics of it is INVALID_REQUEST (ControllerApis.createTopics). */
const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

/** Operations Kafka reports in authorized-operations bitfields, per resource type. */
const SUPPORTED_OPS: Record<number, OperationCode[]> = {
  [TOPIC]: [READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS],
  // Kafka 4 (AclEntry.supportedOperations): groups have configs (KIP-848), so a group's bitfield
  // carries DESCRIBE_CONFIGS and ALTER_CONFIGS too.
  [GROUP]: [READ, DESCRIBE, DELETE, DESCRIBE_CONFIGS, ALTER_CONFIGS],
  [CLUSTER]: [CREATE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALTER, DESCRIBE],
};

/** The bitfield of a response that carries none (Integer.MIN_VALUE, the field's default). */
const NO_OPERATIONS = -2147483648;

/** Kafka's authorized-operations bitfield: bit N set when operation code N is allowed. */
export function authorizedOperations(c: AuthzContext, type: ResourceTypeCode, name: string): number {
  let bits = 0;
  for (const op of SUPPORTED_OPS[type] ?? []) if (c.allowed(op, type, name, NOT_AUDITED)) bits |= 1 << op;
  return bits;
}

/**
 * Splits a request's list of resources into allowed and denied, per resource. When nothing is
 * denied the request goes as it is; when nothing is allowed the proxy answers; otherwise the
 * allowed part is forwarded and the denied resources' results are merged back in request order.
 */
function split<Q, R>(opts: {
  items: readonly Q[];
  /** 0 when the item is allowed, else its error code. */
  decide: (q: Q) => number;
  /** The request with only these items. */
  withItems: (items: Q[]) => unknown;
  /** The response item for a denied request item. */
  denied: (q: Q, code: number) => R;
  /** A response with no items (for answering locally). */
  empty: () => unknown;
  /** The response's item list. */
  get: (r: unknown) => R[];
  set: (r: unknown, items: R[]) => void;
  reqKey: (q: Q) => string;
  resKey: (r: R) => string;
}): Verdict {
  const codes = opts.items.map(opts.decide);
  if (codes.every((c) => c === 0)) return null;
  const deniedAt = new Map<number, R>();
  codes.forEach((code, i) => {
    if (code !== 0) deniedAt.set(i, opts.denied(opts.items[i]!, code));
  });
  if (deniedAt.size === opts.items.length) {
    const res = opts.empty();
    opts.set(res, [...deniedAt.values()]);
    return { kind: 'answer', response: res };
  }
  const allowed = opts.items.filter((_, i) => codes[i] === 0);
  return {
    kind: 'forward',
    request: opts.withItems(allowed),
    response: (res) => {
      opts.set(res, mergeInOrder(opts.items, deniedAt, opts.get(res), opts.reqKey, opts.resKey));
      return res;
    },
  };
}

/**
 * The results of the original request in its order: a denied item's local result, an allowed
 * item's upstream result (matched by key). Upstream results that match no request item are
 * dropped: nothing reaches the client that the proxy did not authorize.
 */
export function mergeInOrder<Q, R>(items: readonly Q[], deniedAt: ReadonlyMap<number, R>, upstream: readonly R[], reqKey: (q: Q) => string, resKey: (r: R) => string): R[] {
  const byKey = new Map<string, R[]>();
  for (const r of upstream) {
    const k = resKey(r);
    const l = byKey.get(k);
    if (l === undefined) byKey.set(k, [r]);
    else l.push(r);
  }
  const out: R[] = [];
  items.forEach((q, i) => {
    const d = deniedAt.get(i);
    if (d !== undefined) {
      out.push(d);
      return;
    }
    const r = byKey.get(reqKey(q))?.shift();
    if (r !== undefined) out.push(r);
  });
  return out;
}

/** Adds a step to the response path of a verdict (a local answer is left as it is). */
function thenResponse(verdict: Verdict, step: (r: unknown) => unknown): Verdict {
  if (verdict !== null && verdict.kind !== 'forward') return verdict;
  const merge = verdict?.response;
  return { kind: 'forward', request: verdict?.request, response: (r) => step(merge ? merge(r) : r) };
}

const decideTopic = (c: AuthzContext, op: OperationCode) => (name: string) => (c.allowed(op, TOPIC, name) ? 0 : TOPIC_DENIED);
const hex = (b: Buffer) => b.toString('hex');

// ---- per-API checks ------------------------------------------------------------------------

function checkProduce(c: AuthzContext, v: number, req: produce.Request): Verdict {
  // As KafkaApis: a request carrying transactional batches needs WRITE on its transactional id
  // (and must name one); the id of a request without them is not checked.
  const transactional = req.topicData.some((t) => t.partitionData.some((p) => p.records !== null && hasTransactionalBatch(p.records)));
  const txnDenied = transactional && (req.transactionalId === null || !c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId));
  // Authorization first (29), then Kafka's rule for internal topics (17), as KafkaApis orders them.
  const internalDenied = (name: string) => INTERNAL_TOPICS.has(name) && c.clientId !== ADMIN_CLIENT_ID;
  const decide = txnDenied
    ? () => TXN_DENIED
    : (t: produce.RequestTopicProduceData) => decideTopic(c, WRITE)(t.name) || (internalDenied(t.name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : 0);
  const verdict = split({
    items: req.topicData,
    decide,
    withItems: (topicData) => ({ ...req, topicData }),
    denied: (t, code) => (errorResponse(ApiKey.Produce, { ...req, topicData: [t] }, code) as produce.Response).responses[0]!,
    empty: produce.defaultResponse,
    get: (r) => (r as produce.Response).responses,
    set: (r, l) => ((r as produce.Response).responses = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
  // acks=0: the client awaits no response, so a broker closes the connection on any error.
  if (verdict !== null && req.acks === 0) return { kind: 'close', reason: 'acks=0 produce denied' };
  return verdict;
}

function checkFetch(c: AuthzContext, v: number, req: fetch.Request): Verdict {
  const replicaId = v >= 15 ? req.replicaState.replicaId : req.replicaId;
  const byId = v >= 13;
  const nameOf = (t: { topic: string; topicId: Buffer }) => (byId ? c.topicName(t.topicId) : t.topic);
  if (replicaId >= 0) {
    // A follower fetch: broker-to-broker traffic needs CLUSTER_ACTION; Kafka answers every
    // partition with 29 otherwise. With it every partition may be read, in a fetch session, but
    // the proxy's own topics.
    if (!c.allowed(CLUSTER_ACTION, CLUSTER, CLUSTER_NAME)) {
      const res = errorResponse(ApiKey.Fetch, req, TOPIC_DENIED) as fetch.Response;
      res.errorCode = 0;
      return { kind: 'answer', response: res };
    }
    return sessionFetch(c, v, req, (t) => {
      const name = nameOf(t);
      return name === null || !c.restricted(name) || c.allowed(READ, TOPIC, name) ? 0 : TOPIC_DENIED;
    });
  }
  if (c.open) {
    // No authorizer: only the proxy's own topics are refused, and fetch sessions stay. A refused
    // topic never reaches the broker, so it never enters a session; an id the proxy has not learned
    // goes to the broker (the proxy learns its own topics' ids before any client can name them).
    return sessionFetch(c, v, req, (t) => {
      const name = nameOf(t);
      return name === null || c.allowed(READ, TOPIC, name) ? 0 : TOPIC_DENIED;
    });
  }
  // Incremental fetch sessions (KIP-227) let a client leave unchanged partitions out of its
  // requests while the broker keeps serving them, so a READ revoked mid-session would go
  // unnoticed. With ACLs on no session is ever created: every fetch goes upstream as a
  // sessionless full fetch (id 0, epoch -1), the broker answers session id 0 and the client keeps
  // sending full fetches, each partition checked every time. An incremental request (epoch > 0)
  // names a session that cannot exist, and gets the broker's answer for that.
  if (v >= 7 && req.sessionEpoch > 0) {
    return { kind: 'answer', response: { ...fetch.defaultResponse(), errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0 } };
  }
  const sessionless = v < 7 || (req.sessionId === 0 && req.sessionEpoch === -1);
  const out = split({
    items: req.topics,
    decide: (t) => {
      const name = nameOf(t);
      if (name === null) return ErrorCode.UNKNOWN_TOPIC_ID;
      return c.allowed(READ, TOPIC, name) ? 0 : TOPIC_DENIED;
    },
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => {
      const r = (errorResponse(ApiKey.Fetch, { ...req, topics: [t] }, code) as fetch.Response).responses[0]!;
      return r;
    },
    empty: fetch.defaultResponse,
    get: (r) => (r as fetch.Response).responses,
    set: (r, l) => ((r as fetch.Response).responses = l),
    reqKey: (t) => (byId ? hex(t.topicId) : t.topic),
    resKey: (t) => (byId ? hex(t.topicId) : t.topic),
  });
  if (out !== null && out.kind === 'answer') (out.response as fetch.Response).sessionId = 0;
  if (out !== null && out.kind !== 'forward') return out;
  if (!sessionless) {
    const base = out === null ? req : (out.request as fetch.Request);
    return { kind: 'forward', request: { ...base, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [] }, response: out?.response };
  }
  return out;
}

/**
 * A Fetch that keeps its fetch session: the refused topics are taken out of the request and their
 * errors appended to the broker's response, which otherwise stays as it is (an incremental
 * response carries the session's partitions the request did not name). A response entry for one
 * of the proxy's own topics is dropped whatever the request named. Only a sessionless fetch with
 * nothing left to forward is answered by the proxy: a session's epochs must all reach the broker.
 */
function sessionFetch(c: AuthzContext, v: number, req: fetch.Request, decide: (t: fetch.RequestTopic) => number): Verdict {
  const denied: fetch.ResponseFetchableTopicResponse[] = [];
  const topics = req.topics.filter((t) => {
    const code = decide(t);
    if (code === 0) return true;
    denied.push((errorResponse(ApiKey.Fetch, { ...req, topics: [t] }, code) as fetch.Response).responses[0]!);
    return false;
  });
  if (denied.length === 0) return null;
  const sessionless = v < 7 || (req.sessionId === 0 && req.sessionEpoch === -1);
  if (topics.length === 0 && sessionless) return { kind: 'answer', response: { ...fetch.defaultResponse(), responses: denied } };
  const byId = v >= 13;
  const visible = (t: fetch.ResponseFetchableTopicResponse) => {
    const name = byId ? c.topicName(t.topicId) : t.topic;
    return name === null || !c.restricted(name);
  };
  return {
    kind: 'forward',
    request: { ...req, topics },
    response: (r) => {
      const res = r as fetch.Response;
      res.responses = [...res.responses.filter(visible), ...denied];
      return res;
    },
  };
}

function checkListOffsets(c: AuthzContext, v: number, req: listOffsets.Request): Verdict {
  return split({
    items: req.topics,
    decide: (t) => decideTopic(c, DESCRIBE)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => (errorResponse(ApiKey.ListOffsets, { ...req, topics: [t] }, code) as listOffsets.Response).topics[0]!,
    empty: listOffsets.defaultResponse,
    get: (r) => (r as listOffsets.Response).topics,
    set: (r, l) => ((r as listOffsets.Response).topics = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

/**
 * Metadata: all-topics requests omit the topics the caller may not DESCRIBE; named topics it may
 * not DESCRIBE are not forwarded (so they cannot be auto-created) and come back with 29 and a zero
 * topic id; topics asked for by id are authorized by the name the id stands for (learned from
 * earlier responses; an id the proxy has not seen gets UNKNOWN_TOPIC_ID) and a denied one comes
 * back without its name. A named topic the caller may not CREATE (on the cluster or the topic)
 * must not be auto-created: v4+ requests are sent with auto-creation off; v0-3 requests, which
 * always ask for it, are sent as all-topics requests (which never create anything) and answered
 * from that. A missing topic the caller may not create is then 29, as Kafka answers. An
 * all-topics request never creates anything (Kafka ignores its flag), so it needs no CREATE.
 * Authorized-operations bitfields come from these ACLs (the cluster's only with DESCRIBE on the
 * cluster, else 0). Without an authorizer an id the proxy has not learned goes to the broker, and
 * the topic it answers with is checked by its name.
 */
function checkMetadata(c: AuthzContext, v: number, req: metadata.Request): Verdict {
  const all = req.topics === null || (v === 0 && req.topics.length === 0);
  const denied = new Map<number, metadata.ResponseTopic>();
  const allowed: metadata.RequestTopic[] = [];
  /** The name each request item stands for, by position (null: unknown id). */
  const names: Array<string | null> = [];
  const byId = (t: metadata.RequestTopic) => v >= 10 && !t.topicId.equals(ZERO_UUID);
  if (!all) {
    req.topics!.forEach((t, i) => {
      // A non-zero id decides which topic the broker describes, whatever the name says.
      const name = byId(t) ? c.topicName(t.topicId) : t.name;
      names.push(name);
      if (name === null) {
        if (c.open) allowed.push(t);
        else denied.set(i, { ...metadata.defaultResponseTopic(), name: null, topicId: t.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID });
      } else if (!c.allowed(DESCRIBE, TOPIC, name)) {
        denied.set(i, { ...metadata.defaultResponseTopic(), name: byId(t) ? null : name, topicId: byId(t) ? t.topicId : ZERO_UUID, errorCode: TOPIC_DENIED });
      } else allowed.push(t);
    });
  }
  const forwarded: metadata.Request = { ...req };
  if (!all) forwarded.topics = allowed;
  if (all && v >= 4) forwarded.allowAutoTopicCreation = false;
  const wantsCreate = !all && (v < 4 || req.allowAutoTopicCreation);
  const noCreate = new Set<string>();
  // As Kafka: CREATE on the cluster allows auto-creation (its denial is no refusal: CREATE on
  // each topic may still allow it); the proxy decides before it knows whether a topic is missing.
  if (wantsCreate && !c.allowed(CREATE, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED)) {
    for (const t of allowed) {
      const name = byId(t) ? c.topicName(t.topicId) : t.name;
      if (name !== null && !c.allowed(CREATE, TOPIC, name)) noCreate.add(name);
    }
    if (noCreate.size > 0 && v >= 4) forwarded.allowAutoTopicCreation = false;
  }
  // Ask for every topic instead (and pick the named ones from the answer) when a v0-3 request
  // would auto-create, or when nothing named is left and v0 cannot say "no topics".
  const askAll = !all && ((v < 4 && noCreate.size > 0) || (v === 0 && allowed.length === 0));
  if (askAll) forwarded.topics = v === 0 ? [] : null;
  const clusterOps = req.includeClusterAuthorizedOperations ? (c.allowed(DESCRIBE, CLUSTER, CLUSTER_NAME) ? authorizedOperations(c, CLUSTER, CLUSTER_NAME) : 0) : null;
  return {
    kind: 'forward',
    request: forwarded,
    response: (res) => {
      const m = res as metadata.Response;
      for (const t of m.topics) if (t.name !== null && t.errorCode === 0) c.learnTopic(t.topicId, t.name);
      let topics: metadata.ResponseTopic[];
      if (all) topics = m.topics.filter((t) => t.name !== null && c.allowed(DESCRIBE, TOPIC, t.name, AUDIT_IF_ALLOWED));
      else {
        const present = new Map<string, metadata.ResponseTopic>();
        for (const t of m.topics) if (t.name !== null) present.set(t.name, t);
        topics = [];
        req.topics!.forEach((t, i) => {
          const d = denied.get(i);
          if (d !== undefined) return void topics.push(d);
          const name = names[i];
          if (name === null) {
            // An id only the broker knew (no authorizer): authorized by the name it answers with.
            const got = m.topics.find((x) => x.topicId.equals(t.topicId));
            if (got === undefined) return;
            if (got.name !== null && !c.allowed(DESCRIBE, TOPIC, got.name)) topics.push({ ...metadata.defaultResponseTopic(), name: null, topicId: t.topicId, errorCode: TOPIC_DENIED });
            else topics.push(got);
            return;
          }
          const got = present.get(name);
          if (got !== undefined) return void topics.push(got);
          // Asked for as part of all topics and not there: missing. Without CREATE that is 29.
          if (askAll) topics.push({ ...metadata.defaultResponseTopic(), name, errorCode: noCreate.has(name) ? TOPIC_DENIED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        });
      }
      for (const t of topics) {
        // Refused for want of CREATE: as Kafka's unauthorizedForCreateTopicMetadata, with the default
        // bitfield (never the upstream super user's).
        if (t.name !== null && noCreate.has(t.name) && t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) Object.assign(t, { errorCode: TOPIC_DENIED, topicAuthorizedOperations: NO_OPERATIONS });
        // As Kafka (KafkaApis.handleTopicMetadataRequest): every topic the caller may describe gets
        // its bitfield, a missing one (3) too; the refused ones (29) keep the default.
        if (req.includeTopicAuthorizedOperations && t.name !== null && t.errorCode !== TOPIC_DENIED) t.topicAuthorizedOperations = authorizedOperations(c, TOPIC, t.name);
      }
      m.topics = topics;
      if (clusterOps !== null) m.clusterAuthorizedOperations = clusterOps;
      return m;
    },
  };
}

function checkOffsetCommit(c: AuthzContext, v: number, req: offsetCommit.Request): Verdict {
  if (!c.allowed(READ, GROUP, req.groupId)) return { kind: 'answer', response: errorResponse(ApiKey.OffsetCommit, req, GROUP_DENIED) };
  return split({
    items: req.topics,
    decide: (t) => decideTopic(c, READ)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => (errorResponse(ApiKey.OffsetCommit, { ...req, topics: [t] }, code) as offsetCommit.Response).topics[0]!,
    empty: offsetCommit.defaultResponse,
    get: (r) => (r as offsetCommit.Response).topics,
    set: (r, l) => ((r as offsetCommit.Response).topics = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

/** The response topics of one OffsetFetch group: all-topics fetches drop undescribable topics. */
function filterOffsetTopics<T extends { name: string }>(c: AuthzContext, topics: T[]): T[] {
  return topics.filter((t) => c.allowed(DESCRIBE, TOPIC, t.name));
}

function checkOffsetFetch(c: AuthzContext, v: number, req: offsetFetch.Request): Verdict {
  if (v < 8) {
    if (!c.allowed(DESCRIBE, GROUP, req.groupId)) {
      const res = offsetFetch.defaultResponse();
      res.errorCode = GROUP_DENIED;
      // v0-1 have no top-level error: the error goes on every named partition.
      res.topics = (req.topics ?? []).map((t) => ({
        ...offsetFetch.defaultResponseTopic(),
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ ...offsetFetch.defaultResponsePartition(), partitionIndex: p, committedOffset: -1n, errorCode: GROUP_DENIED })),
      }));
      return { kind: 'answer', response: res };
    }
    if (req.topics === null) {
      return { kind: 'forward', response: (r) => ((r as offsetFetch.Response).topics = filterOffsetTopics(c, (r as offsetFetch.Response).topics), r) };
    }
    return split({
      items: req.topics,
      decide: (t) => decideTopic(c, DESCRIBE)(t.name),
      withItems: (topics) => ({ ...req, topics }),
      denied: (t, code) => ({
        ...offsetFetch.defaultResponseTopic(),
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ ...offsetFetch.defaultResponsePartition(), partitionIndex: p, committedOffset: -1n, errorCode: code })),
      }),
      empty: offsetFetch.defaultResponse,
      get: (r) => (r as offsetFetch.Response).topics,
      set: (r, l) => ((r as offsetFetch.Response).topics = l),
      reqKey: (t) => t.name,
      resKey: (t) => t.name,
    });
  }
  // v8+: several groups, each checked on its own, then its topics. A group id may appear more
  // than once: request and response groups are paired by position among those of the same id.
  type G = offsetFetch.RequestGroup;
  type RG = offsetFetch.ResponseGroup;
  const deniedTopics = new Map<number, Map<number, offsetFetch.ResponseTopics>>();
  const groups: G[] = [];
  const deniedGroups = new Map<number, RG>();
  let changed = false;
  req.groups.forEach((g, i) => {
    if (!c.allowed(DESCRIBE, GROUP, g.groupId)) {
      deniedGroups.set(i, { ...offsetFetch.defaultResponseGroup(), groupId: g.groupId, errorCode: GROUP_DENIED });
      changed = true;
      return;
    }
    if (g.topics === null) {
      groups.push(g);
      changed = true; // the response is filtered
      return;
    }
    const d = new Map<number, offsetFetch.ResponseTopics>();
    const topics = g.topics.filter((t, j) => {
      if (c.allowed(DESCRIBE, TOPIC, t.name)) return true;
      d.set(j, {
        ...offsetFetch.defaultResponseTopics(),
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ ...offsetFetch.defaultResponsePartitions(), partitionIndex: p, committedOffset: -1n, errorCode: TOPIC_DENIED })),
      });
      return false;
    });
    if (d.size > 0) {
      changed = true;
      deniedTopics.set(i, d);
    }
    groups.push({ ...g, topics });
  });
  if (!changed) return null;
  const finish = (res: offsetFetch.Response) => {
    const byId = new Map<string, RG[]>();
    for (const rg of res.groups) {
      const l = byId.get(rg.groupId);
      if (l === undefined) byId.set(rg.groupId, [rg]);
      else l.push(rg);
    }
    const out: RG[] = [];
    req.groups.forEach((g, i) => {
      const denied = deniedGroups.get(i);
      if (denied !== undefined) {
        out.push(denied);
        return;
      }
      const rg = byId.get(g.groupId)?.shift();
      if (rg === undefined) return;
      if (g.topics === null) rg.topics = filterOffsetTopics(c, rg.topics);
      else rg.topics = mergeInOrder(g.topics, deniedTopics.get(i) ?? new Map(), rg.topics, (t) => t.name, (t) => t.name);
      out.push(rg);
    });
    res.groups = out;
    return res;
  };
  if (groups.length === 0) return { kind: 'answer', response: finish(offsetFetch.defaultResponse()) };
  return { kind: 'forward', request: { ...req, groups }, response: (r) => finish(r as offsetFetch.Response) };
}

const coordinatorResource = (keyType: number): { type: ResourceTypeCode; op: OperationCode; code: number } =>
  keyType === 1 ? { type: TRANSACTIONAL_ID, op: DESCRIBE, code: TXN_DENIED } : keyType === 0 ? { type: GROUP, op: DESCRIBE, code: GROUP_DENIED } : { type: CLUSTER, op: CLUSTER_ACTION, code: CLUSTER_DENIED };

function checkFindCoordinator(c: AuthzContext, v: number, req: findCoordinator.Request): Verdict {
  const res = coordinatorResource(req.keyType);
  const ok = (key: string) => c.allowed(res.op, res.type, res.type === CLUSTER ? CLUSTER_NAME : key);
  if (v < 4) return ok(req.key) ? null : { kind: 'answer', response: errorResponse(ApiKey.FindCoordinator, req, res.code) };
  return split({
    items: req.coordinatorKeys,
    decide: (k) => (ok(k) ? 0 : res.code),
    withItems: (coordinatorKeys) => ({ ...req, coordinatorKeys }),
    denied: (key, code) => ({ ...findCoordinator.defaultResponseCoordinator(), key, nodeId: -1, host: '', port: -1, errorCode: code, errorMessage: msg(code) }),
    empty: findCoordinator.defaultResponse,
    get: (r) => (r as findCoordinator.Response).coordinators,
    set: (r, l) => ((r as findCoordinator.Response).coordinators = l),
    reqKey: (k) => k,
    resKey: (r) => r.key,
  });
}

/** A request about one group: READ (or `op`) on it, else the API's error response with 30. */
const groupCheck =
  (apiKey: number, op: OperationCode) =>
  (c: AuthzContext, v: number, req: { groupId: string }): Verdict =>
    c.allowed(op, GROUP, req.groupId) ? null : { kind: 'answer', response: errorResponse(apiKey, req, GROUP_DENIED) };

function checkDescribeGroups(c: AuthzContext, v: number, req: describeGroups.Request): Verdict {
  const verdict = split({
    items: req.groups,
    decide: (g) => (c.allowed(DESCRIBE, GROUP, g) ? 0 : GROUP_DENIED),
    withItems: (groups) => ({ ...req, groups }),
    denied: (groupId, code) => ({ ...describeGroups.defaultResponseDescribedGroup(), groupId, errorCode: code }),
    empty: describeGroups.defaultResponse,
    get: (r) => (r as describeGroups.Response).groups,
    set: (r, l) => ((r as describeGroups.Response).groups = l),
    reqKey: (g) => g,
    resKey: (g) => g.groupId,
  });
  if (!req.includeAuthorizedOperations || verdict?.kind === 'answer') return verdict;
  return thenResponse(verdict, (r) => {
    const res = r as describeGroups.Response;
    for (const g of res.groups) if (g.errorCode === 0) g.authorizedOperations = authorizedOperations(c, GROUP, g.groupId);
    return res;
  });
}

/** ListGroups: every group with DESCRIBE on the cluster, else those the caller may DESCRIBE (Kafka logs neither denial). */
function checkListGroups(c: AuthzContext): Verdict {
  if (c.allowed(DESCRIBE, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED)) return null;
  return { kind: 'forward', response: (r) => ((r as listGroups.Response).groups = (r as listGroups.Response).groups.filter((g) => c.allowed(DESCRIBE, GROUP, g.groupId, AUDIT_IF_ALLOWED)), r) };
}

/**
 * CreateTopics: CREATE on the cluster, else on each topic (29); the proxy's own topics never.
 * KRaft's metadata log is INVALID_REQUEST, as Kafka answers. The configs a v5+ response returns
 * are hidden (topicConfigErrorCode 29) for topics the caller may not DESCRIBE_CONFIGS, as Kafka does.
 */
function checkCreateTopics(c: AuthzContext, v: number, req: createTopics.Request): Verdict {
  const hideConfigs = (r: unknown) => {
    if (v < 5) return r;
    for (const t of (r as createTopics.Response).topics) {
      if (t.errorCode === 0 && !c.allowed(DESCRIBE_CONFIGS, TOPIC, t.name, AUDIT_IF_ALLOWED)) Object.assign(t, { topicConfigErrorCode: TOPIC_DENIED, numPartitions: -1, replicationFactor: -1, configs: [] });
    }
    return r;
  };
  // As Kafka (ControllerApis.handleCreateTopics): the cluster grant is audited when it allows; its
  // denial is no refusal yet, CREATE on each topic decides then.
  const cluster = c.allowed(CREATE, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED);
  const verdict = split({
    items: req.topics,
    decide: (t) => (t.name === CLUSTER_METADATA_TOPIC ? ErrorCode.INVALID_REQUEST : cluster && !c.restricted(t.name) ? 0 : decideTopic(c, CREATE)(t.name)),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({ ...createTopics.defaultResponseCreatableTopicResult(), name: t.name, errorCode: code, errorMessage: msg(code) }),
    empty: createTopics.defaultResponse,
    get: (r) => (r as createTopics.Response).topics,
    set: (r, l) => ((r as createTopics.Response).topics = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
  if (verdict?.kind === 'answer' || v < 5) return verdict;
  return thenResponse(verdict, hideConfigs);
}

/**
 * DeleteTopics: DELETE on the cluster, else on each topic (29); the proxy's own topics never. A
 * topic named by an id the proxy has not learned is UNKNOWN_TOPIC_ID, unless the cluster grant or
 * the absence of an authorizer lets the broker resolve it (the proxy knows its own topics' ids).
 */
function checkDeleteTopics(c: AuthzContext, v: number, req: deleteTopics.Request): Verdict {
  // As Kafka (ControllerApis.handleDeleteTopics): audited when it allows, no refusal when it does not.
  const cluster = c.allowed(DELETE, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED);
  const decideName = (name: string) => (cluster && !c.restricted(name) ? 0 : decideTopic(c, DELETE)(name));
  const result = (name: string | null, topicId: Buffer, code: number) => ({ ...deleteTopics.defaultResponseDeletableTopicResult(), name, topicId, errorCode: code, errorMessage: msg(code) });
  const common = {
    empty: deleteTopics.defaultResponse,
    get: (r: unknown) => (r as deleteTopics.Response).responses,
    set: (r: unknown, l: deleteTopics.ResponseDeletableTopicResult[]) => ((r as deleteTopics.Response).responses = l),
  };
  if (v < 6) {
    return split({
      ...common,
      items: req.topicNames,
      decide: decideName,
      withItems: (topicNames) => ({ ...req, topicNames }),
      denied: (name, code) => result(name, ZERO_UUID, code),
      reqKey: (n) => n,
      resKey: (r) => r.name ?? '',
    });
  }
  return split({
    ...common,
    items: req.topics,
    decide: (t) => {
      const name = t.name ?? c.topicName(t.topicId);
      if (name === null) return cluster || c.open ? 0 : ErrorCode.UNKNOWN_TOPIC_ID;
      return decideName(name);
    },
    withItems: (topics) => ({ ...req, topics }),
    // Kafka leaves the name out of the result for a topic named by id that the caller may not see.
    denied: (t, code) => result(t.name, t.topicId, code),
    reqKey: (t) => t.name ?? hex(t.topicId),
    resKey: (r) => (req.topics.some((t) => t.name !== null && t.name === r.name) ? r.name! : hex(r.topicId)),
  });
}

/** DeleteRecords: DELETE on each topic (29), then Kafka's rule: never on an internal topic (17). */
function checkDeleteRecords(c: AuthzContext, v: number, req: deleteRecords.Request): Verdict {
  return split({
    items: req.topics,
    decide: (t) => decideTopic(c, DELETE)(t.name) || (INTERNAL_TOPICS.has(t.name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : 0),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...deleteRecords.defaultResponseTopicResult(),
      name: t.name,
      partitions: t.partitions.map((p) => ({ ...deleteRecords.defaultResponsePartitionResult(), partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: code })),
    }),
    empty: deleteRecords.defaultResponse,
    get: (r) => (r as deleteRecords.Response).topics,
    set: (r, l) => ((r as deleteRecords.Response).topics = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

function checkInitProducerId(c: AuthzContext, v: number, req: initProducerId.Request): Verdict {
  const deny = (code: number) => ({ kind: 'answer' as const, response: { ...initProducerId.defaultResponse(), errorCode: code, producerId: -1n, producerEpoch: -1 } });
  if (req.transactionalId !== null) return c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId) ? null : deny(TXN_DENIED);
  // An idempotent producer: IDEMPOTENT_WRITE on the cluster, audited when it allows (KafkaApis:
  // logIfDenied = false, most idempotent producers hold WRITE on a topic instead), or WRITE on
  // some topic. A refusal is recorded as the cluster's IDEMPOTENT_WRITE: Kafka logs neither
  // denial, but a refusal missing from the audit trail is one the proxy does not make.
  if (c.allowed(IDEMPOTENT_WRITE, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED) || c.allowedOnAny(WRITE, TOPIC)) return null;
  c.allowed(IDEMPOTENT_WRITE, CLUSTER, CLUSTER_NAME, AUDIT_IF_DENIED);
  return deny(CLUSTER_DENIED);
}

function checkOffsetForLeaderEpoch(c: AuthzContext, v: number, req: offsetForLeaderEpoch.Request): Verdict {
  // As KafkaApis: CLUSTER_ACTION allows every topic (audited when it allows, no refusal when it
  // does not), else DESCRIBE per topic; the proxy's own topics never.
  const cluster = c.allowed(CLUSTER_ACTION, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED);
  return split({
    items: req.topics,
    decide: (t) => (cluster && !c.restricted(t.topic) ? 0 : decideTopic(c, DESCRIBE)(t.topic)),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...offsetForLeaderEpoch.defaultResponseOffsetForLeaderTopicResult(),
      topic: t.topic,
      partitions: t.partitions.map((p) => ({ ...offsetForLeaderEpoch.defaultResponseEpochEndOffset(), partition: p.partition, errorCode: code, leaderEpoch: -1, endOffset: -1n })),
    }),
    empty: offsetForLeaderEpoch.defaultResponse,
    get: (r) => (r as offsetForLeaderEpoch.Response).topics,
    set: (r, l) => ((r as offsetForLeaderEpoch.Response).topics = l),
    reqKey: (t) => t.topic,
    resKey: (t) => t.topic,
  });
}

/**
 * AddPartitionsToTxn v0-3 (the client versions; v4+ is broker-to-broker and not served with ACLs
 * on): WRITE on the transactional id (53 everywhere), then WRITE on each topic; if any topic is
 * denied nothing is forwarded, denied partitions get 29 and the others OPERATION_NOT_ATTEMPTED
 * (55). v4+ (served without an authorizer only): a request naming one of the proxy's own topics is
 * refused whole (29); the transaction coordinator would otherwise write its markers there.
 */
function checkAddPartitionsToTxn(c: AuthzContext, v: number, req: addPartitionsToTxn.Request): Verdict {
  if (v >= 4) {
    const denied = req.transactions.flatMap((tx) => tx.topics).filter((t) => !c.allowed(WRITE, TOPIC, t.name));
    return denied.length === 0 ? null : { kind: 'answer', response: errorResponse(ApiKey.AddPartitionsToTxn, req, TOPIC_DENIED) };
  }
  const results = (code: (topic: string) => number) => ({
    ...addPartitionsToTxn.defaultResponse(),
    resultsByTopicV3AndBelow: req.v3AndBelowTopics.map((t) => ({
      ...addPartitionsToTxn.defaultResponseTopicResult(),
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({ ...addPartitionsToTxn.defaultResponsePartitionResult(), partitionIndex: p, partitionErrorCode: code(t.name) })),
    })),
  });
  if (!c.allowed(WRITE, TRANSACTIONAL_ID, req.v3AndBelowTransactionalId)) return { kind: 'answer', response: results(() => TXN_DENIED) };
  // Kafka never lets a client add its internal topics to a transaction.
  const denied = new Set(req.v3AndBelowTopics.filter((t) => INTERNAL_TOPICS.has(t.name) || !c.allowed(WRITE, TOPIC, t.name)).map((t) => t.name));
  if (denied.size === 0) return null;
  return { kind: 'answer', response: results((t) => (denied.has(t) ? TOPIC_DENIED : ErrorCode.OPERATION_NOT_ATTEMPTED)) };
}

function checkAddOffsetsToTxn(c: AuthzContext, v: number, req: addOffsetsToTxn.Request): Verdict {
  const code = !c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId) ? TXN_DENIED : !c.allowed(READ, GROUP, req.groupId) ? GROUP_DENIED : 0;
  return code === 0 ? null : { kind: 'answer', response: { ...addOffsetsToTxn.defaultResponse(), errorCode: code } };
}

function checkEndTxn(c: AuthzContext, v: number, req: { transactionalId: string }): Verdict {
  return c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId) ? null : { kind: 'answer', response: errorResponse(ApiKey.EndTxn, req, TXN_DENIED) };
}

function checkTxnOffsetCommit(c: AuthzContext, v: number, req: txnOffsetCommit.Request): Verdict {
  const whole = !c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId) ? TXN_DENIED : !c.allowed(READ, GROUP, req.groupId) ? GROUP_DENIED : 0;
  return split({
    items: req.topics,
    decide: (t) => whole || decideTopic(c, READ)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...txnOffsetCommit.defaultResponseTopic(),
      name: t.name,
      partitions: t.partitions.map((p) => ({ ...txnOffsetCommit.defaultResponsePartition(), partitionIndex: p.partitionIndex, errorCode: code })),
    }),
    empty: txnOffsetCommit.defaultResponse,
    get: (r) => (r as txnOffsetCommit.Response).topics,
    set: (r, l) => ((r as txnOffsetCommit.Response).topics = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

/** ConfigResource types and what a config request on each needs. */
function configResource(resourceType: number): { type: ResourceTypeCode; code: number } | null {
  switch (resourceType) {
    case 2: // TOPIC
      return { type: TOPIC, code: TOPIC_DENIED };
    case 4: // BROKER
    case 8: // BROKER_LOGGER
    case 16: // CLIENT_METRICS
      return { type: CLUSTER, code: CLUSTER_DENIED };
    case 32: // GROUP
      return { type: GROUP, code: GROUP_DENIED };
    default:
      return null;
  }
}

interface ConfigItem {
  resourceType: number;
  resourceName: string;
}
interface ConfigResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

function configsCheck(op: OperationCode, listField: 'results' | 'responses', empty: () => unknown, result: () => ConfigResult) {
  return (c: AuthzContext, v: number, req: { resources: ConfigItem[] }): Verdict =>
    split<ConfigItem, ConfigResult>({
      items: req.resources,
      decide: (r) => {
        const res = configResource(r.resourceType);
        if (res === null) return ErrorCode.INVALID_REQUEST;
        return c.allowed(op, res.type, res.type === CLUSTER ? CLUSTER_NAME : r.resourceName) ? 0 : res.code;
      },
      withItems: (resources) => ({ ...req, resources }),
      denied: (r, code) => ({ ...result(), resourceType: r.resourceType, resourceName: r.resourceName, errorCode: code, errorMessage: msg(code) }),
      empty,
      get: (r) => (r as Record<string, ConfigResult[]>)[listField]!,
      set: (r, l) => ((r as Record<string, ConfigResult[]>)[listField] = l),
      reqKey: (r) => `${r.resourceType}:${r.resourceName}`,
      resKey: (r) => `${r.resourceType}:${r.resourceName}`,
    });
}

/** A request that needs one operation on the cluster, else the API's error response (31). */
const clusterCheck =
  (apiKey: number, op: OperationCode, deny?: (req: never) => unknown) =>
  (c: AuthzContext, v: number, req: never): Verdict =>
    c.allowed(op, CLUSTER, CLUSTER_NAME) ? null : { kind: 'answer', response: deny ? deny(req) : errorResponse(apiKey, req, CLUSTER_DENIED) };

function checkCreatePartitions(c: AuthzContext, v: number, req: createPartitions.Request): Verdict {
  return split({
    items: req.topics,
    decide: (t) => decideTopic(c, ALTER)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({ ...createPartitions.defaultResponseTopicResult(), name: t.name, errorCode: code, errorMessage: msg(code) }),
    empty: createPartitions.defaultResponse,
    get: (r) => (r as createPartitions.Response).results,
    set: (r, l) => ((r as createPartitions.Response).results = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

function checkDeleteGroups(c: AuthzContext, v: number, req: deleteGroups.Request): Verdict {
  return split({
    items: req.groupsNames,
    decide: (g) => (c.allowed(DELETE, GROUP, g) ? 0 : GROUP_DENIED),
    withItems: (groupsNames) => ({ ...req, groupsNames }),
    denied: (groupId, code) => ({ ...deleteGroups.defaultResponseDeletableGroupResult(), groupId, errorCode: code }),
    empty: deleteGroups.defaultResponse,
    get: (r) => (r as deleteGroups.Response).results,
    set: (r, l) => ((r as deleteGroups.Response).results = l),
    reqKey: (g) => g,
    resKey: (g) => g.groupId,
  });
}

function checkOffsetDelete(c: AuthzContext, v: number, req: offsetDelete.Request): Verdict {
  if (!c.allowed(DELETE, GROUP, req.groupId)) return { kind: 'answer', response: { ...offsetDelete.defaultResponse(), errorCode: GROUP_DENIED } };
  return split({
    items: req.topics,
    decide: (t) => decideTopic(c, READ)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...offsetDelete.defaultResponseTopic(),
      name: t.name,
      partitions: t.partitions.map((p) => ({ ...offsetDelete.defaultResponsePartition(), partitionIndex: p.partitionIndex, errorCode: code })),
    }),
    empty: offsetDelete.defaultResponse,
    get: (r) => (r as offsetDelete.Response).topics,
    set: (r, l) => ((r as offsetDelete.Response).topics = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

function checkDescribeCluster(c: AuthzContext, v: number, req: describeCluster.Request): Verdict {
  if (!req.includeClusterAuthorizedOperations) return null;
  const ops = c.allowed(DESCRIBE, CLUSTER, CLUSTER_NAME) ? authorizedOperations(c, CLUSTER, CLUSTER_NAME) : 0;
  return { kind: 'forward', response: (r) => (((r as describeCluster.Response).clusterAuthorizedOperations = ops), r) };
}

function checkDescribeProducers(c: AuthzContext, v: number, req: describeProducers.Request): Verdict {
  return split({
    items: req.topics,
    decide: (t) => decideTopic(c, READ)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...describeProducers.defaultResponseTopicResponse(),
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({ ...describeProducers.defaultResponsePartitionResponse(), partitionIndex: p, errorCode: code, errorMessage: msg(code) })),
    }),
    empty: describeProducers.defaultResponse,
    get: (r) => (r as describeProducers.Response).topics,
    set: (r, l) => ((r as describeProducers.Response).topics = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

/** DescribeTransactions: DESCRIBE on each id; the topics of a transaction the caller may not DESCRIBE are left out. */
function checkDescribeTransactions(c: AuthzContext, v: number, req: describeTransactions.Request): Verdict {
  const verdict = checkDescribeTransactionsEach(c, req);
  if (verdict?.kind === 'answer') return verdict;
  return thenResponse(verdict, (r) => {
    const res = r as describeTransactions.Response;
    for (const st of res.transactionStates) st.topics = st.topics.filter((t) => c.allowed(DESCRIBE, TOPIC, t.topic));
    return res;
  });
}

function checkDescribeTransactionsEach(c: AuthzContext, req: describeTransactions.Request): Verdict {
  return split({
    items: req.transactionalIds,
    decide: (id) => (c.allowed(DESCRIBE, TRANSACTIONAL_ID, id) ? 0 : TXN_DENIED),
    withItems: (transactionalIds) => ({ ...req, transactionalIds }),
    denied: (transactionalId, code) => ({ ...describeTransactions.defaultResponseTransactionState(), transactionalId, errorCode: code }),
    empty: describeTransactions.defaultResponse,
    get: (r) => (r as describeTransactions.Response).transactionStates,
    set: (r, l) => ((r as describeTransactions.Response).transactionStates = l),
    reqKey: (id) => id,
    resKey: (s) => s.transactionalId,
  });
}

function checkListTransactions(c: AuthzContext): Verdict {
  return {
    kind: 'forward',
    response: (r) => {
      const res = r as listTransactions.Response;
      res.transactionStates = res.transactionStates.filter((s) => c.allowed(DESCRIBE, TRANSACTIONAL_ID, s.transactionalId));
      return res;
    },
  };
}

/**
 * ConsumerGroupHeartbeat (KIP-848): READ on the group and DESCRIBE on every subscribed topic.
 * A regular-expression subscription is resolved by the broker against every topic, which the
 * proxy cannot filter per caller, so it is refused (29) for anyone but a super user (or anyone,
 * without an authorizer). Such a regex may still match one of the proxy's own topics, and later
 * heartbeats do not repeat an unchanged subscription: for a caller they are off limits to, every
 * assignment drops those topics (by the ids the proxy knows for them; fetching them fails anyway).
 */
function checkConsumerGroupHeartbeat(c: AuthzContext, v: number, req: consumerGroupHeartbeat.Request): Verdict {
  const deny = (code: number) => ({ kind: 'answer' as const, response: { ...consumerGroupHeartbeat.defaultResponse(), errorCode: code, errorMessage: msg(code) } });
  if (!c.allowed(READ, GROUP, req.groupId)) return deny(GROUP_DENIED);
  for (const t of req.subscribedTopicNames ?? []) if (!c.allowed(DESCRIBE, TOPIC, t)) return deny(TOPIC_DENIED);
  if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== undefined && req.subscribedTopicRegex !== '' && !c.superUser) return deny(TOPIC_DENIED);
  if (!c.superUser || !c.restrictsAny) return null;
  return {
    kind: 'forward',
    response: (r) => {
      const res = r as consumerGroupHeartbeat.Response;
      if (res.assignment !== null) res.assignment.topicPartitions = res.assignment.topicPartitions.filter((tp) => !restrictedId(c, tp.topicId));
      return res;
    },
  };
}

/** Whether a topic id stands for one of the proxy's own topics, off limits to this caller. */
function restrictedId(c: AuthzContext, id: Buffer): boolean {
  const name = c.topicName(id);
  return name !== null && c.restricted(name);
}

function checkConsumerGroupDescribe(c: AuthzContext, v: number, req: consumerGroupDescribe.Request): Verdict {
  const verdict = split({
    items: req.groupIds,
    decide: (g) => (c.allowed(DESCRIBE, GROUP, g) ? 0 : GROUP_DENIED),
    withItems: (groupIds) => ({ ...req, groupIds }),
    denied: (groupId, code) => ({ ...consumerGroupDescribe.defaultResponseDescribedGroup(), groupId, errorCode: code, errorMessage: msg(code) }),
    empty: consumerGroupDescribe.defaultResponse,
    get: (r) => (r as consumerGroupDescribe.Response).groups,
    set: (r, l) => ((r as consumerGroupDescribe.Response).groups = l),
    reqKey: (g) => g,
    resKey: (g) => g.groupId,
  });
  if (verdict?.kind === 'answer') return verdict;
  if (!req.includeAuthorizedOperations && c.open && !c.restrictsAny) return verdict;
  return thenResponse(verdict, (r) => {
    const res = r as consumerGroupDescribe.Response;
    if (req.includeAuthorizedOperations) for (const g of res.groups) if (g.errorCode === 0) g.authorizedOperations = authorizedOperations(c, GROUP, g.groupId);
    const topicsOf = (m: consumerGroupDescribe.ResponseMember) => [...m.assignment.topicPartitions, ...m.targetAssignment.topicPartitions].map((tp) => tp.topicName);
    res.groups = hideGroupsNamingHiddenTopics(c, res.groups, topicsOf, consumerGroupDescribe.defaultResponseDescribedGroup);
    return res;
  });
}

/** Kafka's message for a described group whose assignments name a topic the caller may not see. */
export const HIDDEN_TOPICS_MESSAGE = 'The group has described topic(s) that the client is not authorized to describe.';

/**
 * ConsumerGroupDescribe and ShareGroupDescribe, as Kafka 4 answers them: a group whose members are
 * assigned a topic the caller may not DESCRIBE comes back as 29 with Kafka's message and no
 * members, everything else about it left at its defaults. Each topic is decided once per response.
 */
export function hideGroupsNamingHiddenTopics<M, G extends { groupId: string; errorCode: number; errorMessage: string | null; members: M[] }>(
  c: AuthzContext,
  groups: G[],
  topicsOf: (member: M) => string[],
  blank: () => G,
): G[] {
  const verdicts = new Map<string, boolean>();
  const visible = (t: string) => {
    let ok = verdicts.get(t);
    if (ok === undefined) verdicts.set(t, (ok = c.allowed(DESCRIBE, TOPIC, t)));
    return ok;
  };
  return groups.map((g) => {
    const hidden = g.members.some((m) => !topicsOf(m).every(visible));
    return hidden ? { ...blank(), groupId: g.groupId, errorCode: TOPIC_DENIED, errorMessage: HIDDEN_TOPICS_MESSAGE, members: [] } : g;
  });
}

/** DescribeTopicPartitions: like Metadata, undescribable topics are omitted or answered with 29. */
function checkDescribeTopicPartitions(c: AuthzContext, v: number, req: describeTopicPartitions.Request): Verdict {
  type RT = describeTopicPartitions.ResponseTopic;
  const decorate = (topics: RT[]) => {
    // Every topic the caller may describe, a missing one (3) too; the refused ones keep the default.
    for (const t of topics) if (t.errorCode !== TOPIC_DENIED && t.name !== null) t.topicAuthorizedOperations = authorizedOperations(c, TOPIC, t.name);
    return topics;
  };
  if (req.topics.length === 0) {
    return {
      kind: 'forward',
      response: (r) => {
        const res = r as describeTopicPartitions.Response;
        res.topics = decorate(res.topics.filter((t) => t.name !== null && c.allowed(DESCRIBE, TOPIC, t.name)));
        // The cursor names the next topic of the broker's listing: one the caller may not see ends
        // the listing here rather than leak its name.
        if (res.nextCursor !== null && !c.allowed(DESCRIBE, TOPIC, res.nextCursor.topicName)) res.nextCursor = null;
        return res;
      },
    };
  }
  const verdict = split({
    items: req.topics,
    decide: (t) => decideTopic(c, DESCRIBE)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({ ...describeTopicPartitions.defaultResponseTopic(), name: t.name, topicId: ZERO_UUID, errorCode: code }),
    // No cursor when the proxy answers everything itself (the codec's default is an empty one).
    empty: () => ({ ...describeTopicPartitions.defaultResponse(), nextCursor: null }),
    get: (r) => (r as describeTopicPartitions.Response).topics,
    set: (r, l) => ((r as describeTopicPartitions.Response).topics = l),
    reqKey: (t) => t.name,
    resKey: (t) => t.name ?? '',
  });
  if (verdict?.kind === 'answer') return verdict;
  return thenResponse(verdict, (r) => {
    const res = r as describeTopicPartitions.Response;
    decorate(res.topics);
    return res;
  });
}

const none: Check = () => null;

/**
 * The check each forwarded API makes, after Kafka's KafkaApis with the standard authorizer
 * (docs/kafka-semantics.md section 6), and the versions the check is written for. An API or
 * version that is not here is not forwarded and not advertised when ACLs are on.
 */
export interface CheckEntry {
  check: Check;
  /**
   * Versions outside [minVersion, maxVersion] have no ACL check and are not served with ACLs on;
   * without an authorizer the check still runs for them (it enforces the proxy's own topics).
   */
  minVersion?: number;
  maxVersion?: number;
}

export const API_CHECKS: ReadonlyMap<number, CheckEntry> = new Map<number, CheckEntry>([
  [ApiKey.Produce, { check: checkProduce as Check }],
  [ApiKey.Fetch, { check: checkFetch as Check }],
  [ApiKey.ListOffsets, { check: checkListOffsets as Check }],
  [ApiKey.Metadata, { check: checkMetadata as Check }],
  [ApiKey.OffsetCommit, { check: checkOffsetCommit as Check }],
  [ApiKey.OffsetFetch, { check: checkOffsetFetch as Check }],
  [ApiKey.FindCoordinator, { check: checkFindCoordinator as Check }],
  [ApiKey.JoinGroup, { check: groupCheck(ApiKey.JoinGroup, READ) as Check }],
  [ApiKey.Heartbeat, { check: groupCheck(ApiKey.Heartbeat, READ) as Check }],
  [ApiKey.LeaveGroup, { check: groupCheck(ApiKey.LeaveGroup, READ) as Check }],
  [ApiKey.SyncGroup, { check: groupCheck(ApiKey.SyncGroup, READ) as Check }],
  [ApiKey.DescribeGroups, { check: checkDescribeGroups as Check }],
  [ApiKey.ListGroups, { check: checkListGroups as Check }],
  [ApiKey.CreateTopics, { check: checkCreateTopics as Check }],
  [ApiKey.DeleteTopics, { check: checkDeleteTopics as Check }],
  [ApiKey.DeleteRecords, { check: checkDeleteRecords as Check }],
  [ApiKey.InitProducerId, { check: checkInitProducerId as Check }],
  [ApiKey.OffsetForLeaderEpoch, { check: checkOffsetForLeaderEpoch as Check }],
  [ApiKey.AddPartitionsToTxn, { check: checkAddPartitionsToTxn as Check, maxVersion: 3 }],
  [ApiKey.AddOffsetsToTxn, { check: checkAddOffsetsToTxn as Check }],
  [ApiKey.EndTxn, { check: checkEndTxn as Check }],
  [ApiKey.TxnOffsetCommit, { check: checkTxnOffsetCommit as Check }],
  [ApiKey.DescribeConfigs, { check: configsCheck(DESCRIBE_CONFIGS, 'results', describeConfigs.defaultResponse, describeConfigs.defaultResponseResult) as Check }],
  [ApiKey.AlterConfigs, { check: configsCheck(ALTER_CONFIGS, 'responses', alterConfigs.defaultResponse, alterConfigs.defaultResponseResourceResponse) as Check }],
  [
    ApiKey.IncrementalAlterConfigs,
    { check: configsCheck(ALTER_CONFIGS, 'responses', incrementalAlterConfigs.defaultResponse, incrementalAlterConfigs.defaultResponseAlterConfigsResourceResponse) as Check },
  ],
  [
    ApiKey.AlterReplicaLogDirs,
    {
      check: clusterCheck(ApiKey.AlterReplicaLogDirs, ALTER, ((req: alterReplicaLogDirs.Request) => ({
        ...alterReplicaLogDirs.defaultResponse(),
        results: req.dirs.flatMap((d) =>
          d.topics.map((t) => ({
            ...alterReplicaLogDirs.defaultResponseAlterReplicaLogDirTopicResult(),
            topicName: t.name,
            partitions: t.partitions.map((p) => ({ ...alterReplicaLogDirs.defaultResponseAlterReplicaLogDirPartitionResult(), partitionIndex: p, errorCode: CLUSTER_DENIED })),
          })),
        ),
      })) as never),
    },
  ],
  [ApiKey.DescribeLogDirs, { check: clusterCheck(ApiKey.DescribeLogDirs, DESCRIBE) }],
  [ApiKey.CreatePartitions, { check: checkCreatePartitions as Check }],
  [ApiKey.DeleteGroups, { check: checkDeleteGroups as Check }],
  [
    ApiKey.ElectLeaders,
    {
      check: clusterCheck(ApiKey.ElectLeaders, ALTER, ((req: electLeaders.Request) => ({
        ...electLeaders.defaultResponse(),
        errorCode: CLUSTER_DENIED,
        replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
          ...electLeaders.defaultResponseReplicaElectionResult(),
          topic: t.topic,
          partitionResult: t.partitions.map((p) => ({ ...electLeaders.defaultResponsePartitionResult(), partitionId: p, errorCode: CLUSTER_DENIED, errorMessage: msg(CLUSTER_DENIED) })),
        })),
      })) as never),
    },
  ],
  [ApiKey.AlterPartitionReassignments, { check: clusterCheck(ApiKey.AlterPartitionReassignments, ALTER) }],
  [ApiKey.ListPartitionReassignments, { check: clusterCheck(ApiKey.ListPartitionReassignments, DESCRIBE) }],
  [ApiKey.OffsetDelete, { check: checkOffsetDelete as Check }],
  [ApiKey.DescribeClientQuotas, { check: clusterCheck(ApiKey.DescribeClientQuotas, DESCRIBE_CONFIGS) }],
  [
    ApiKey.AlterClientQuotas,
    {
      check: clusterCheck(ApiKey.AlterClientQuotas, ALTER_CONFIGS, ((req: alterClientQuotas.Request) => ({
        ...alterClientQuotas.defaultResponse(),
        entries: req.entries.map((e) => ({
          ...alterClientQuotas.defaultResponseEntryData(),
          errorCode: CLUSTER_DENIED,
          errorMessage: msg(CLUSTER_DENIED),
          entity: e.entity.map((x) => ({ ...alterClientQuotas.defaultResponseEntityData(), entityType: x.entityType, entityName: x.entityName })),
        })),
      })) as never),
    },
  ],
  [ApiKey.UpdateFeatures, { check: clusterCheck(ApiKey.UpdateFeatures, ALTER) }],
  [ApiKey.DescribeCluster, { check: checkDescribeCluster as Check }],
  [ApiKey.DescribeProducers, { check: checkDescribeProducers as Check }],
  [ApiKey.DescribeTransactions, { check: checkDescribeTransactions as Check }],
  [ApiKey.ListTransactions, { check: checkListTransactions }],
  [ApiKey.ConsumerGroupHeartbeat, { check: checkConsumerGroupHeartbeat as Check }],
  [ApiKey.ConsumerGroupDescribe, { check: checkConsumerGroupDescribe as Check }],
  // Client telemetry (KIP-714) needs no ACL at a broker either.
  [ApiKey.GetTelemetrySubscriptions, { check: none }],
  [ApiKey.PushTelemetry, { check: none }],
  [ApiKey.ListClientMetricsResources, { check: clusterCheck(ApiKey.ListClientMetricsResources, DESCRIBE_CONFIGS) }],
  [ApiKey.DescribeTopicPartitions, { check: checkDescribeTopicPartitions as Check }],
  // Share groups (KIP-932), as Kafka 4.4 checks them (src/acl/share-checks.ts).
  [ApiKey.ShareGroupHeartbeat, { check: checkShareGroupHeartbeat as Check }],
  [ApiKey.ShareGroupDescribe, { check: checkShareGroupDescribe as Check }],
  [ApiKey.ShareFetch, { check: checkShareFetch as Check }],
  [ApiKey.ShareAcknowledge, { check: checkShareAcknowledge as Check }],
  [ApiKey.DescribeShareGroupOffsets, { check: checkDescribeShareGroupOffsets as Check }],
  [ApiKey.AlterShareGroupOffsets, { check: checkAlterShareGroupOffsets as Check }],
  [ApiKey.DeleteShareGroupOffsets, { check: checkDeleteShareGroupOffsets as Check }],
]);
