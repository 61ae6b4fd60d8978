// Share groups (KIP-932): the checks Kafka 4.4's KafkaApis makes for ShareGroupHeartbeat,
// ShareGroupDescribe, ShareFetch, ShareAcknowledge and the share-group offsets APIs, read from its
// handlers (handleShareGroupHeartbeat, handleShareFetchRequest, ...). Without an authorizer the
// same checks enforce only the proxy's own topics (AuthzContext.allowed allows everything else).
import { ZERO_UUID } from '../../protocol/constants.js';
import { ErrorCode, ERRORS } from '../../protocol/generated/error-codes.js';
import * as shareGroupHeartbeat from '../../protocol/generated/share-group-heartbeat.js';
import * as shareGroupDescribe from '../../protocol/generated/share-group-describe.js';
import * as shareFetch from '../../protocol/generated/share-fetch.js';
import * as shareAcknowledge from '../../protocol/generated/share-acknowledge.js';
import * as describeOffsets from '../../protocol/generated/describe-share-group-offsets.js';
import * as alterOffsets from '../../protocol/generated/alter-share-group-offsets.js';
import * as deleteOffsets from '../../protocol/generated/delete-share-group-offsets.js';
import { Operation, ResourceType, type OperationCode } from '../model.js';
import { ApiKey, type ApiKeyCode, type RequestOf, type ResponseOf } from '../../protocol/generated/index.js';
import {
  AUDIT_IF_DENIED,
  authorizedOperations,
  type AuthzContext,
  type VerdictFor,
  type VerdictOf,
} from './context.js';
import { hideGroupsNamingHiddenTopics } from './groups.js';
import { mergeInOrder, split } from './split.js';

const { TOPIC, GROUP } = ResourceType;
const { READ, DESCRIBE, DELETE } = Operation;
const TOPIC_DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;

function defaultMessage(code: number): string | null {
  return ERRORS.get(code)?.message ?? null;
}

/**
 * ShareGroupHeartbeat: READ on the group (30), then DESCRIBE on every subscribed topic (29, with
 * no message, as Kafka answers).
 */
export function checkShareGroupHeartbeat(
  c: AuthzContext,
  v: number,
  req: shareGroupHeartbeat.Request,
): VerdictFor<'ShareGroupHeartbeat'> {
  const deny = (code: number): VerdictFor<'ShareGroupHeartbeat'> => ({
    kind: 'answer',
    response: { ...shareGroupHeartbeat.defaultResponse(), errorCode: code },
  });
  if (!c.allowed(READ, GROUP, req.groupId)) return deny(GROUP_DENIED);
  const topics = [...new Set(req.subscribedTopicNames ?? [])];
  // Every topic is decided (and audited), as Kafka's filterByAuthorized does, before the answer.
  const denied = topics.filter((t) => !c.allowed(DESCRIBE, TOPIC, t));
  return denied.length > 0 ? deny(TOPIC_DENIED) : null;
}

/**
 * ShareGroupDescribe: DESCRIBE on each group (30); the authorized-operations bitfield from the
 * proxy's ACLs; a group whose members are assigned a topic the caller may not DESCRIBE comes back
 * as 29 without its members.
 */
export function checkShareGroupDescribe(
  c: AuthzContext,
  v: number,
  req: shareGroupDescribe.Request,
): VerdictFor<'ShareGroupDescribe'> {
  type G = shareGroupDescribe.ResponseDescribedGroup;
  const deniedAt = new Map<number, G>();
  req.groupIds.forEach((groupId, i) => {
    if (!c.allowed(DESCRIBE, GROUP, groupId))
      deniedAt.set(i, { ...shareGroupDescribe.defaultResponseDescribedGroup(), groupId, errorCode: GROUP_DENIED });
  });
  if (deniedAt.size === req.groupIds.length)
    return { kind: 'answer', response: { ...shareGroupDescribe.defaultResponse(), groups: [...deniedAt.values()] } };
  if (deniedAt.size === 0 && c.open && !c.restrictsAny && !req.includeAuthorizedOperations) return null;
  return {
    kind: 'forward',
    request: deniedAt.size === 0 ? undefined : { ...req, groupIds: req.groupIds.filter((_, i) => !deniedAt.has(i)) },
    response: (res) => {
      let groups = mergeInOrder(
        req.groupIds,
        deniedAt,
        res.groups,
        (g) => g,
        (g) => g.groupId,
      );
      if (req.includeAuthorizedOperations)
        for (const g of groups)
          if (g.errorCode === 0) g.authorizedOperations = authorizedOperations(c, GROUP, g.groupId);
      groups = hideGroupsNamingHiddenTopics(
        c,
        groups,
        (m: shareGroupDescribe.ResponseMember) => m.assignment.topicPartitions.map((tp) => tp.topicName),
        shareGroupDescribe.defaultResponseDescribedGroup,
      );
      res.groups = groups;
      return res;
    },
  };
}

/**
 * What a share-session request (ShareFetch, ShareAcknowledge) needs of one topic: 0, or the error
 * its partitions get. With ACLs on a topic id the proxy has not learned is UNKNOWN_TOPIC_ID (the
 * client refreshes its metadata, which teaches the proxy the id); without, it goes to the broker.
 */
function decideShareTopic(c: AuthzContext, id: Buffer): number {
  const name = c.topicName(id);
  if (name === null) return c.open ? 0 : ErrorCode.UNKNOWN_TOPIC_ID;
  return c.allowed(READ, TOPIC, name) ? 0 : TOPIC_DENIED;
}

interface ShareSessionShape<K extends ApiKeyCode, Q, R> {
  items: readonly Q[];
  withItems: (items: Q[]) => RequestOf<K>;
  /** The response entry for a refused request topic, its partitions failing with `code`. */
  denied: (q: Q, code: number) => R;
  /** A response entry for a topic of the session the caller may no longer read. */
  revoked: (r: R, code: number) => R;
  /** The response's entry list (replaced in place). */
  list: (r: ResponseOf<K>) => R[];
  groupDenied: () => ResponseOf<K>;
}

/**
 * ShareFetch and ShareAcknowledge, as Kafka checks them: READ on the group (the whole request
 * fails with 30), then READ on each topic. A refused topic is taken out of the request, so the
 * broker never acquires its records for this member, and answered with its error next to the
 * broker's answer; the request always goes on, as each share-session epoch must reach the broker.
 * A share session serves partitions the request does not name (they joined it earlier), and Kafka
 * checks every one on every request: the proxy checks each topic of the answer, and one the caller
 * may no longer read (its ACL was removed during the session) is answered with 29 and none of its
 * records. Those records were acquired for the member all the same; the broker releases them when
 * their acquisition lock times out.
 */
function shareSessionCheck<K extends ApiKeyCode, Q extends { topicId: Buffer }, R extends { topicId: Buffer }>(
  key: K,
  c: AuthzContext,
  groupId: string | null,
  shape: ShareSessionShape<K, Q, R>,
): VerdictOf<K> {
  if (groupId === null) return null; // the broker answers INVALID_REQUEST before it looks at anything
  if (!c.allowed(READ, GROUP, groupId)) return { kind: 'answer', response: shape.groupDenied() };
  const named = new Set<string>();
  const denied: R[] = [];
  const kept = shape.items.filter((q) => {
    named.add(q.topicId.toString('hex'));
    const code = decideShareTopic(c, q.topicId);
    if (code !== 0) denied.push(shape.denied(q, code));
    return code === 0;
  });
  // Without an authorizer only the proxy's own topics are refused, and a refused topic never
  // reaches the broker, so it never enters a session: the answer needs no second look.
  if (denied.length === 0 && c.open) return null;
  return {
    kind: 'forward',
    request: denied.length === 0 ? undefined : shape.withItems(kept),
    response: (r) => {
      const list = shape.list(r);
      const entries = list.map((x) => {
        if (named.has(x.topicId.toString('hex'))) return x;
        const code = recheckSessionTopic(c, x.topicId);
        return code === 0 ? x : shape.revoked(x, code);
      });
      list.length = 0;
      for (const x of [...entries, ...denied]) list.push(x);
      return r;
    },
  };
}

/** A topic the answer carries that the request did not name: decided again, recorded only when refused. */
function recheckSessionTopic(c: AuthzContext, id: Buffer): number {
  const name = c.topicName(id);
  if (name === null) return c.open ? 0 : ErrorCode.UNKNOWN_TOPIC_ID;
  return c.allowed(READ, TOPIC, name, AUDIT_IF_DENIED) ? 0 : TOPIC_DENIED;
}

function fetchPartitionError(
  partitionIndex: number,
  code: number,
  acknowledged: boolean,
): shareFetch.ResponsePartitionData {
  return {
    ...shareFetch.defaultResponsePartitionData(),
    partitionIndex,
    errorCode: code,
    acknowledgeErrorCode: acknowledged ? code : 0,
    records: Buffer.alloc(0),
  };
}

export function checkShareFetch(c: AuthzContext, v: number, req: shareFetch.Request): VerdictFor<'ShareFetch'> {
  type RT = shareFetch.ResponseShareFetchableTopicResponse;
  return shareSessionCheck<typeof ApiKey.ShareFetch, shareFetch.RequestFetchTopic, RT>(
    ApiKey.ShareFetch,
    c,
    req.groupId,
    {
      items: req.topics,
      withItems: (topics) => ({ ...req, topics }),
      denied: (t, code) => ({
        ...shareFetch.defaultResponseShareFetchableTopicResponse(),
        topicId: t.topicId,
        partitions: t.partitions.map((p) =>
          fetchPartitionError(p.partitionIndex, code, p.acknowledgementBatches.length > 0),
        ),
      }),
      revoked: (t, code) => ({
        ...t,
        partitions: t.partitions.map((p) => fetchPartitionError(p.partitionIndex, code, p.acknowledgeErrorCode !== 0)),
      }),
      list: (r) => r.responses,
      groupDenied: () => ({ ...shareFetch.defaultResponse(), errorCode: GROUP_DENIED }),
    },
  );
}

export function checkShareAcknowledge(
  c: AuthzContext,
  v: number,
  req: shareAcknowledge.Request,
): VerdictFor<'ShareAcknowledge'> {
  type RT = shareAcknowledge.ResponseTopicResponse;
  const partition = (partitionIndex: number, code: number) => ({
    ...shareAcknowledge.defaultResponsePartitionData(),
    partitionIndex,
    errorCode: code,
  });
  return shareSessionCheck<typeof ApiKey.ShareAcknowledge, shareAcknowledge.RequestAcknowledgeTopic, RT>(
    ApiKey.ShareAcknowledge,
    c,
    req.groupId,
    {
      items: req.topics,
      withItems: (topics) => ({ ...req, topics }),
      denied: (t, code) => ({
        ...shareAcknowledge.defaultResponseTopicResponse(),
        topicId: t.topicId,
        partitions: t.partitions.map((p) => partition(p.partitionIndex, code)),
      }),
      revoked: (t, code) => ({ ...t, partitions: t.partitions.map((p) => partition(p.partitionIndex, code)) }),
      list: (r) => r.responses,
      groupDenied: () => ({ ...shareAcknowledge.defaultResponse(), errorCode: GROUP_DENIED }),
    },
  );
}

/**
 * DescribeShareGroupOffsets: DESCRIBE on each group (30 on the group); a group asked for all its
 * topics comes back without those the caller may not DESCRIBE, and a named topic it may not
 * DESCRIBE gets 29 on each partition (offset and lag -1), as Kafka answers.
 */
export function checkDescribeShareGroupOffsets(
  c: AuthzContext,
  v: number,
  req: describeOffsets.Request,
): VerdictFor<'DescribeShareGroupOffsets'> {
  type RG = describeOffsets.ResponseGroup;
  type RT = describeOffsets.ResponseTopic;
  const deniedGroups = new Map<number, RG>();
  const deniedTopics = new Map<number, RT[]>();
  const groups = req.groups.flatMap((g, i) => {
    if (!c.allowed(DESCRIBE, GROUP, g.groupId)) {
      deniedGroups.set(i, { ...describeOffsets.defaultResponseGroup(), groupId: g.groupId, errorCode: GROUP_DENIED });
      return [];
    }
    if (g.topics === null) return [g];
    const refused: RT[] = [];
    const topics = g.topics.filter((t) => {
      if (c.allowed(DESCRIBE, TOPIC, t.topicName)) return true;
      refused.push({
        ...describeOffsets.defaultResponseTopic(),
        topicName: t.topicName,
        topicId: ZERO_UUID,
        partitions: t.partitions.map((p) => ({
          ...describeOffsets.defaultResponsePartition(),
          partitionIndex: p,
          startOffset: -1n,
          lag: -1n,
          errorCode: TOPIC_DENIED,
          errorMessage: defaultMessage(TOPIC_DENIED),
        })),
      });
      return false;
    });
    deniedTopics.set(i, refused);
    return [{ ...g, topics }];
  });
  const finish = (res: describeOffsets.Response) => {
    const byId = new Map<string, RG[]>();
    for (const g of res.groups) byId.set(g.groupId, [...(byId.get(g.groupId) ?? []), g]);
    const out: RG[] = [];
    req.groups.forEach((q, i) => {
      const d = deniedGroups.get(i);
      if (d !== undefined) return void out.push(d);
      const g = byId.get(q.groupId)?.shift();
      if (g === undefined) return;
      const refused = deniedTopics.get(i);
      if (refused === undefined) g.topics = g.topics.filter((t) => c.allowed(DESCRIBE, TOPIC, t.topicName));
      else {
        const asked = new Set(q.topics!.map((t) => t.topicName).filter((n) => !refused.some((r) => r.topicName === n)));
        g.topics = [...g.topics.filter((t) => asked.has(t.topicName)), ...refused];
      }
      out.push(g);
    });
    res.groups = out;
    return res;
  };
  if (groups.length === 0) return { kind: 'answer', response: finish(describeOffsets.defaultResponse()) };
  return { kind: 'forward', request: { ...req, groups }, response: finish };
}

/**
 * The two share-group offsets changes: `groupOp` on the group (the whole request fails with 30
 * and its default message), then READ on each topic; a refused topic is not forwarded and comes
 * back with 29 (its id left zero: the caller may not learn it).
 */
function offsetsChange<
  K extends typeof ApiKey.AlterShareGroupOffsets | typeof ApiKey.DeleteShareGroupOffsets,
  Q extends { topicName: string },
  R extends { topicName: string },
>(
  key: K,
  c: AuthzContext,
  groupOp: OperationCode,
  req: { groupId: string; topics: Q[] },
  shape: {
    withTopics: (topics: Q[]) => RequestOf<K>;
    empty: () => ResponseOf<K>;
    list: (r: ResponseOf<K>) => R[];
    denied: (q: Q) => R;
  },
): VerdictOf<K> {
  if (!c.allowed(groupOp, GROUP, req.groupId))
    return {
      kind: 'answer',
      response: { ...shape.empty(), errorCode: GROUP_DENIED, errorMessage: defaultMessage(GROUP_DENIED) },
    };
  return split(key, {
    items: req.topics,
    decide: (t) => (c.allowed(READ, TOPIC, t.topicName) ? 0 : TOPIC_DENIED),
    withItems: shape.withTopics,
    denied: (t) => shape.denied(t),
    empty: shape.empty,
    list: shape.list,
    reqKey: (t) => t.topicName,
    resKey: (t) => t.topicName,
  });
}

/** AlterShareGroupOffsets: READ on the group, READ on each topic (29 on each of its partitions). */
export function checkAlterShareGroupOffsets(
  c: AuthzContext,
  v: number,
  req: alterOffsets.Request,
): VerdictFor<'AlterShareGroupOffsets'> {
  return offsetsChange(ApiKey.AlterShareGroupOffsets, c, READ, req, {
    withTopics: (topics) => ({ ...req, topics }),
    empty: alterOffsets.defaultResponse,
    list: (r) => r.responses,
    denied: (t) => ({
      ...alterOffsets.defaultResponseTopic(),
      topicName: t.topicName,
      topicId: ZERO_UUID,
      partitions: t.partitions.map((p) => ({
        ...alterOffsets.defaultResponsePartition(),
        partitionIndex: p.partitionIndex,
        errorCode: TOPIC_DENIED,
        errorMessage: defaultMessage(TOPIC_DENIED),
      })),
    }),
  });
}

/** DeleteShareGroupOffsets: DELETE on the group, READ on each topic (29 on the topic). */
export function checkDeleteShareGroupOffsets(
  c: AuthzContext,
  v: number,
  req: deleteOffsets.Request,
): VerdictFor<'DeleteShareGroupOffsets'> {
  return offsetsChange(ApiKey.DeleteShareGroupOffsets, c, DELETE, req, {
    withTopics: (topics) => ({ ...req, topics }),
    empty: deleteOffsets.defaultResponse,
    list: (r) => r.responses,
    denied: (t) => ({
      ...deleteOffsets.defaultResponseTopic(),
      topicName: t.topicName,
      topicId: ZERO_UUID,
      errorCode: TOPIC_DENIED,
      errorMessage: defaultMessage(TOPIC_DENIED),
    }),
  });
}
