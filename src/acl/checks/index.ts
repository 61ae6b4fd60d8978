// The authorization table: the check each forwarded API makes, typed per API.
import { ApiKey, type ApiKeyCode } from '../../protocol/generated/index.js';
import { READ, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS, type Check, type CheckOf } from './context.js';
import { checkFetch, checkListOffsets, checkOffsetForLeaderEpoch, checkProduce } from './produce-fetch.js';
import { checkDescribeCluster, checkDescribeTopicPartitions, checkMetadata } from './metadata.js';
import {
  checkConsumerGroupDescribe,
  checkConsumerGroupHeartbeat,
  checkDeleteGroups,
  checkDescribeGroups,
  checkFindCoordinator,
  checkListGroups,
  groupCheck,
} from './groups.js';
import { checkOffsetCommit, checkOffsetDelete, checkOffsetFetch } from './group-offsets.js';
import {
  checkDescribeProducers,
  checkAddOffsetsToTxn,
  checkAddPartitionsToTxn,
  checkDescribeTransactions,
  checkEndTxn,
  checkInitProducerId,
  checkListTransactions,
  checkTxnOffsetCommit,
} from './transactions.js';
import { checkDescribeConfigs, checkAlterConfigs, checkIncrementalAlterConfigs } from './configs.js';
import { checkCreatePartitions, checkCreateTopics, checkDeleteRecords, checkDeleteTopics } from './topics.js';
import { clusterCheck, denyAlterClientQuotas, denyAlterReplicaLogDirs, denyElectLeaders } from './admin.js';
import {
  checkAlterShareGroupOffsets,
  checkDeleteShareGroupOffsets,
  checkDescribeShareGroupOffsets,
  checkShareAcknowledge,
  checkShareFetch,
  checkShareGroupDescribe,
  checkShareGroupHeartbeat,
} from './share.js';

export * from './context.js';
export { mergeInOrder } from './split.js';
export { HIDDEN_TOPICS_MESSAGE, hideGroupsNamingHiddenTopics } from './groups.js';

const none = () => null;

/**
 * The check each forwarded API makes, after Kafka's KafkaApis with the standard authorizer
 * (docs/kafka-semantics.md section 6), and the versions the check is written for. An API or
 * version that is not here is not forwarded and not advertised when ACLs are on.
 */
export interface CheckEntry {
  check: Check;
  /**
   * Versions outside [minVersion, maxVersion] have no ACL check and are not served with ACLs on;
   * without an authorizer the check still runs for them (it enforces the proxy's own topics).
   */
  minVersion?: number;
  maxVersion?: number;
}

/** An entry of the table, its check typed for its API's messages. */
export interface CheckEntryOf<K extends ApiKeyCode> extends Omit<CheckEntry, 'check'> {
  check: CheckOf<K>;
}

/** The table typed per API: `checkFor(key)` hands a check typed for that key's request. */
const CHECKS: { readonly [K in ApiKeyCode]?: CheckEntryOf<K> } = {
  [ApiKey.Produce]: { check: checkProduce },
  [ApiKey.Fetch]: { check: checkFetch },
  [ApiKey.ListOffsets]: { check: checkListOffsets },
  [ApiKey.Metadata]: { check: checkMetadata },
  [ApiKey.OffsetCommit]: { check: checkOffsetCommit },
  [ApiKey.OffsetFetch]: { check: checkOffsetFetch },
  [ApiKey.FindCoordinator]: { check: checkFindCoordinator },
  [ApiKey.JoinGroup]: { check: groupCheck(ApiKey.JoinGroup, READ) },
  [ApiKey.Heartbeat]: { check: groupCheck(ApiKey.Heartbeat, READ) },
  [ApiKey.LeaveGroup]: { check: groupCheck(ApiKey.LeaveGroup, READ) },
  [ApiKey.SyncGroup]: { check: groupCheck(ApiKey.SyncGroup, READ) },
  [ApiKey.DescribeGroups]: { check: checkDescribeGroups },
  [ApiKey.ListGroups]: { check: checkListGroups },
  [ApiKey.CreateTopics]: { check: checkCreateTopics },
  [ApiKey.DeleteTopics]: { check: checkDeleteTopics },
  [ApiKey.DeleteRecords]: { check: checkDeleteRecords },
  [ApiKey.InitProducerId]: { check: checkInitProducerId },
  [ApiKey.OffsetForLeaderEpoch]: { check: checkOffsetForLeaderEpoch },
  [ApiKey.AddPartitionsToTxn]: { check: checkAddPartitionsToTxn, maxVersion: 3 },
  [ApiKey.AddOffsetsToTxn]: { check: checkAddOffsetsToTxn },
  [ApiKey.EndTxn]: { check: checkEndTxn },
  [ApiKey.TxnOffsetCommit]: { check: checkTxnOffsetCommit },
  [ApiKey.DescribeConfigs]: { check: checkDescribeConfigs },
  [ApiKey.AlterConfigs]: { check: checkAlterConfigs },
  [ApiKey.IncrementalAlterConfigs]: { check: checkIncrementalAlterConfigs },
  [ApiKey.AlterReplicaLogDirs]: { check: clusterCheck(ApiKey.AlterReplicaLogDirs, ALTER, denyAlterReplicaLogDirs) },
  [ApiKey.DescribeLogDirs]: { check: clusterCheck(ApiKey.DescribeLogDirs, DESCRIBE) },
  [ApiKey.CreatePartitions]: { check: checkCreatePartitions },
  [ApiKey.DeleteGroups]: { check: checkDeleteGroups },
  [ApiKey.ElectLeaders]: { check: clusterCheck(ApiKey.ElectLeaders, ALTER, denyElectLeaders) },
  [ApiKey.AlterPartitionReassignments]: { check: clusterCheck(ApiKey.AlterPartitionReassignments, ALTER) },
  [ApiKey.ListPartitionReassignments]: { check: clusterCheck(ApiKey.ListPartitionReassignments, DESCRIBE) },
  [ApiKey.OffsetDelete]: { check: checkOffsetDelete },
  [ApiKey.DescribeClientQuotas]: { check: clusterCheck(ApiKey.DescribeClientQuotas, DESCRIBE_CONFIGS) },
  [ApiKey.AlterClientQuotas]: { check: clusterCheck(ApiKey.AlterClientQuotas, ALTER_CONFIGS, denyAlterClientQuotas) },
  [ApiKey.UpdateFeatures]: { check: clusterCheck(ApiKey.UpdateFeatures, ALTER) },
  [ApiKey.DescribeCluster]: { check: checkDescribeCluster },
  [ApiKey.DescribeProducers]: { check: checkDescribeProducers },
  [ApiKey.DescribeTransactions]: { check: checkDescribeTransactions },
  [ApiKey.ListTransactions]: { check: checkListTransactions },
  [ApiKey.ConsumerGroupHeartbeat]: { check: checkConsumerGroupHeartbeat },
  [ApiKey.ConsumerGroupDescribe]: { check: checkConsumerGroupDescribe },
  // Client telemetry (KIP-714) needs no ACL at a broker either.
  [ApiKey.GetTelemetrySubscriptions]: { check: none },
  [ApiKey.PushTelemetry]: { check: none },
  [ApiKey.ListClientMetricsResources]: { check: clusterCheck(ApiKey.ListClientMetricsResources, DESCRIBE_CONFIGS) },
  [ApiKey.DescribeTopicPartitions]: { check: checkDescribeTopicPartitions },
  // Share groups (KIP-932), as Kafka 4.4 checks them (share.ts).
  [ApiKey.ShareGroupHeartbeat]: { check: checkShareGroupHeartbeat },
  [ApiKey.ShareGroupDescribe]: { check: checkShareGroupDescribe },
  [ApiKey.ShareFetch]: { check: checkShareFetch },
  [ApiKey.ShareAcknowledge]: { check: checkShareAcknowledge },
  [ApiKey.DescribeShareGroupOffsets]: { check: checkDescribeShareGroupOffsets },
  [ApiKey.AlterShareGroupOffsets]: { check: checkAlterShareGroupOffsets },
  [ApiKey.DeleteShareGroupOffsets]: { check: checkDeleteShareGroupOffsets },
};

/** The check of an API, typed for its messages, or undefined when it has none. */
export function checkFor<K extends ApiKeyCode>(key: K): CheckEntryOf<K> | undefined {
  return CHECKS[key];
}

/** The same table by plain number, for code that lists or looks up keys it holds as numbers. */
export const API_CHECKS: ReadonlyMap<number, CheckEntry> = new Map<number, CheckEntry>(
  Object.entries(CHECKS).map(([key, e]) => [Number(key), e]),
);
