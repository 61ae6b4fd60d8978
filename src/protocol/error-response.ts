import { ApiKey, apiSpec, type ApiKeyCode, type RequestOf, type ResponseOf } from './generated/index.js';
import { ERRORS } from './generated/error-codes.js';
import * as produce from './generated/produce.js';
import * as fetch from './generated/fetch.js';
import * as listOffsets from './generated/list-offsets.js';
import * as metadata from './generated/metadata.js';
import * as offsetCommit from './generated/offset-commit.js';
import * as offsetFetch from './generated/offset-fetch.js';
import * as findCoordinator from './generated/find-coordinator.js';
import * as describeGroups from './generated/describe-groups.js';
import * as createTopics from './generated/create-topics.js';
import * as deleteTopics from './generated/delete-topics.js';

/** Builds an API's answer to a request that fails whole, for the APIs that report per resource. */
type ErrorBuilder<K extends ApiKeyCode> = (
  request: RequestOf<K>,
  errorCode: number,
  message: string | null,
) => ResponseOf<K>;

const PER_RESOURCE: { readonly [K in ApiKeyCode]?: ErrorBuilder<K> } = {
  [ApiKey.Produce]: (req, errorCode) => {
    const res = produce.defaultResponse();
    res.responses = req.topicData.map((t) => ({
      ...produce.defaultResponseTopicProduceResponse(),
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({
        ...produce.defaultResponsePartitionProduceResponse(),
        index: p.index,
        errorCode,
        baseOffset: -1n,
      })),
    }));
    return res;
  },
  [ApiKey.Fetch]: (req, errorCode) => {
    const res = fetch.defaultResponse();
    res.errorCode = errorCode;
    res.responses = req.topics.map((t) => ({
      ...fetch.defaultResponseFetchableTopicResponse(),
      topic: t.topic,
      topicId: t.topicId,
      // Kafka sends empty records (MemoryRecords.EMPTY) with an error, never null: librdkafka rejects a null record set.
      partitions: t.partitions.map((p) => ({
        ...fetch.defaultResponsePartitionData(),
        partitionIndex: p.partition,
        errorCode,
        highWatermark: -1n,
        lastStableOffset: -1n,
        logStartOffset: -1n,
        records: Buffer.alloc(0),
      })),
    }));
    return res;
  },
  [ApiKey.ListOffsets]: (req, errorCode) => {
    const res = listOffsets.defaultResponse();
    res.topics = req.topics.map((t) => ({
      ...listOffsets.defaultResponseTopicResponse(),
      name: t.name,
      partitions: t.partitions.map((p) => ({
        ...listOffsets.defaultResponsePartitionResponse(),
        partitionIndex: p.partitionIndex,
        errorCode,
      })),
    }));
    return res;
  },
  [ApiKey.Metadata]: (req, errorCode) => {
    const res = metadata.defaultResponse();
    res.topics = (req.topics ?? []).map((t) => ({
      ...metadata.defaultResponseTopic(),
      name: t.name,
      topicId: t.topicId,
      errorCode,
    }));
    return res;
  },
  [ApiKey.OffsetCommit]: (req, errorCode) => {
    const res = offsetCommit.defaultResponse();
    res.topics = req.topics.map((t) => ({
      ...offsetCommit.defaultResponseTopic(),
      name: t.name,
      partitions: t.partitions.map((p) => ({
        ...offsetCommit.defaultResponsePartition(),
        partitionIndex: p.partitionIndex,
        errorCode,
      })),
    }));
    return res;
  },
  [ApiKey.OffsetFetch]: (req, errorCode) => {
    const res = offsetFetch.defaultResponse();
    res.errorCode = errorCode;
    res.groups = req.groups.map((g) => ({ ...offsetFetch.defaultResponseGroup(), groupId: g.groupId, errorCode }));
    return res;
  },
  [ApiKey.FindCoordinator]: (req, errorCode, message) => {
    const res = findCoordinator.defaultResponse();
    Object.assign(res, { errorCode, errorMessage: message, nodeId: -1, host: '', port: -1 });
    res.coordinators = req.coordinatorKeys.map((key) => ({
      ...findCoordinator.defaultResponseCoordinator(),
      key,
      nodeId: -1,
      host: '',
      port: -1,
      errorCode,
      errorMessage: message,
    }));
    return res;
  },
  [ApiKey.DescribeGroups]: (req, errorCode) => {
    const res = describeGroups.defaultResponse();
    res.groups = req.groups.map((groupId) => ({
      ...describeGroups.defaultResponseDescribedGroup(),
      groupId,
      errorCode,
    }));
    return res;
  },
  [ApiKey.CreateTopics]: (req, errorCode, message) => {
    const res = createTopics.defaultResponse();
    res.topics = req.topics.map((t) => ({
      ...createTopics.defaultResponseCreatableTopicResult(),
      name: t.name,
      errorCode,
      errorMessage: message,
    }));
    return res;
  },
  [ApiKey.DeleteTopics]: (req, errorCode, message) => {
    const res = deleteTopics.defaultResponse();
    const names =
      req.topics.length > 0
        ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
        : req.topicNames.map((name) => ({ name, topicId: Buffer.alloc(16) }));
    res.responses = names.map((n) => ({
      ...deleteTopics.defaultResponseDeletableTopicResult(),
      ...n,
      errorCode,
      errorMessage: message,
    }));
    return res;
  },
};

/**
 * The response a broker sends when a whole request fails with `errorCode` (Kafka's
 * AbstractRequest.getErrorResponse): the error on every resource the request names for the APIs
 * that report per resource, else in the top-level error code (with its default message where the
 * response has one). Every other field keeps its default.
 */
export function errorResponseOf<K extends ApiKeyCode>(
  apiKey: K,
  request: RequestOf<K>,
  errorCode: number,
): ResponseOf<K> {
  const message = ERRORS.get(errorCode)?.message ?? null;
  const build = PER_RESOURCE[apiKey];
  if (build !== undefined) return build(request, errorCode, message);
  const res = apiSpec(apiKey).defaultResponse();
  if ('errorCode' in res) res.errorCode = errorCode;
  if ('errorMessage' in res) res.errorMessage = message;
  return res;
}
