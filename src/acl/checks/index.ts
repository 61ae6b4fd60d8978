// The authorization table: the check each forwarded API makes, typed per API.
import { ApiKey, type ApiKeyCode } from '../../protocol/generated/index.js';
import { READ, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS, type Check, type CheckOf } from './context.js';
import { checkFetch, checkListOffsets, checkOffsetForLeaderEpoch, checkProduce } from './produce-fetch.js';
import { checkDescribeCluster, checkDescribeTopicPartitions, checkMetadata } from './metadata.js';
import { checkConsumerGroupDescribe, checkConsumerGroupHeartbeat, checkDeleteGroups, checkDescribeGroups, checkFindCoordinator, checkListGroups, groupCheck } from './groups.js';
import { checkOffsetCommit, checkOffsetDelete, checkOffsetFetch } from './group-offsets.js';
import { checkDescribeProducers, checkAddOffsetsToTxn, checkAddPartitionsToTxn, checkDescribeTransactions, checkEndTxn, checkInitProducerId, checkListTransactions, checkTxnOffsetCommit } from './transactions.js';
import { checkDescribeConfigs, checkAlterConfigs, checkIncrementalAlterConfigs } from './configs.js';
import { checkCreatePartitions, checkCreateTopics, checkDeleteRecords, checkDeleteTopics } from './topics.js';
import { clusterCheck, denyAlterClientQuotas, denyAlterReplicaLogDirs, denyElectLeaders } from './admin.js';
import { checkAlterShareGroupOffsets, checkDeleteShareGroupOffsets, checkDescribeShareGroupOffsets, checkShareAcknowledge, checkShareFetch, checkShareGroupDescribe, checkShareGroupHeartbeat } from './share.js';

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

/** An entry of the table, its check typed for the API it is filed under. */
const entry = <K extends ApiKeyCode>(key: K, check: CheckOf<K>, versions: { minVersion?: number; maxVersion?: number } = {}): [number, CheckEntry] => [key, { check, ...versions }];

export const API_CHECKS: ReadonlyMap<number, CheckEntry> = new Map<number, CheckEntry>([
  entry(ApiKey.Produce, checkProduce),
  entry(ApiKey.Fetch, checkFetch),
  entry(ApiKey.ListOffsets, checkListOffsets),
  entry(ApiKey.Metadata, checkMetadata),
  entry(ApiKey.OffsetCommit, checkOffsetCommit),
  entry(ApiKey.OffsetFetch, checkOffsetFetch),
  entry(ApiKey.FindCoordinator, checkFindCoordinator),
  entry(ApiKey.JoinGroup, groupCheck(ApiKey.JoinGroup, READ)),
  entry(ApiKey.Heartbeat, groupCheck(ApiKey.Heartbeat, READ)),
  entry(ApiKey.LeaveGroup, groupCheck(ApiKey.LeaveGroup, READ)),
  entry(ApiKey.SyncGroup, groupCheck(ApiKey.SyncGroup, READ)),
  entry(ApiKey.DescribeGroups, checkDescribeGroups),
  entry(ApiKey.ListGroups, checkListGroups),
  entry(ApiKey.CreateTopics, checkCreateTopics),
  entry(ApiKey.DeleteTopics, checkDeleteTopics),
  entry(ApiKey.DeleteRecords, checkDeleteRecords),
  entry(ApiKey.InitProducerId, checkInitProducerId),
  entry(ApiKey.OffsetForLeaderEpoch, checkOffsetForLeaderEpoch),
  entry(ApiKey.AddPartitionsToTxn, checkAddPartitionsToTxn, { maxVersion: 3 }),
  entry(ApiKey.AddOffsetsToTxn, checkAddOffsetsToTxn),
  entry(ApiKey.EndTxn, checkEndTxn),
  entry(ApiKey.TxnOffsetCommit, checkTxnOffsetCommit),
  entry(ApiKey.DescribeConfigs, checkDescribeConfigs),
  entry(ApiKey.AlterConfigs, checkAlterConfigs),
  entry(ApiKey.IncrementalAlterConfigs, checkIncrementalAlterConfigs),
  entry(ApiKey.AlterReplicaLogDirs, clusterCheck(ApiKey.AlterReplicaLogDirs, ALTER, denyAlterReplicaLogDirs)),
  entry(ApiKey.DescribeLogDirs, clusterCheck(ApiKey.DescribeLogDirs, DESCRIBE)),
  entry(ApiKey.CreatePartitions, checkCreatePartitions),
  entry(ApiKey.DeleteGroups, checkDeleteGroups),
  entry(ApiKey.ElectLeaders, clusterCheck(ApiKey.ElectLeaders, ALTER, denyElectLeaders)),
  entry(ApiKey.AlterPartitionReassignments, clusterCheck(ApiKey.AlterPartitionReassignments, ALTER)),
  entry(ApiKey.ListPartitionReassignments, clusterCheck(ApiKey.ListPartitionReassignments, DESCRIBE)),
  entry(ApiKey.OffsetDelete, checkOffsetDelete),
  entry(ApiKey.DescribeClientQuotas, clusterCheck(ApiKey.DescribeClientQuotas, DESCRIBE_CONFIGS)),
  entry(ApiKey.AlterClientQuotas, clusterCheck(ApiKey.AlterClientQuotas, ALTER_CONFIGS, denyAlterClientQuotas)),
  entry(ApiKey.UpdateFeatures, clusterCheck(ApiKey.UpdateFeatures, ALTER)),
  entry(ApiKey.DescribeCluster, checkDescribeCluster),
  entry(ApiKey.DescribeProducers, checkDescribeProducers),
  entry(ApiKey.DescribeTransactions, checkDescribeTransactions),
  entry(ApiKey.ListTransactions, checkListTransactions),
  entry(ApiKey.ConsumerGroupHeartbeat, checkConsumerGroupHeartbeat),
  entry(ApiKey.ConsumerGroupDescribe, checkConsumerGroupDescribe),
  // Client telemetry (KIP-714) needs no ACL at a broker either.
  entry(ApiKey.GetTelemetrySubscriptions, none),
  entry(ApiKey.PushTelemetry, none),
  entry(ApiKey.ListClientMetricsResources, clusterCheck(ApiKey.ListClientMetricsResources, DESCRIBE_CONFIGS)),
  entry(ApiKey.DescribeTopicPartitions, checkDescribeTopicPartitions),
  // Share groups (KIP-932), as Kafka 4.4 checks them (share.ts).
  entry(ApiKey.ShareGroupHeartbeat, checkShareGroupHeartbeat),
  entry(ApiKey.ShareGroupDescribe, checkShareGroupDescribe),
  entry(ApiKey.ShareFetch, checkShareFetch),
  entry(ApiKey.ShareAcknowledge, checkShareAcknowledge),
  entry(ApiKey.DescribeShareGroupOffsets, checkDescribeShareGroupOffsets),
  entry(ApiKey.AlterShareGroupOffsets, checkAlterShareGroupOffsets),
  entry(ApiKey.DeleteShareGroupOffsets, checkDeleteShareGroupOffsets),
]);
