// Requests of every API that names a topic, one topic (partition 0) each, built from the codecs'
// defaults so that they encode at the versions the tests use.
import * as produceC from '../../src/protocol/generated/produce.js';
import * as fetchC from '../../src/protocol/generated/fetch.js';
import * as listOffsetsC from '../../src/protocol/generated/list-offsets.js';
import * as epochC from '../../src/protocol/generated/offset-for-leader-epoch.js';
import * as deleteTopicsC from '../../src/protocol/generated/delete-topics.js';
import * as createPartitionsC from '../../src/protocol/generated/create-partitions.js';
import * as deleteRecordsC from '../../src/protocol/generated/delete-records.js';
import * as alterConfigsC from '../../src/protocol/generated/alter-configs.js';
import * as incrementalC from '../../src/protocol/generated/incremental-alter-configs.js';
import * as describeConfigsC from '../../src/protocol/generated/describe-configs.js';
import * as createTopicsC from '../../src/protocol/generated/create-topics.js';
import * as offsetCommitC from '../../src/protocol/generated/offset-commit.js';
import * as offsetFetchC from '../../src/protocol/generated/offset-fetch.js';
import * as offsetDeleteC from '../../src/protocol/generated/offset-delete.js';
import * as txnOffsetCommitC from '../../src/protocol/generated/txn-offset-commit.js';
import * as addPartitionsC from '../../src/protocol/generated/add-partitions-to-txn.js';
import * as describeProducersC from '../../src/protocol/generated/describe-producers.js';
import * as dtpC from '../../src/protocol/generated/describe-topic-partitions.js';
import * as cghC from '../../src/protocol/generated/consumer-group-heartbeat.js';
import * as sghC from '../../src/protocol/generated/share-group-heartbeat.js';
import * as shareFetchC from '../../src/protocol/generated/share-fetch.js';
import * as shareAckC from '../../src/protocol/generated/share-acknowledge.js';
import * as metadataC from '../../src/protocol/generated/metadata.js';

const TOPIC_CONFIG = 2;

export const produce = (topic: string, acks = -1): produceC.Request => ({
  ...produceC.defaultRequest(),
  acks,
  timeoutMs: 1000,
  topicData: [
    {
      ...produceC.defaultRequestTopicProduceData(),
      name: topic,
      partitionData: [{ ...produceC.defaultRequestPartitionProduceData(), index: 0, records: Buffer.alloc(0) }],
    },
  ],
});

const fetchPartition = () => ({ ...fetchC.defaultRequestPartition(), partition: 0, partitionMaxBytes: 1000 });
export const fetchByName = (topic: string) => ({
  ...fetchC.defaultRequest(),
  replicaId: -1,
  topics: [{ ...fetchC.defaultRequestTopic(), topic, partitions: [fetchPartition()] }],
});
export const fetchById = (topicId: Buffer) => ({
  ...fetchC.defaultRequest(),
  replicaId: -1,
  topics: [{ ...fetchC.defaultRequestTopic(), topicId, partitions: [fetchPartition()] }],
});

export const listOffsets = (topic: string) => ({
  ...listOffsetsC.defaultRequest(),
  topics: [
    {
      ...listOffsetsC.defaultRequestTopic(),
      name: topic,
      partitions: [{ ...listOffsetsC.defaultRequestPartition(), partitionIndex: 0 }],
    },
  ],
});

export const offsetForLeaderEpoch = (topic: string) => ({
  ...epochC.defaultRequest(),
  replicaId: -1,
  topics: [
    {
      ...epochC.defaultRequestOffsetForLeaderTopic(),
      topic,
      partitions: [{ ...epochC.defaultRequestOffsetForLeaderPartition(), partition: 0 }],
    },
  ],
});

export const deleteTopicsByName = (topic: string) => ({ ...deleteTopicsC.defaultRequest(), topicNames: [topic] });
export const deleteTopicsById = (topicId: Buffer) => ({
  ...deleteTopicsC.defaultRequest(),
  topics: [{ ...deleteTopicsC.defaultRequestDeleteTopicState(), name: null, topicId }],
});

export const createPartitions = (topic: string) => ({
  ...createPartitionsC.defaultRequest(),
  topics: [{ ...createPartitionsC.defaultRequestTopic(), name: topic, count: 6, assignments: null }],
});

export const deleteRecords = (topic: string) => ({
  ...deleteRecordsC.defaultRequest(),
  topics: [
    {
      ...deleteRecordsC.defaultRequestTopic(),
      name: topic,
      partitions: [{ ...deleteRecordsC.defaultRequestPartition(), partitionIndex: 0, offset: 1n }],
    },
  ],
});

export const alterConfigs = (topic: string) => ({
  ...alterConfigsC.defaultRequest(),
  resources: [{ ...alterConfigsC.defaultRequestResource(), resourceType: TOPIC_CONFIG, resourceName: topic }],
});
export const incrementalAlterConfigs = (topic: string) => ({
  ...incrementalC.defaultRequest(),
  resources: [
    { ...incrementalC.defaultRequestAlterConfigsResource(), resourceType: TOPIC_CONFIG, resourceName: topic },
  ],
});
export const describeConfigs = (topic: string) => ({
  ...describeConfigsC.defaultRequest(),
  resources: [
    {
      ...describeConfigsC.defaultRequestResource(),
      resourceType: TOPIC_CONFIG,
      resourceName: topic,
      configurationKeys: null,
    },
  ],
});

export const createTopics = (topic: string) => ({
  ...createTopicsC.defaultRequest(),
  topics: [{ ...createTopicsC.defaultRequestCreatableTopic(), name: topic, numPartitions: 1, replicationFactor: 1 }],
});

export const offsetCommit = (topic: string) => ({
  ...offsetCommitC.defaultRequest(),
  groupId: 'g',
  topics: [
    {
      ...offsetCommitC.defaultRequestTopic(),
      name: topic,
      partitions: [{ ...offsetCommitC.defaultRequestPartition(), partitionIndex: 0 }],
    },
  ],
});
export const offsetFetch = (topic: string) => ({
  ...offsetFetchC.defaultRequest(),
  groupId: 'g',
  topics: [{ ...offsetFetchC.defaultRequestTopic(), name: topic, partitionIndexes: [0] }],
});
export const offsetDelete = (topic: string) => ({
  ...offsetDeleteC.defaultRequest(),
  groupId: 'g',
  topics: [
    {
      ...offsetDeleteC.defaultRequestTopic(),
      name: topic,
      partitions: [{ ...offsetDeleteC.defaultRequestPartition(), partitionIndex: 0 }],
    },
  ],
});
export const txnOffsetCommit = (topic: string) => ({
  ...txnOffsetCommitC.defaultRequest(),
  transactionalId: 'tx',
  groupId: 'g',
  topics: [
    {
      ...txnOffsetCommitC.defaultRequestTopic(),
      name: topic,
      partitions: [{ ...txnOffsetCommitC.defaultRequestPartition(), partitionIndex: 0 }],
    },
  ],
});
export const addPartitionsToTxn = (topic: string) => ({
  ...addPartitionsC.defaultRequest(),
  v3AndBelowTransactionalId: 'tx',
  v3AndBelowTopics: [{ ...addPartitionsC.defaultRequestTopic(), name: topic, partitions: [0] }],
});
export const addPartitionsToTxnV4 = (topic: string) => ({
  ...addPartitionsC.defaultRequest(),
  transactions: [
    {
      ...addPartitionsC.defaultRequestTransaction(),
      transactionalId: 'tx',
      topics: [{ ...addPartitionsC.defaultRequestTopic(), name: topic, partitions: [0] }],
    },
  ],
});
export const describeProducers = (topic: string) => ({
  ...describeProducersC.defaultRequest(),
  topics: [{ ...describeProducersC.defaultRequestTopicRequest(), name: topic, partitionIndexes: [0] }],
});
export const describeTopicPartitions = (topic: string) => ({
  ...dtpC.defaultRequest(),
  cursor: null,
  topics: [{ ...dtpC.defaultRequestTopicRequest(), name: topic }],
});
export const consumerGroupHeartbeat = (topic: string) => ({
  ...cghC.defaultRequest(),
  groupId: 'g',
  memberId: 'm',
  subscribedTopicNames: [topic],
});

export const shareGroupHeartbeat = (topic: string) => ({
  ...sghC.defaultRequest(),
  groupId: 'g',
  memberId: 'm',
  subscribedTopicNames: [topic],
});
export const shareFetch = (topicIds: Buffer[]) => ({
  ...shareFetchC.defaultRequest(),
  groupId: 'g',
  memberId: 'm',
  shareSessionEpoch: 2,
  topics: topicIds.map((topicId) => ({
    ...shareFetchC.defaultRequestFetchTopic(),
    topicId,
    partitions: [{ ...shareFetchC.defaultRequestFetchPartition(), partitionIndex: 0 }],
  })),
});
export const shareAcknowledge = (topicIds: Buffer[]) => ({
  ...shareAckC.defaultRequest(),
  groupId: 'g',
  memberId: 'm',
  shareSessionEpoch: 2,
  topics: topicIds.map((topicId) => ({
    ...shareAckC.defaultRequestAcknowledgeTopic(),
    topicId,
    partitions: [{ ...shareAckC.defaultRequestAcknowledgePartition(), partitionIndex: 0 }],
  })),
});

/** `topics`: null for all topics. */
export const metadata = (
  topics: Array<{ name: string | null; topicId: Buffer }> | null,
  allowAutoTopicCreation = false,
) => ({
  ...metadataC.defaultRequest(),
  topics,
  allowAutoTopicCreation,
  includeTopicAuthorizedOperations: false,
});

/** A CreateAcls creation: ALLOW `principal` DESCRIBE on a LITERAL resource, from any host (codes as on the wire). */
export const allowDescribeCreation = (resourceType: number, resourceName: string, principal: string) => ({
  resourceType,
  resourceName,
  resourcePatternType: 3, // LITERAL
  principal,
  host: '*',
  operation: 8, // DESCRIBE
  permissionType: 3, // ALLOW
});
