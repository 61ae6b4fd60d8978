import { ApiKey, API_SPECS } from '../protocol/generated/index.js';
import type { FetchRequest } from '../protocol/generated/fetch.js';
import { API_CHECKS } from '../acl/checks.js';

/**
 * What the proxy does with each API a client may send. One table, failing closed: an API key that
 * is not here is never forwarded, is left out of the ApiVersions response, and a request for it
 * closes the connection (as a broker does for an API its listener does not expose). That covers
 * every broker-internal and controller API (LeaderAndIsr, StopReplica, UpdateMetadata,
 * ControlledShutdown, WriteTxnMarkers, Envelope, Vote, AlterPartition, BrokerRegistration...).
 */
export type ResponseRewrite =
  /** Broker list carries upstream addresses. */
  | 'metadata'
  /** v0-3 top-level host/port, v4+ coordinators[]. */
  | 'findCoordinator'
  | 'describeCluster'
  /** KIP-951 NodeEndpoints tagged field (Produce v10+, Fetch v16+, ShareFetch, ShareAcknowledge). */
  | 'nodeEndpoints'
  /** Broker configs that name the brokers' own listeners (advertised.listeners...). */
  | 'describeConfigs';

export interface ApiPolicy {
  /** Answered by the proxy itself, never forwarded. */
  readonly local?: boolean;
  /** The response carries broker addresses from this version on and must be rewritten. */
  readonly rewrite?: { kind: ResponseRewrite; fromVersion: number };
  /** Highest version the proxy accepts (defaults to the highest version it can decode). */
  readonly maxVersion?: number;
  /** Lowest version the proxy accepts (defaults to the lowest it can decode). */
  readonly minVersion?: number;
  /**
   * True when a request may be held at the broker (long poll, rebalance): it must not share an
   * upstream connection with other clients, since the broker answers one request per connection
   * at a time.
   */
  readonly parks?: (request: unknown) => boolean;
}

const always = () => true;

export const API_POLICY: ReadonlyMap<number, ApiPolicy> = new Map<number, ApiPolicy>([
  // Produce v0-2 carry magic 0/1 message sets, which Kafka 4 no longer accepts; we validate v2 batches only.
  [ApiKey.Produce, { minVersion: 3, rewrite: { kind: 'nodeEndpoints', fromVersion: 10 } }],
  [ApiKey.Fetch, { rewrite: { kind: 'nodeEndpoints', fromVersion: 16 }, parks: (r) => (r as FetchRequest).maxWaitMs > 0 }],
  [ApiKey.ListOffsets, {}],
  [ApiKey.Metadata, { rewrite: { kind: 'metadata', fromVersion: 0 } }],
  [ApiKey.OffsetCommit, {}],
  [ApiKey.OffsetFetch, {}],
  [ApiKey.FindCoordinator, { rewrite: { kind: 'findCoordinator', fromVersion: 0 } }],
  [ApiKey.JoinGroup, { parks: always }],
  [ApiKey.Heartbeat, {}],
  [ApiKey.LeaveGroup, {}],
  [ApiKey.SyncGroup, { parks: always }],
  [ApiKey.DescribeGroups, {}],
  [ApiKey.ListGroups, {}],
  [ApiKey.ApiVersions, { local: true }],
  // SASL is terminated at the proxy (v0 handshakes too: their tokens follow as raw frames).
  [ApiKey.SaslHandshake, { local: true }],
  [ApiKey.SaslAuthenticate, { local: true }],
  // SCRAM users live in the proxy's credential store, so the proxy answers these itself.
  [ApiKey.DescribeUserScramCredentials, { local: true }],
  [ApiKey.AlterUserScramCredentials, { local: true }],
  [ApiKey.CreateTopics, {}],
  [ApiKey.DeleteTopics, {}],
  [ApiKey.DeleteRecords, {}],
  [ApiKey.InitProducerId, {}],
  [ApiKey.OffsetForLeaderEpoch, {}],
  [ApiKey.AddPartitionsToTxn, {}],
  [ApiKey.AddOffsetsToTxn, {}],
  [ApiKey.EndTxn, {}],
  [ApiKey.TxnOffsetCommit, {}],
  // ACLs live in the proxy's own store: it answers the ACL admin APIs itself.
  [ApiKey.DescribeAcls, { local: true }],
  [ApiKey.CreateAcls, { local: true }],
  [ApiKey.DeleteAcls, { local: true }],
  [ApiKey.DescribeConfigs, { rewrite: { kind: 'describeConfigs', fromVersion: 0 } }],
  [ApiKey.AlterConfigs, {}],
  [ApiKey.AlterReplicaLogDirs, {}],
  [ApiKey.DescribeLogDirs, {}],
  [ApiKey.CreatePartitions, {}],
  [ApiKey.DeleteGroups, {}],
  [ApiKey.ElectLeaders, {}],
  [ApiKey.IncrementalAlterConfigs, {}],
  [ApiKey.AlterPartitionReassignments, {}],
  [ApiKey.ListPartitionReassignments, {}],
  [ApiKey.OffsetDelete, {}],
  [ApiKey.DescribeClientQuotas, {}],
  [ApiKey.AlterClientQuotas, {}],
  [ApiKey.UpdateFeatures, {}],
  [ApiKey.DescribeCluster, { rewrite: { kind: 'describeCluster', fromVersion: 0 } }],
  [ApiKey.DescribeProducers, {}],
  [ApiKey.DescribeTransactions, {}],
  [ApiKey.ListTransactions, {}],
  [ApiKey.ConsumerGroupHeartbeat, {}],
  [ApiKey.ConsumerGroupDescribe, {}],
  [ApiKey.GetTelemetrySubscriptions, {}],
  [ApiKey.PushTelemetry, {}],
  [ApiKey.ListClientMetricsResources, {}],
  [ApiKey.DescribeTopicPartitions, {}],
  [ApiKey.ShareGroupHeartbeat, {}],
  [ApiKey.ShareGroupDescribe, {}],
  [ApiKey.ShareFetch, { rewrite: { kind: 'nodeEndpoints', fromVersion: 0 }, parks: always }],
  [ApiKey.ShareAcknowledge, { rewrite: { kind: 'nodeEndpoints', fromVersion: 0 } }],
]);

/**
 * The version range the proxy itself accepts for an API key, or null when it refuses the API.
 * With ACLs enforced, a forwarded API needs an entry in the authorization table (API_CHECKS), up
 * to the highest version that entry is written for: what has no check is not served.
 */
export function proxyVersionRange(apiKey: number, aclEnforced = false): [number, number] | null {
  const policy = API_POLICY.get(apiKey);
  const spec = API_SPECS.get(apiKey);
  if (policy === undefined || spec === undefined) return null;
  let min = Math.max(spec.minVersion, policy.minVersion ?? 0);
  let max = Math.min(spec.maxVersion, policy.maxVersion ?? Infinity);
  if (aclEnforced && !policy.local) {
    const check = API_CHECKS.get(apiKey);
    if (check === undefined) return null;
    min = Math.max(min, check.minVersion ?? 0);
    max = Math.min(max, check.maxVersion ?? Infinity);
    if (min > max) return null;
  }
  return [min, max];
}
