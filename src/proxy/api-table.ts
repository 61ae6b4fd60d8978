import { ApiKey, API_SPECS } from '../protocol/generated/index.js';
import type * as fetch from '../protocol/generated/fetch.js';
import type * as produce from '../protocol/generated/produce.js';
import type * as joinGroup from '../protocol/generated/join-group.js';
import type * as initProducerId from '../protocol/generated/init-producer-id.js';
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
  /** Broker configs that carry addresses, URLs, paths to secrets or secrets (withheld-configs.ts). */
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
   * True when the broker may hold the request before it answers: a long poll, a rebalance, a
   * write that waits for the followers (Produce acks=all, and everything the group and
   * transaction coordinators answer only once their internal topics have replicated it), or a
   * wait for the controller. Such a request must not share an upstream connection with other
   * clients: a Kafka broker reads a connection's next request only after answering the current
   * one, so every client behind it would wait as long, up to the request's own timeout.
   */
  readonly parks?: (request: unknown) => boolean;
  /** How long the broker may hold the request by its own fields, on top of the request timeout. */
  readonly holdMs?: (request: unknown) => number;
}

const always = () => true;
/** The request's TimeoutMs field: how long the broker may wait (for the controller, the followers). */
const timeoutOf = (r: unknown) => Math.max(0, (r as { timeoutMs: number }).timeoutMs);
const waitsForTimeout = (r: unknown) => timeoutOf(r) > 0;

export const API_POLICY: ReadonlyMap<number, ApiPolicy> = new Map<number, ApiPolicy>([
  // Produce v0-2 carry magic 0/1 message sets, which Kafka 4 no longer accepts; we validate v2 batches only.
  // acks=all waits in the broker's purgatory until the in-sync followers have the records.
  // v12 is v11 plus KIP-890's implicit AddPartitionsToTxn (transaction.version 2); v13 names
  // topics by id, which the proxy's produce path does not resolve yet.
  [ApiKey.Produce, { minVersion: 3, maxVersion: 12, rewrite: { kind: 'nodeEndpoints', fromVersion: 10 }, parks: (r) => (r as produce.Request).acks === -1, holdMs: timeoutOf }],
  // Every Fetch, long poll or not, gets a connection of its own: its response may be as large as
  // fetch.max.bytes, and only a connection that serves one client can stop being read while that
  // client does not take its responses (back-pressure to the broker instead of the proxy's heap).
  [ApiKey.Fetch, { rewrite: { kind: 'nodeEndpoints', fromVersion: 16 }, parks: always, holdMs: (r) => Math.max(0, (r as fetch.Request).maxWaitMs) }],
  // v10+ may wait for remote (tiered) storage up to its TimeoutMs.
  [ApiKey.ListOffsets, { parks: waitsForTimeout, holdMs: timeoutOf }],
  [ApiKey.Metadata, { rewrite: { kind: 'metadata', fromVersion: 0 } }],
  // Offsets are appended to __consumer_offsets, answered once the followers have them.
  [ApiKey.OffsetCommit, { parks: always }],
  [ApiKey.OffsetFetch, {}],
  [ApiKey.FindCoordinator, { rewrite: { kind: 'findCoordinator', fromVersion: 0 } }],
  [ApiKey.JoinGroup, { parks: always, holdMs: (r) => Math.max(0, (r as joinGroup.Request).rebalanceTimeoutMs, (r as joinGroup.Request).sessionTimeoutMs) }],
  [ApiKey.Heartbeat, {}],
  // Kafka 4's group coordinator writes a departure to __consumer_offsets before answering.
  [ApiKey.LeaveGroup, { parks: always }],
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
  // These wait up to their TimeoutMs for the controller (topics) or the followers (records).
  [ApiKey.CreateTopics, { parks: waitsForTimeout, holdMs: timeoutOf }],
  [ApiKey.DeleteTopics, { parks: waitsForTimeout, holdMs: timeoutOf }],
  [ApiKey.DeleteRecords, { parks: waitsForTimeout, holdMs: timeoutOf }],
  // The transaction coordinator answers once __transaction_state has replicated its write.
  [ApiKey.InitProducerId, { parks: (r) => (r as initProducerId.Request).transactionalId !== null }],
  [ApiKey.OffsetForLeaderEpoch, {}],
  [ApiKey.AddPartitionsToTxn, { parks: always }],
  [ApiKey.AddOffsetsToTxn, { parks: always }],
  [ApiKey.EndTxn, { parks: always }],
  // v5 is v4 plus KIP-890's implicit AddOffsetsToTxn; v6 names topics by id (KIP-1319).
  [ApiKey.TxnOffsetCommit, { maxVersion: 5, parks: always }],
  // ACLs live in the proxy's own store: it answers the ACL admin APIs itself.
  [ApiKey.DescribeAcls, { local: true }],
  [ApiKey.CreateAcls, { local: true }],
  [ApiKey.DeleteAcls, { local: true }],
  [ApiKey.DescribeConfigs, { rewrite: { kind: 'describeConfigs', fromVersion: 0 } }],
  [ApiKey.AlterConfigs, {}],
  [ApiKey.AlterReplicaLogDirs, {}],
  [ApiKey.DescribeLogDirs, {}],
  [ApiKey.CreatePartitions, { parks: waitsForTimeout, holdMs: timeoutOf }],
  // Tombstones for the group's offsets and metadata, replicated before the answer.
  [ApiKey.DeleteGroups, { parks: always }],
  [ApiKey.ElectLeaders, { parks: waitsForTimeout, holdMs: timeoutOf }],
  [ApiKey.IncrementalAlterConfigs, {}],
  [ApiKey.AlterPartitionReassignments, {}],
  [ApiKey.ListPartitionReassignments, {}],
  [ApiKey.OffsetDelete, { parks: always }],
  [ApiKey.DescribeClientQuotas, {}],
  [ApiKey.AlterClientQuotas, {}],
  [ApiKey.UpdateFeatures, {}],
  [ApiKey.DescribeCluster, { rewrite: { kind: 'describeCluster', fromVersion: 0 } }],
  [ApiKey.DescribeProducers, {}],
  [ApiKey.DescribeTransactions, {}],
  [ApiKey.ListTransactions, {}],
  // KIP-848: a heartbeat that changes the member or the assignment is written to the log first.
  [ApiKey.ConsumerGroupHeartbeat, { parks: always }],
  [ApiKey.ConsumerGroupDescribe, {}],
  [ApiKey.GetTelemetrySubscriptions, {}],
  [ApiKey.PushTelemetry, {}],
  [ApiKey.ListClientMetricsResources, {}],
  [ApiKey.DescribeTopicPartitions, {}],
  [ApiKey.ShareGroupHeartbeat, { parks: always }],
  [ApiKey.ShareGroupDescribe, {}],
  [ApiKey.ShareFetch, { rewrite: { kind: 'nodeEndpoints', fromVersion: 0 }, parks: always }],
  // Acknowledgements are persisted in the share-group state topic before the answer.
  [ApiKey.ShareAcknowledge, { rewrite: { kind: 'nodeEndpoints', fromVersion: 0 }, parks: always }],
  // The group coordinator asks the share coordinator (another broker) before it answers; changes
  // are written to the share-group state topic and replicated first.
  [ApiKey.DescribeShareGroupOffsets, { parks: always }],
  [ApiKey.AlterShareGroupOffsets, { parks: always }],
  [ApiKey.DeleteShareGroupOffsets, { parks: always }],
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
