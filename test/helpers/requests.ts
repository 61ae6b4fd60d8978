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

export const produce = (topic: string, acks = -1): produceC.ProduceRequest => ({
  ...produceC.defaultProduceRequest(),
  acks,
  timeoutMs: 1000,
  topicData: [{ ...produceC.defaultProduceRequestTopicProduceData(), name: topic, partitionData: [{ ...produceC.defaultProduceRequestPartitionProduceData(), index: 0, records: Buffer.alloc(0) }] }],
});

const fetchPartition = () => ({ ...fetchC.defaultFetchRequestFetchPartition(), partition: 0, partitionMaxBytes: 1000 });
export const fetchByName = (topic: string) => ({ ...fetchC.defaultFetchRequest(), replicaId: -1, topics: [{ ...fetchC.defaultFetchRequestFetchTopic(), topic, partitions: [fetchPartition()] }] });
export const fetchById = (topicId: Buffer) => ({ ...fetchC.defaultFetchRequest(), replicaId: -1, topics: [{ ...fetchC.defaultFetchRequestFetchTopic(), topicId, partitions: [fetchPartition()] }] });

export const listOffsets = (topic: string) => ({
  ...listOffsetsC.defaultListOffsetsRequest(),
  topics: [{ ...listOffsetsC.defaultListOffsetsRequestListOffsetsTopic(), name: topic, partitions: [{ ...listOffsetsC.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: 0 }] }],
});

export const offsetForLeaderEpoch = (topic: string) => ({
  ...epochC.defaultOffsetForLeaderEpochRequest(),
  replicaId: -1,
  topics: [{ ...epochC.defaultOffsetForLeaderEpochRequestOffsetForLeaderTopic(), topic, partitions: [{ ...epochC.defaultOffsetForLeaderEpochRequestOffsetForLeaderPartition(), partition: 0 }] }],
});

export const deleteTopicsByName = (topic: string) => ({ ...deleteTopicsC.defaultDeleteTopicsRequest(), topicNames: [topic] });
export const deleteTopicsById = (topicId: Buffer) => ({ ...deleteTopicsC.defaultDeleteTopicsRequest(), topics: [{ ...deleteTopicsC.defaultDeleteTopicsRequestDeleteTopicState(), name: null, topicId }] });

export const createPartitions = (topic: string) => ({ ...createPartitionsC.defaultCreatePartitionsRequest(), topics: [{ ...createPartitionsC.defaultCreatePartitionsRequestCreatePartitionsTopic(), name: topic, count: 6, assignments: null }] });

export const deleteRecords = (topic: string) => ({
  ...deleteRecordsC.defaultDeleteRecordsRequest(),
  topics: [{ ...deleteRecordsC.defaultDeleteRecordsRequestDeleteRecordsTopic(), name: topic, partitions: [{ ...deleteRecordsC.defaultDeleteRecordsRequestDeleteRecordsPartition(), partitionIndex: 0, offset: 1n }] }],
});

export const alterConfigs = (topic: string) => ({ ...alterConfigsC.defaultAlterConfigsRequest(), resources: [{ ...alterConfigsC.defaultAlterConfigsRequestAlterConfigsResource(), resourceType: TOPIC_CONFIG, resourceName: topic }] });
export const incrementalAlterConfigs = (topic: string) => ({
  ...incrementalC.defaultIncrementalAlterConfigsRequest(),
  resources: [{ ...incrementalC.defaultIncrementalAlterConfigsRequestAlterConfigsResource(), resourceType: TOPIC_CONFIG, resourceName: topic }],
});
export const describeConfigs = (topic: string) => ({
  ...describeConfigsC.defaultDescribeConfigsRequest(),
  resources: [{ ...describeConfigsC.defaultDescribeConfigsRequestDescribeConfigsResource(), resourceType: TOPIC_CONFIG, resourceName: topic, configurationKeys: null }],
});

export const createTopics = (topic: string) => ({
  ...createTopicsC.defaultCreateTopicsRequest(),
  topics: [{ ...createTopicsC.defaultCreateTopicsRequestCreatableTopic(), name: topic, numPartitions: 1, replicationFactor: 1 }],
});

export const offsetCommit = (topic: string) => ({
  ...offsetCommitC.defaultOffsetCommitRequest(),
  groupId: 'g',
  topics: [{ ...offsetCommitC.defaultOffsetCommitRequestOffsetCommitRequestTopic(), name: topic, partitions: [{ ...offsetCommitC.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0 }] }],
});
export const offsetFetch = (topic: string) => ({ ...offsetFetchC.defaultOffsetFetchRequest(), groupId: 'g', topics: [{ ...offsetFetchC.defaultOffsetFetchRequestOffsetFetchRequestTopic(), name: topic, partitionIndexes: [0] }] });
export const offsetDelete = (topic: string) => ({
  ...offsetDeleteC.defaultOffsetDeleteRequest(),
  groupId: 'g',
  topics: [{ ...offsetDeleteC.defaultOffsetDeleteRequestOffsetDeleteRequestTopic(), name: topic, partitions: [{ ...offsetDeleteC.defaultOffsetDeleteRequestOffsetDeleteRequestPartition(), partitionIndex: 0 }] }],
});
export const txnOffsetCommit = (topic: string) => ({
  ...txnOffsetCommitC.defaultTxnOffsetCommitRequest(),
  transactionalId: 'tx',
  groupId: 'g',
  topics: [{ ...txnOffsetCommitC.defaultTxnOffsetCommitRequestTxnOffsetCommitRequestTopic(), name: topic, partitions: [{ ...txnOffsetCommitC.defaultTxnOffsetCommitRequestTxnOffsetCommitRequestPartition(), partitionIndex: 0 }] }],
});
export const addPartitionsToTxn = (topic: string) => ({
  ...addPartitionsC.defaultAddPartitionsToTxnRequest(),
  v3AndBelowTransactionalId: 'tx',
  v3AndBelowTopics: [{ ...addPartitionsC.defaultAddPartitionsToTxnRequestAddPartitionsToTxnTopic(), name: topic, partitions: [0] }],
});
export const addPartitionsToTxnV4 = (topic: string) => ({
  ...addPartitionsC.defaultAddPartitionsToTxnRequest(),
  transactions: [
    {
      ...addPartitionsC.defaultAddPartitionsToTxnRequestAddPartitionsToTxnTransaction(),
      transactionalId: 'tx',
      topics: [{ ...addPartitionsC.defaultAddPartitionsToTxnRequestAddPartitionsToTxnTopic(), name: topic, partitions: [0] }],
    },
  ],
});
export const describeProducers = (topic: string) => ({ ...describeProducersC.defaultDescribeProducersRequest(), topics: [{ ...describeProducersC.defaultDescribeProducersRequestTopicRequest(), name: topic, partitionIndexes: [0] }] });
export const describeTopicPartitions = (topic: string) => ({ ...dtpC.defaultDescribeTopicPartitionsRequest(), cursor: null, topics: [{ ...dtpC.defaultDescribeTopicPartitionsRequestTopicRequest(), name: topic }] });
export const consumerGroupHeartbeat = (topic: string) => ({ ...cghC.defaultConsumerGroupHeartbeatRequest(), groupId: 'g', memberId: 'm', subscribedTopicNames: [topic] });

export const shareGroupHeartbeat = (topic: string) => ({ ...sghC.defaultShareGroupHeartbeatRequest(), groupId: 'g', memberId: 'm', subscribedTopicNames: [topic] });
export const shareFetch = (topicIds: Buffer[]) => ({
  ...shareFetchC.defaultShareFetchRequest(),
  groupId: 'g',
  memberId: 'm',
  shareSessionEpoch: 2,
  topics: topicIds.map((topicId) => ({ ...shareFetchC.defaultShareFetchRequestFetchTopic(), topicId, partitions: [{ ...shareFetchC.defaultShareFetchRequestFetchPartition(), partitionIndex: 0 }] })),
});
export const shareAcknowledge = (topicIds: Buffer[]) => ({
  ...shareAckC.defaultShareAcknowledgeRequest(),
  groupId: 'g',
  memberId: 'm',
  shareSessionEpoch: 2,
  topics: topicIds.map((topicId) => ({ ...shareAckC.defaultShareAcknowledgeRequestAcknowledgeTopic(), topicId, partitions: [{ ...shareAckC.defaultShareAcknowledgeRequestAcknowledgePartition(), partitionIndex: 0 }] })),
});

/** `topics`: null for all topics. */
export const metadata = (topics: Array<{ name: string | null; topicId: Buffer }> | null, allowAutoTopicCreation = false) => ({
  ...metadataC.defaultMetadataRequest(),
  topics,
  allowAutoTopicCreation,
  includeTopicAuthorizedOperations: false,
});
