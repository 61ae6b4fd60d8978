// Produce, Fetch and the offset lookups that go with reading: ListOffsets, OffsetForLeaderEpoch.
import { ApiKey } from '../../protocol/generated/index.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { errorResponseOf } from '../../protocol/error-response.js';
import { hasTransactionalBatch } from '../../protocol/record-batch.js';
import * as produce from '../../protocol/generated/produce.js';
import * as fetch from '../../protocol/generated/fetch.js';
import * as listOffsets from '../../protocol/generated/list-offsets.js';
import * as offsetForLeaderEpoch from '../../protocol/generated/offset-for-leader-epoch.js';
import { CLUSTER_NAME } from '../model.js';
import {
  AUDIT_IF_ALLOWED,
  INTERNAL_TOPICS,
  ADMIN_CLIENT_ID,
  decideTopic,
  hex,
  TOPIC,
  CLUSTER,
  TRANSACTIONAL_ID,
  READ,
  WRITE,
  DESCRIBE,
  CLUSTER_ACTION,
  TOPIC_DENIED,
  TXN_DENIED,
  type AuthzContext,
  type VerdictFor,
} from './context.js';
import { split } from './split.js';

export function checkProduce(c: AuthzContext, v: number, req: produce.Request): VerdictFor<'Produce'> {
  // As KafkaApis: a request carrying transactional batches needs WRITE on its transactional id
  // (and must name one); the id of a request without them is not checked.
  const transactional = req.topicData.some((t) =>
    t.partitionData.some((p) => p.records !== null && hasTransactionalBatch(p.records)),
  );
  const txnDenied =
    transactional && (req.transactionalId === null || !c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId));
  // Authorization first (29), then Kafka's rule for internal topics (17), as KafkaApis orders them.
  const internalDenied = (name: string) => INTERNAL_TOPICS.has(name) && c.clientId !== ADMIN_CLIENT_ID;
  const decide = txnDenied
    ? () => TXN_DENIED
    : (t: produce.RequestTopicProduceData) =>
        decideTopic(c, WRITE)(t.name) || (internalDenied(t.name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : 0);
  const verdict = split(ApiKey.Produce, {
    items: req.topicData,
    decide,
    withItems: (topicData) => ({ ...req, topicData }),
    denied: (t, code) => errorResponseOf(ApiKey.Produce, { ...req, topicData: [t] }, code).responses[0]!,
    empty: produce.defaultResponse,
    list: (r) => r.responses,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
  // acks=0: the client awaits no response, so a broker closes the connection on any error.
  if (verdict !== null && req.acks === 0) return { kind: 'close', reason: 'acks_zero_denied' };
  return verdict;
}

export function checkFetch(c: AuthzContext, v: number, req: fetch.Request): VerdictFor<'Fetch'> {
  const replicaId = v >= 15 ? req.replicaState.replicaId : req.replicaId;
  const byId = v >= 13;
  const nameOf = (t: { topic: string; topicId: Buffer }) => (byId ? c.topicName(t.topicId) : t.topic);
  if (replicaId >= 0) return followerFetch(c, v, req, nameOf);
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
    return {
      kind: 'answer',
      response: { ...fetch.defaultResponse(), errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0 },
    };
  }
  const sessionless = v < 7 || (req.sessionId === 0 && req.sessionEpoch === -1);
  const out = split(ApiKey.Fetch, {
    items: req.topics,
    decide: (t) => {
      const name = nameOf(t);
      if (name === null) return ErrorCode.UNKNOWN_TOPIC_ID;
      return c.allowed(READ, TOPIC, name) ? 0 : TOPIC_DENIED;
    },
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => {
      const r = errorResponseOf(ApiKey.Fetch, { ...req, topics: [t] }, code).responses[0]!;
      return r;
    },
    empty: fetch.defaultResponse,
    list: (r) => r.responses,
    reqKey: (t) => (byId ? hex(t.topicId) : t.topic),
    resKey: (t) => (byId ? hex(t.topicId) : t.topic),
  });
  if (out !== null && out.kind === 'answer') out.response.sessionId = 0;
  if (out !== null && out.kind !== 'forward') return out;
  if (!sessionless) {
    const base = out === null ? req : (out.request ?? req);
    return {
      kind: 'forward',
      request: { ...base, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [] },
      response: out?.response,
    };
  }
  return out;
}

/** A follower's fetch (replica id set). */
function followerFetch(
  c: AuthzContext,
  v: number,
  req: fetch.Request,
  nameOf: (t: { topic: string; topicId: Buffer }) => string | null,
): VerdictFor<'Fetch'> {
  // A follower fetch: broker-to-broker traffic needs CLUSTER_ACTION; Kafka answers every
  // partition with 29 otherwise. With it every partition may be read, in a fetch session, but
  // the proxy's own topics.
  if (!c.allowed(CLUSTER_ACTION, CLUSTER, CLUSTER_NAME)) {
    const res = errorResponseOf(ApiKey.Fetch, req, TOPIC_DENIED);
    res.errorCode = 0;
    return { kind: 'answer', response: res };
  }
  return sessionFetch(c, v, req, (t) => {
    const name = nameOf(t);
    return name === null || !c.restricted(name) || c.allowed(READ, TOPIC, name) ? 0 : TOPIC_DENIED;
  });
}

/**
 * A Fetch that keeps its fetch session: the refused topics are taken out of the request and their
 * errors appended to the broker's response, which otherwise stays as it is (an incremental
 * response carries the session's partitions the request did not name). A response entry for one
 * of the proxy's own topics is dropped whatever the request named. Only a sessionless fetch with
 * nothing left to forward is answered by the proxy: a session's epochs must all reach the broker.
 */
export function sessionFetch(
  c: AuthzContext,
  v: number,
  req: fetch.Request,
  decide: (t: fetch.RequestTopic) => number,
): VerdictFor<'Fetch'> {
  const denied: fetch.ResponseFetchableTopicResponse[] = [];
  const topics = req.topics.filter((t) => {
    const code = decide(t);
    if (code === 0) return true;
    denied.push(errorResponseOf(ApiKey.Fetch, { ...req, topics: [t] }, code).responses[0]!);
    return false;
  });
  if (denied.length === 0) return null;
  const sessionless = v < 7 || (req.sessionId === 0 && req.sessionEpoch === -1);
  if (topics.length === 0 && sessionless)
    return { kind: 'answer', response: { ...fetch.defaultResponse(), responses: denied } };
  const byId = v >= 13;
  const visible = (t: fetch.ResponseFetchableTopicResponse) => {
    const name = byId ? c.topicName(t.topicId) : t.topic;
    return name === null || !c.restricted(name);
  };
  return {
    kind: 'forward',
    request: { ...req, topics },
    response: (res) => {
      res.responses = [...res.responses.filter(visible), ...denied];
      return res;
    },
  };
}

export function checkListOffsets(c: AuthzContext, v: number, req: listOffsets.Request): VerdictFor<'ListOffsets'> {
  return split(ApiKey.ListOffsets, {
    items: req.topics,
    decide: (t) => decideTopic(c, DESCRIBE)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => errorResponseOf(ApiKey.ListOffsets, { ...req, topics: [t] }, code).topics[0]!,
    empty: listOffsets.defaultResponse,
    list: (r) => r.topics,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

export function checkOffsetForLeaderEpoch(
  c: AuthzContext,
  v: number,
  req: offsetForLeaderEpoch.Request,
): VerdictFor<'OffsetForLeaderEpoch'> {
  // As KafkaApis: CLUSTER_ACTION allows every topic (audited when it allows, no refusal when it
  // does not), else DESCRIBE per topic; the proxy's own topics never.
  const cluster = c.allowed(CLUSTER_ACTION, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED);
  return split(ApiKey.OffsetForLeaderEpoch, {
    items: req.topics,
    decide: (t) => (cluster && !c.restricted(t.topic) ? 0 : decideTopic(c, DESCRIBE)(t.topic)),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...offsetForLeaderEpoch.defaultResponseOffsetForLeaderTopicResult(),
      topic: t.topic,
      partitions: t.partitions.map((p) => ({
        ...offsetForLeaderEpoch.defaultResponseEpochEndOffset(),
        partition: p.partition,
        errorCode: code,
        leaderEpoch: -1,
        endOffset: -1n,
      })),
    }),
    empty: offsetForLeaderEpoch.defaultResponse,
    list: (r) => r.topics,
    reqKey: (t) => t.topic,
    resKey: (t) => t.topic,
  });
}
