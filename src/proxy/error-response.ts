import { API_SPECS, ApiKey } from '../protocol/generated/index.js';
import { ERRORS } from '../protocol/generated/error-codes.js';
import * as produce from '../protocol/generated/produce.js';
import * as fetch from '../protocol/generated/fetch.js';
import * as listOffsets from '../protocol/generated/list-offsets.js';
import * as metadata from '../protocol/generated/metadata.js';
import * as offsetCommit from '../protocol/generated/offset-commit.js';
import * as offsetFetch from '../protocol/generated/offset-fetch.js';
import * as findCoordinator from '../protocol/generated/find-coordinator.js';
import * as describeGroups from '../protocol/generated/describe-groups.js';
import * as createTopics from '../protocol/generated/create-topics.js';
import * as deleteTopics from '../protocol/generated/delete-topics.js';

/**
 * The response a broker sends when a whole request fails with `errorCode` (Kafka's
 * AbstractRequest.getErrorResponse): the error on every resource the request names for the APIs
 * that report per resource, else in the top-level error code (with its default message where the
 * response has one). Every other field keeps its default.
 */
export function errorResponse(apiKey: number, request: unknown, errorCode: number): unknown {
  const message = ERRORS.get(errorCode)?.message ?? null;
  switch (apiKey) {
    case ApiKey.Produce: {
      const req = request as produce.Request;
      const res = produce.defaultResponse();
      res.responses = req.topicData.map((t) => ({
        ...produce.defaultResponseTopicProduceResponse(),
        name: t.name,
        partitionResponses: t.partitionData.map((p) => ({ ...produce.defaultResponsePartitionProduceResponse(), index: p.index, errorCode, baseOffset: -1n })),
      }));
      return res;
    }
    case ApiKey.Fetch: {
      const req = request as fetch.Request;
      const res = fetch.defaultResponse();
      res.errorCode = errorCode;
      res.responses = req.topics.map((t) => ({
        ...fetch.defaultResponseFetchableTopicResponse(),
        topic: t.topic,
        topicId: t.topicId,
        // Kafka sends empty records (MemoryRecords.EMPTY) with an error, never null: librdkafka rejects a null record set.
        partitions: t.partitions.map((p) => ({ ...fetch.defaultResponsePartitionData(), partitionIndex: p.partition, errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: Buffer.alloc(0) })),
      }));
      return res;
    }
    case ApiKey.ListOffsets: {
      const req = request as listOffsets.Request;
      const res = listOffsets.defaultResponse();
      res.topics = req.topics.map((t) => ({
        ...listOffsets.defaultResponseTopicResponse(),
        name: t.name,
        partitions: t.partitions.map((p) => ({ ...listOffsets.defaultResponsePartitionResponse(), partitionIndex: p.partitionIndex, errorCode })),
      }));
      return res;
    }
    case ApiKey.Metadata: {
      const req = request as metadata.Request;
      const res = metadata.defaultResponse();
      res.topics = (req.topics ?? []).map((t) => ({ ...metadata.defaultResponseTopic(), name: t.name, topicId: t.topicId, errorCode }));
      return res;
    }
    case ApiKey.OffsetCommit: {
      const req = request as offsetCommit.Request;
      const res = offsetCommit.defaultResponse();
      res.topics = req.topics.map((t) => ({
        ...offsetCommit.defaultResponseTopic(),
        name: t.name,
        partitions: t.partitions.map((p) => ({ ...offsetCommit.defaultResponsePartition(), partitionIndex: p.partitionIndex, errorCode })),
      }));
      return res;
    }
    case ApiKey.OffsetFetch: {
      const req = request as offsetFetch.Request;
      const res = offsetFetch.defaultResponse();
      res.errorCode = errorCode;
      res.groups = req.groups.map((g) => ({ ...offsetFetch.defaultResponseGroup(), groupId: g.groupId, errorCode }));
      return res;
    }
    case ApiKey.FindCoordinator: {
      const req = request as findCoordinator.Request;
      const res = findCoordinator.defaultResponse();
      Object.assign(res, { errorCode, errorMessage: message, nodeId: -1, host: '', port: -1 });
      res.coordinators = req.coordinatorKeys.map((key) => ({ ...findCoordinator.defaultResponseCoordinator(), key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: message }));
      return res;
    }
    case ApiKey.DescribeGroups: {
      const req = request as describeGroups.Request;
      const res = describeGroups.defaultResponse();
      res.groups = req.groups.map((groupId) => ({ ...describeGroups.defaultResponseDescribedGroup(), groupId, errorCode }));
      return res;
    }
    case ApiKey.CreateTopics: {
      const req = request as createTopics.Request;
      const res = createTopics.defaultResponse();
      res.topics = req.topics.map((t) => ({ ...createTopics.defaultResponseCreatableTopicResult(), name: t.name, errorCode, errorMessage: message }));
      return res;
    }
    case ApiKey.DeleteTopics: {
      const req = request as deleteTopics.Request;
      const res = deleteTopics.defaultResponse();
      const names = req.topics.length > 0 ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : req.topicNames.map((name) => ({ name, topicId: Buffer.alloc(16) }));
      res.responses = names.map((n) => ({ ...deleteTopics.defaultResponseDeletableTopicResult(), ...n, errorCode, errorMessage: message }));
      return res;
    }
    default: {
      const res = API_SPECS.get(apiKey)!.defaultResponse() as Record<string, unknown>;
      if ('errorCode' in res) res.errorCode = errorCode;
      if ('errorMessage' in res) res.errorMessage = message;
      return res;
    }
  }
}
