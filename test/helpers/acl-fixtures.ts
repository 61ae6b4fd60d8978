// ACL bindings, and the requests and responses the ACL tests hand to the checks (test/acl/checks/,
// test/acl/decision.test.ts): one topic and one partition each, built on the codecs' defaults where
// the tests used them, so that whatever a check forwards or answers from them still encodes.
import * as createTopics from '../../src/protocol/generated/create-topics.js';
import * as fetch from '../../src/protocol/generated/fetch.js';
import * as listOffsets from '../../src/protocol/generated/list-offsets.js';
import { PatternType, Permission, type AclBinding, type OperationCode } from '../../src/acl/model.js';

/** A binding; by default a literal ALLOW from any host. */
export const acl = (
  principal: string,
  operation: OperationCode,
  resourceType: AclBinding['resourceType'],
  resourceName: string,
  patternType: AclBinding['patternType'] = PatternType.LITERAL,
  permission: AclBinding['permission'] = Permission.ALLOW,
  host = '*',
): AclBinding => ({
  principal,
  operation,
  resourceType,
  resourceName,
  patternType,
  permission,
  host,
});

/** Partition 0 of a consumer's Fetch, from offset 0. */
export const fetchPartition = () => ({
  partition: 0,
  currentLeaderEpoch: -1,
  fetchOffset: 0n,
  lastFetchedEpoch: -1,
  logStartOffset: -1n,
  partitionMaxBytes: 1000,
});

/** A Fetch (v12: topics by name) of partition 0 of `topic`; a `replicaId` of 0 or more is a follower's. */
export const fetchRequest = (topic: string, replicaId = -1) => ({
  ...fetch.defaultRequest(),
  replicaId,
  topics: [{ topic, topicId: Buffer.alloc(16), partitions: [fetchPartition()] }],
});

/** A ListOffsets of partition 0 of `topic`, latest offset, from a consumer. */
export const listOffsetsRequest = (topic: string) => ({
  ...listOffsets.defaultRequest(),
  replicaId: -1,
  topics: [
    { name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] },
  ],
});

/** A CreateTopics of one topic with one partition and one replica. */
export const createTopicsRequest = (name: string) => ({
  ...createTopics.defaultRequest(),
  topics: [{ ...createTopics.defaultRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 }],
});

/** An InitProducerId: transactional under `transactionalId`, idempotent only with null. */
export const initProducerIdRequest = (transactionalId: string | null) => ({
  transactionalId,
  transactionTimeoutMs: 60000,
  producerId: -1n,
  producerEpoch: -1,
  enable2Pc: false,
  keepPreparedTxn: false,
});

/** A Metadata request (v4+) for `topics` (null: all); no auto-creation and no bitfields unless `ask` says so. */
export const metadataRequest = (
  topics: Array<{ name: string | null; topicId: Buffer }> | null,
  ask: Partial<{
    allowAutoTopicCreation: boolean;
    includeClusterAuthorizedOperations: boolean;
    includeTopicAuthorizedOperations: boolean;
  }> = {},
) => ({
  topics,
  allowAutoTopicCreation: false,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
  ...ask,
});

/** A topic of a Metadata response: no error, no partitions, unless `fields` say otherwise. */
export const metadataTopic = (
  name: string | null,
  fields: Partial<{ errorCode: number; topicId: Buffer; topicAuthorizedOperations: number }> = {},
) => ({
  errorCode: 0,
  name,
  topicId: Buffer.alloc(16),
  isInternal: false,
  partitions: [],
  topicAuthorizedOperations: 0,
  ...fields,
});

/** The upstream's Metadata response (v8+: with the cluster bitfield), no brokers listed. */
export const metadataResponse = <T>(
  topics: T[],
  fields: Partial<{ clusterId: string | null; clusterAuthorizedOperations: number }> = {},
) => ({
  throttleTimeMs: 0,
  brokers: [],
  clusterId: 'c',
  controllerId: 1,
  clusterAuthorizedOperations: 0,
  ...fields,
  topics,
});
