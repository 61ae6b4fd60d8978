// Consumer groups, classic and KIP-848, and the coordinator lookup.
import { ApiKey, type ApiKeyCode, type RequestOf } from '../../protocol/generated/index.js';
import { errorResponseOf } from '../../protocol/error-response.js';
import * as findCoordinator from '../../protocol/generated/find-coordinator.js';
import * as describeGroups from '../../protocol/generated/describe-groups.js';
import * as deleteGroups from '../../protocol/generated/delete-groups.js';
import * as consumerGroupHeartbeat from '../../protocol/generated/consumer-group-heartbeat.js';
import * as consumerGroupDescribe from '../../protocol/generated/consumer-group-describe.js';
import { CLUSTER_NAME, type OperationCode, type ResourceTypeCode } from '../model.js';
import {
  AUDIT_IF_ALLOWED,
  authorizedOperations,
  thenResponse,
  msg,
  TOPIC,
  GROUP,
  CLUSTER,
  TRANSACTIONAL_ID,
  READ,
  DELETE,
  DESCRIBE,
  CLUSTER_ACTION,
  TOPIC_DENIED,
  GROUP_DENIED,
  CLUSTER_DENIED,
  TXN_DENIED,
  type AuthzContext,
  type VerdictFor,
  type VerdictOf,
} from './context.js';
import { split } from './split.js';

/** A request about one group: READ (or `op`) on it, else the API's error response with 30. */
export const groupCheck =
  <K extends ApiKeyCode>(apiKey: K, op: OperationCode) =>
  (c: AuthzContext, v: number, req: RequestOf<K> & { groupId: string }): VerdictOf<K> =>
    c.allowed(op, GROUP, req.groupId) ? null : { kind: 'answer', response: errorResponseOf(apiKey, req, GROUP_DENIED) };

export const coordinatorResource = (keyType: number): { type: ResourceTypeCode; op: OperationCode; code: number } =>
  keyType === 1
    ? { type: TRANSACTIONAL_ID, op: DESCRIBE, code: TXN_DENIED }
    : keyType === 0
      ? { type: GROUP, op: DESCRIBE, code: GROUP_DENIED }
      : { type: CLUSTER, op: CLUSTER_ACTION, code: CLUSTER_DENIED };

export function checkFindCoordinator(
  c: AuthzContext,
  v: number,
  req: findCoordinator.Request,
): VerdictFor<'FindCoordinator'> {
  const res = coordinatorResource(req.keyType);
  const ok = (key: string) => c.allowed(res.op, res.type, res.type === CLUSTER ? CLUSTER_NAME : key);
  if (v < 4)
    return ok(req.key) ? null : { kind: 'answer', response: errorResponseOf(ApiKey.FindCoordinator, req, res.code) };
  return split(ApiKey.FindCoordinator, {
    items: req.coordinatorKeys,
    decide: (k) => (ok(k) ? 0 : res.code),
    withItems: (coordinatorKeys) => ({ ...req, coordinatorKeys }),
    denied: (key, code) => ({
      ...findCoordinator.defaultResponseCoordinator(),
      key,
      nodeId: -1,
      host: '',
      port: -1,
      errorCode: code,
      errorMessage: msg(code),
    }),
    empty: findCoordinator.defaultResponse,
    list: (r) => r.coordinators,
    reqKey: (k) => k,
    resKey: (r) => r.key,
  });
}

export function checkDescribeGroups(
  c: AuthzContext,
  v: number,
  req: describeGroups.Request,
): VerdictFor<'DescribeGroups'> {
  const verdict = split(ApiKey.DescribeGroups, {
    items: req.groups,
    decide: (g) => (c.allowed(DESCRIBE, GROUP, g) ? 0 : GROUP_DENIED),
    withItems: (groups) => ({ ...req, groups }),
    denied: (groupId, code) => ({ ...describeGroups.defaultResponseDescribedGroup(), groupId, errorCode: code }),
    empty: describeGroups.defaultResponse,
    list: (r) => r.groups,
    reqKey: (g) => g,
    resKey: (g) => g.groupId,
  });
  if (!req.includeAuthorizedOperations || verdict?.kind === 'answer') return verdict;
  return thenResponse(ApiKey.DescribeGroups, verdict, (res) => {
    for (const g of res.groups)
      if (g.errorCode === 0) g.authorizedOperations = authorizedOperations(c, GROUP, g.groupId);
    return res;
  });
}

/** ListGroups: every group with DESCRIBE on the cluster, else those the caller may DESCRIBE (Kafka logs neither denial). */
export function checkListGroups(c: AuthzContext): VerdictFor<'ListGroups'> {
  if (c.allowed(DESCRIBE, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED)) return null;
  return {
    kind: 'forward',
    response: (r) => ((r.groups = r.groups.filter((g) => c.allowed(DESCRIBE, GROUP, g.groupId, AUDIT_IF_ALLOWED))), r),
  };
}

export function checkDeleteGroups(c: AuthzContext, v: number, req: deleteGroups.Request): VerdictFor<'DeleteGroups'> {
  return split(ApiKey.DeleteGroups, {
    items: req.groupsNames,
    decide: (g) => (c.allowed(DELETE, GROUP, g) ? 0 : GROUP_DENIED),
    withItems: (groupsNames) => ({ ...req, groupsNames }),
    denied: (groupId, code) => ({ ...deleteGroups.defaultResponseDeletableGroupResult(), groupId, errorCode: code }),
    empty: deleteGroups.defaultResponse,
    list: (r) => r.results,
    reqKey: (g) => g,
    resKey: (g) => g.groupId,
  });
}

/**
 * ConsumerGroupHeartbeat (KIP-848): READ on the group and DESCRIBE on every subscribed topic.
 * A regular-expression subscription is resolved by the broker against every topic, which the
 * proxy cannot filter per caller, so it is refused (29) for anyone but a super user (or anyone,
 * without an authorizer). Such a regex may still match one of the proxy's own topics, and later
 * heartbeats do not repeat an unchanged subscription: for a caller they are off limits to, every
 * assignment drops those topics (by the ids the proxy knows for them; fetching them fails anyway).
 */
export function checkConsumerGroupHeartbeat(
  c: AuthzContext,
  v: number,
  req: consumerGroupHeartbeat.Request,
): VerdictFor<'ConsumerGroupHeartbeat'> {
  const deny = (code: number) => ({
    kind: 'answer' as const,
    response: { ...consumerGroupHeartbeat.defaultResponse(), errorCode: code, errorMessage: msg(code) },
  });
  if (!c.allowed(READ, GROUP, req.groupId)) return deny(GROUP_DENIED);
  for (const t of req.subscribedTopicNames ?? []) if (!c.allowed(DESCRIBE, TOPIC, t)) return deny(TOPIC_DENIED);
  if (
    req.subscribedTopicRegex !== null &&
    req.subscribedTopicRegex !== undefined &&
    req.subscribedTopicRegex !== '' &&
    !c.superUser
  )
    return deny(TOPIC_DENIED);
  if (!c.superUser || !c.restrictsAny) return null;
  return {
    kind: 'forward',
    response: (res) => {
      if (res.assignment !== null)
        res.assignment.topicPartitions = res.assignment.topicPartitions.filter((tp) => !restrictedId(c, tp.topicId));
      return res;
    },
  };
}

/** Whether a topic id stands for one of the proxy's own topics, off limits to this caller. */
export function restrictedId(c: AuthzContext, id: Buffer): boolean {
  const name = c.topicName(id);
  return name !== null && c.restricted(name);
}

export function checkConsumerGroupDescribe(
  c: AuthzContext,
  v: number,
  req: consumerGroupDescribe.Request,
): VerdictFor<'ConsumerGroupDescribe'> {
  const verdict = split(ApiKey.ConsumerGroupDescribe, {
    items: req.groupIds,
    decide: (g) => (c.allowed(DESCRIBE, GROUP, g) ? 0 : GROUP_DENIED),
    withItems: (groupIds) => ({ ...req, groupIds }),
    denied: (groupId, code) => ({
      ...consumerGroupDescribe.defaultResponseDescribedGroup(),
      groupId,
      errorCode: code,
      errorMessage: msg(code),
    }),
    empty: consumerGroupDescribe.defaultResponse,
    list: (r) => r.groups,
    reqKey: (g) => g,
    resKey: (g) => g.groupId,
  });
  if (verdict?.kind === 'answer') return verdict;
  if (!req.includeAuthorizedOperations && c.open && !c.restrictsAny) return verdict;
  return thenResponse(ApiKey.ConsumerGroupDescribe, verdict, (res) => {
    if (req.includeAuthorizedOperations)
      for (const g of res.groups)
        if (g.errorCode === 0) g.authorizedOperations = authorizedOperations(c, GROUP, g.groupId);
    const topicsOf = (m: consumerGroupDescribe.ResponseMember) =>
      [...m.assignment.topicPartitions, ...m.targetAssignment.topicPartitions].map((tp) => tp.topicName);
    res.groups = hideGroupsNamingHiddenTopics(
      c,
      res.groups,
      topicsOf,
      consumerGroupDescribe.defaultResponseDescribedGroup,
    );
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
export function hideGroupsNamingHiddenTopics<
  M,
  G extends { groupId: string; errorCode: number; errorMessage: string | null; members: M[] },
>(c: AuthzContext, groups: G[], topicsOf: (member: M) => string[], blank: () => G): G[] {
  const verdicts = new Map<string, boolean>();
  const visible = (t: string) => {
    let ok = verdicts.get(t);
    if (ok === undefined) verdicts.set(t, (ok = c.allowed(DESCRIBE, TOPIC, t)));
    return ok;
  };
  return groups.map((g) => {
    const hidden = g.members.some((m) => !topicsOf(m).every(visible));
    return hidden
      ? { ...blank(), groupId: g.groupId, errorCode: TOPIC_DENIED, errorMessage: HIDDEN_TOPICS_MESSAGE, members: [] }
      : g;
  });
}
