// A group's committed offsets: OffsetCommit, OffsetFetch, OffsetDelete.
import { ApiKey } from '../../protocol/generated/index.js';
import { errorResponseOf } from '../../protocol/error-response.js';
import * as offsetCommit from '../../protocol/generated/offset-commit.js';
import * as offsetFetch from '../../protocol/generated/offset-fetch.js';
import * as offsetDelete from '../../protocol/generated/offset-delete.js';
import {
  decideTopic,
  TOPIC,
  GROUP,
  READ,
  DELETE,
  DESCRIBE,
  TOPIC_DENIED,
  GROUP_DENIED,
  type AuthzContext,
  type VerdictFor,
} from './context.js';
import { split, mergeInOrder } from './split.js';

export function checkOffsetCommit(c: AuthzContext, v: number, req: offsetCommit.Request): VerdictFor<'OffsetCommit'> {
  if (!c.allowed(READ, GROUP, req.groupId))
    return { kind: 'answer', response: errorResponseOf(ApiKey.OffsetCommit, req, GROUP_DENIED) };
  return split(ApiKey.OffsetCommit, {
    items: req.topics,
    decide: (t) => decideTopic(c, READ)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => errorResponseOf(ApiKey.OffsetCommit, { ...req, topics: [t] }, code).topics[0]!,
    empty: offsetCommit.defaultResponse,
    list: (r) => r.topics,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

/** The response topics of one OffsetFetch group: all-topics fetches drop undescribable topics. */
export function filterOffsetTopics<T extends { name: string }>(c: AuthzContext, topics: T[]): T[] {
  return topics.filter((t) => c.allowed(DESCRIBE, TOPIC, t.name));
}

/**
 * An OffsetFetch topic refused with `code`: every partition it asked for, with no committed offset
 * and the error. v8+'s group topics (RequestTopics, ResponseTopics) have the same fields and
 * defaults as v0-7's, so one answer serves both.
 */
function refusedOffsetTopic(t: offsetFetch.RequestTopic, code: number): offsetFetch.ResponseTopic {
  return {
    ...offsetFetch.defaultResponseTopic(),
    name: t.name,
    partitions: t.partitionIndexes.map((p) => ({
      ...offsetFetch.defaultResponsePartition(),
      partitionIndex: p,
      committedOffset: -1n,
      errorCode: code,
    })),
  };
}

export function checkOffsetFetch(c: AuthzContext, v: number, req: offsetFetch.Request): VerdictFor<'OffsetFetch'> {
  return v < 8 ? checkOffsetFetchOneGroup(c, req) : checkOffsetFetchGroups(c, req);
}

/** v0-7: one group, then its topics. */
function checkOffsetFetchOneGroup(c: AuthzContext, req: offsetFetch.Request): VerdictFor<'OffsetFetch'> {
  if (!c.allowed(DESCRIBE, GROUP, req.groupId)) {
    const res = offsetFetch.defaultResponse();
    res.errorCode = GROUP_DENIED;
    // v0-1 have no top-level error: the error goes on every named partition.
    res.topics = (req.topics ?? []).map((t) => refusedOffsetTopic(t, GROUP_DENIED));
    return { kind: 'answer', response: res };
  }
  if (req.topics === null) {
    return { kind: 'forward', response: (r) => ((r.topics = filterOffsetTopics(c, r.topics)), r) };
  }
  return split(ApiKey.OffsetFetch, {
    items: req.topics,
    decide: (t) => decideTopic(c, DESCRIBE)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: refusedOffsetTopic,
    empty: offsetFetch.defaultResponse,
    list: (r) => r.topics,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

/**
 * v8+: several groups, each checked on its own, then its topics. A group id may appear more
 * than once: request and response groups are paired by position among those of the same id.
 */
function checkOffsetFetchGroups(c: AuthzContext, req: offsetFetch.Request): VerdictFor<'OffsetFetch'> {
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
      d.set(j, refusedOffsetTopic(t, TOPIC_DENIED));
      return false;
    });
    if (d.size > 0) {
      changed = true;
      deniedTopics.set(i, d);
    }
    groups.push({ ...g, topics });
  });
  if (!changed) return null;
  const finish = (res: offsetFetch.Response) => mergeOffsetGroups(c, req, deniedGroups, deniedTopics, res);
  if (groups.length === 0) return { kind: 'answer', response: finish(offsetFetch.defaultResponse()) };
  return { kind: 'forward', request: { ...req, groups }, response: finish };
}

export function checkOffsetDelete(c: AuthzContext, v: number, req: offsetDelete.Request): VerdictFor<'OffsetDelete'> {
  if (!c.allowed(DELETE, GROUP, req.groupId))
    return { kind: 'answer', response: { ...offsetDelete.defaultResponse(), errorCode: GROUP_DENIED } };
  return split(ApiKey.OffsetDelete, {
    items: req.topics,
    decide: (t) => decideTopic(c, READ)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...offsetDelete.defaultResponseTopic(),
      name: t.name,
      partitions: t.partitions.map((p) => ({
        ...offsetDelete.defaultResponsePartition(),
        partitionIndex: p.partitionIndex,
        errorCode: code,
      })),
    }),
    empty: offsetDelete.defaultResponse,
    list: (r) => r.topics,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

/** The v8+ answer in request order: denied groups as decided, each allowed one with its topics merged or filtered. */
function mergeOffsetGroups(
  c: AuthzContext,
  req: offsetFetch.Request,
  deniedGroups: ReadonlyMap<number, offsetFetch.ResponseGroup>,
  deniedTopics: ReadonlyMap<number, Map<number, offsetFetch.ResponseTopics>>,
  res: offsetFetch.Response,
): offsetFetch.Response {
  type RG = offsetFetch.ResponseGroup;
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
    else
      rg.topics = mergeInOrder(
        g.topics,
        deniedTopics.get(i) ?? new Map(),
        rg.topics,
        (t) => t.name,
        (t) => t.name,
      );
    out.push(rg);
  });
  res.groups = out;
  return res;
}
