// Creating and deleting topics, partitions and records.
import { ApiKey } from '../../protocol/generated/index.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { ZERO_UUID } from '../../protocol/constants.js';
import * as createTopics from '../../protocol/generated/create-topics.js';
import * as deleteTopics from '../../protocol/generated/delete-topics.js';
import * as deleteRecords from '../../protocol/generated/delete-records.js';
import * as createPartitions from '../../protocol/generated/create-partitions.js';
import { CLUSTER_NAME } from '../model.js';
import {
  AUDIT_IF_ALLOWED,
  INTERNAL_TOPICS,
  CLUSTER_METADATA_TOPIC,
  thenResponse,
  decideTopic,
  hex,
  msg,
  TOPIC,
  CLUSTER,
  CREATE,
  DELETE,
  ALTER,
  DESCRIBE_CONFIGS,
  TOPIC_DENIED,
  type AuthzContext,
  type VerdictFor,
} from './context.js';
import { split } from './split.js';

/**
 * CreateTopics: CREATE on the cluster, else on each topic (29); the proxy's own topics never.
 * KRaft's metadata log is INVALID_REQUEST, as Kafka answers. The configs a v5+ response returns
 * are hidden (topicConfigErrorCode 29) for topics the caller may not DESCRIBE_CONFIGS, as Kafka does.
 */
export function checkCreateTopics(c: AuthzContext, v: number, req: createTopics.Request): VerdictFor<'CreateTopics'> {
  const hideConfigs = (r: createTopics.Response) => {
    for (const t of r.topics) {
      if (t.errorCode === 0 && !c.allowed(DESCRIBE_CONFIGS, TOPIC, t.name, AUDIT_IF_ALLOWED))
        Object.assign(t, { topicConfigErrorCode: TOPIC_DENIED, numPartitions: -1, replicationFactor: -1, configs: [] });
    }
    return r;
  };
  // As Kafka (ControllerApis.handleCreateTopics): the cluster grant is audited when it allows; its
  // denial is no refusal yet, CREATE on each topic decides then.
  const cluster = c.allowed(CREATE, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED);
  const verdict = split(ApiKey.CreateTopics, {
    items: req.topics,
    decide: (t) =>
      t.name === CLUSTER_METADATA_TOPIC
        ? ErrorCode.INVALID_REQUEST
        : cluster && !c.restricted(t.name)
          ? 0
          : decideTopic(c, CREATE)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...createTopics.defaultResponseCreatableTopicResult(),
      name: t.name,
      errorCode: code,
      errorMessage: msg(code),
    }),
    empty: createTopics.defaultResponse,
    list: (r) => r.topics,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
  if (verdict?.kind === 'answer' || v < 5) return verdict;
  return thenResponse(ApiKey.CreateTopics, verdict, hideConfigs);
}

/**
 * DeleteTopics: DELETE on the cluster, else on each topic (29); the proxy's own topics never. A
 * topic named by an id the proxy has not learned is UNKNOWN_TOPIC_ID, unless the cluster grant or
 * the absence of an authorizer lets the broker resolve it (the proxy knows its own topics' ids).
 */
export function checkDeleteTopics(c: AuthzContext, v: number, req: deleteTopics.Request): VerdictFor<'DeleteTopics'> {
  // As Kafka (ControllerApis.handleDeleteTopics): audited when it allows, no refusal when it does not.
  const cluster = c.allowed(DELETE, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED);
  const decideName = (name: string) => (cluster && !c.restricted(name) ? 0 : decideTopic(c, DELETE)(name));
  const result = (name: string | null, topicId: Buffer, code: number) => ({
    ...deleteTopics.defaultResponseDeletableTopicResult(),
    name,
    topicId,
    errorCode: code,
    errorMessage: msg(code),
  });
  const common = { empty: deleteTopics.defaultResponse, list: (r: deleteTopics.Response) => r.responses };
  if (v < 6) {
    return split(ApiKey.DeleteTopics, {
      ...common,
      items: req.topicNames,
      decide: decideName,
      withItems: (topicNames) => ({ ...req, topicNames }),
      denied: (name, code) => result(name, ZERO_UUID, code),
      reqKey: (n) => n,
      resKey: (r) => r.name ?? '',
    });
  }
  return split(ApiKey.DeleteTopics, {
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
export function checkDeleteRecords(
  c: AuthzContext,
  v: number,
  req: deleteRecords.Request,
): VerdictFor<'DeleteRecords'> {
  return split(ApiKey.DeleteRecords, {
    items: req.topics,
    decide: (t) =>
      decideTopic(c, DELETE)(t.name) || (INTERNAL_TOPICS.has(t.name) ? ErrorCode.INVALID_TOPIC_EXCEPTION : 0),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...deleteRecords.defaultResponseTopicResult(),
      name: t.name,
      partitions: t.partitions.map((p) => ({
        ...deleteRecords.defaultResponsePartitionResult(),
        partitionIndex: p.partitionIndex,
        lowWatermark: -1n,
        errorCode: code,
      })),
    }),
    empty: deleteRecords.defaultResponse,
    list: (r) => r.topics,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

export function checkCreatePartitions(
  c: AuthzContext,
  v: number,
  req: createPartitions.Request,
): VerdictFor<'CreatePartitions'> {
  return split(ApiKey.CreatePartitions, {
    items: req.topics,
    decide: (t) => decideTopic(c, ALTER)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...createPartitions.defaultResponseTopicResult(),
      name: t.name,
      errorCode: code,
      errorMessage: msg(code),
    }),
    empty: createPartitions.defaultResponse,
    list: (r) => r.results,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}
