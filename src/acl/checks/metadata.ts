// What a client learns about the cluster and its topics: Metadata, DescribeTopicPartitions, DescribeCluster.
import { ApiKey } from '../../protocol/generated/index.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../protocol/constants.js';
import * as metadata from '../../protocol/generated/metadata.js';
import * as describeCluster from '../../protocol/generated/describe-cluster.js';
import * as describeTopicPartitions from '../../protocol/generated/describe-topic-partitions.js';
import { CLUSTER_NAME } from '../model.js';
import {
  AUDIT_IF_ALLOWED,
  NO_OPERATIONS,
  authorizedOperations,
  thenResponse,
  decideTopic,
  TOPIC,
  CLUSTER,
  CREATE,
  DESCRIBE,
  TOPIC_DENIED,
  type AuthzContext,
  type VerdictFor,
} from './context.js';
import { split } from './split.js';

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
export function checkMetadata(c: AuthzContext, v: number, req: metadata.Request): VerdictFor<'Metadata'> {
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
        else
          denied.set(i, {
            ...metadata.defaultResponseTopic(),
            name: null,
            topicId: t.topicId,
            errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
          });
      } else if (!c.allowed(DESCRIBE, TOPIC, name)) {
        denied.set(i, {
          ...metadata.defaultResponseTopic(),
          name: byId(t) ? null : name,
          topicId: byId(t) ? t.topicId : ZERO_UUID,
          errorCode: TOPIC_DENIED,
        });
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
  const clusterOps = req.includeClusterAuthorizedOperations
    ? c.allowed(DESCRIBE, CLUSTER, CLUSTER_NAME)
      ? authorizedOperations(c, CLUSTER, CLUSTER_NAME)
      : 0
    : null;
  return {
    kind: 'forward',
    request: forwarded,
    response: (res) => metadataAnswer(c, req, { all, denied, names, askAll, noCreate, clusterOps }, res),
  };
}

/** DescribeTopicPartitions: like Metadata, undescribable topics are omitted or answered with 29. */
export function checkDescribeTopicPartitions(
  c: AuthzContext,
  v: number,
  req: describeTopicPartitions.Request,
): VerdictFor<'DescribeTopicPartitions'> {
  type RT = describeTopicPartitions.ResponseTopic;
  const decorate = (topics: RT[]) => {
    // Every topic the caller may describe, a missing one (3) too; the refused ones keep the default.
    for (const t of topics)
      if (t.errorCode !== TOPIC_DENIED && t.name !== null)
        t.topicAuthorizedOperations = authorizedOperations(c, TOPIC, t.name);
    return topics;
  };
  if (req.topics.length === 0) {
    return {
      kind: 'forward',
      response: (res) => {
        res.topics = decorate(res.topics.filter((t) => t.name !== null && c.allowed(DESCRIBE, TOPIC, t.name)));
        // The cursor names the next topic of the broker's listing: one the caller may not see ends
        // the listing here rather than leak its name.
        if (res.nextCursor !== null && !c.allowed(DESCRIBE, TOPIC, res.nextCursor.topicName)) res.nextCursor = null;
        return res;
      },
    };
  }
  const verdict = split(ApiKey.DescribeTopicPartitions, {
    items: req.topics,
    decide: (t) => decideTopic(c, DESCRIBE)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...describeTopicPartitions.defaultResponseTopic(),
      name: t.name,
      topicId: ZERO_UUID,
      errorCode: code,
    }),
    // No cursor when the proxy answers everything itself (the codec's default is an empty one).
    empty: () => ({ ...describeTopicPartitions.defaultResponse(), nextCursor: null }),
    list: (r) => r.topics,
    reqKey: (t) => t.name,
    resKey: (t) => t.name ?? '',
  });
  if (verdict?.kind === 'answer') return verdict;
  return thenResponse(ApiKey.DescribeTopicPartitions, verdict, (res) => {
    decorate(res.topics);
    return res;
  });
}

export function checkDescribeCluster(
  c: AuthzContext,
  v: number,
  req: describeCluster.Request,
): VerdictFor<'DescribeCluster'> {
  if (!req.includeClusterAuthorizedOperations) return null;
  const ops = c.allowed(DESCRIBE, CLUSTER, CLUSTER_NAME) ? authorizedOperations(c, CLUSTER, CLUSTER_NAME) : 0;
  return { kind: 'forward', response: (r) => ((r.clusterAuthorizedOperations = ops), r) };
}

/** What checkMetadata decided before the request went upstream, for reading the answer. */
interface MetadataPlan {
  /** An all-topics request. */
  all: boolean;
  /** The answers for denied request topics, by position. */
  denied: ReadonlyMap<number, metadata.ResponseTopic>;
  /** The name each request topic stands for, by position (null: an id the proxy had not learned). */
  names: ReadonlyArray<string | null>;
  /** Sent as all-topics instead of the named ones (so as not to auto-create them). */
  askAll: boolean;
  /** Topics the caller may not create. */
  noCreate: ReadonlySet<string>;
  clusterOps: number | null;
}

/** The broker's Metadata answer as the caller may see it, in request order for named topics. */
function metadataAnswer(
  c: AuthzContext,
  req: metadata.Request,
  plan: MetadataPlan,
  m: metadata.Response,
): metadata.Response {
  const { all, denied, names, askAll, noCreate, clusterOps } = plan;
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
        if (got.name !== null && !c.allowed(DESCRIBE, TOPIC, got.name))
          topics.push({ ...metadata.defaultResponseTopic(), name: null, topicId: t.topicId, errorCode: TOPIC_DENIED });
        else topics.push(got);
        return;
      }
      const got = present.get(name);
      if (got !== undefined) return void topics.push(got);
      // Asked for as part of all topics and not there: missing. Without CREATE that is 29.
      if (askAll)
        topics.push({
          ...metadata.defaultResponseTopic(),
          name,
          errorCode: noCreate.has(name) ? TOPIC_DENIED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        });
    });
  }
  for (const t of topics) {
    // Refused for want of CREATE: as Kafka's unauthorizedForCreateTopicMetadata, with the default
    // bitfield (never the upstream super user's).
    if (t.name !== null && noCreate.has(t.name) && t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      Object.assign(t, { errorCode: TOPIC_DENIED, topicAuthorizedOperations: NO_OPERATIONS });
    // As Kafka (KafkaApis.handleTopicMetadataRequest): every topic the caller may describe gets
    // its bitfield, a missing one (3) too; the refused ones (29) keep the default.
    if (req.includeTopicAuthorizedOperations && t.name !== null && t.errorCode !== TOPIC_DENIED)
      t.topicAuthorizedOperations = authorizedOperations(c, TOPIC, t.name);
  }
  m.topics = topics;
  if (clusterOps !== null) m.clusterAuthorizedOperations = clusterOps;
  return m;
}
