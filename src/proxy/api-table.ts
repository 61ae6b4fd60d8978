import {
  ApiKey,
  API_SPECS,
  REQUEST_TIMEOUT_MS,
  TRANSACTIONAL_ID,
  requestTrait,
  type ApiKeyCode,
  type RequestOf,
} from '../protocol/generated/index.js';
import { API_CHECKS } from '../acl/checks/index.js';

/**
 * What the proxy does with each API a client may send. One table, failing closed: an API key that
 * is not here is never forwarded, is left out of the ApiVersions response, and a request for it
 * closes the connection (as a broker does for an API its listener does not expose). That covers
 * every broker-internal and controller API (LeaderAndIsr, StopReplica, UpdateMetadata,
 * ControlledShutdown, WriteTxnMarkers, Envelope, Vote, AlterPartition, BrokerRegistration...).
 */
export interface ApiPolicyOf<K extends ApiKeyCode> {
  /** Answered by the proxy itself, never forwarded. */
  readonly local?: boolean;
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
  readonly parks?: (request: RequestOf<K>) => boolean;
  /** How long the broker may hold the request by its own fields, on top of the request timeout. */
  readonly holdMs?: (request: RequestOf<K>) => number;
}

/**
 * A policy as the connection looks it up, by a key held as a plain number with the body decoded
 * for that key. The functions are methods so that each entry's typed functions fit (TypeScript
 * compares method parameters both ways); `policy` below is where an entry's types are checked.
 */
export interface ApiPolicy extends Omit<ApiPolicyOf<ApiKeyCode>, 'parks' | 'holdMs'> {
  parks?(request: unknown): boolean;
  holdMs?(request: unknown): number;
}

const policy = <K extends ApiKeyCode>(key: K, p: ApiPolicyOf<K> = {}): [number, ApiPolicy] => [key, p];
const always = () => true;
/** The request's TimeoutMs (a generated trait): how long the broker may wait (for the controller, the followers). */
const timeoutOf =
  <K extends ApiKeyCode>(key: K) =>
  (r: RequestOf<K>) =>
    Math.max(0, requestTrait(REQUEST_TIMEOUT_MS, key, r) ?? 0);
/** An API whose broker holds a request up to its TimeoutMs, when that is set. */
const timed = <K extends ApiKeyCode>(key: K, p: ApiPolicyOf<K> = {}): [number, ApiPolicy] =>
  policy(key, { ...p, parks: (r) => timeoutOf(key)(r) > 0, holdMs: timeoutOf(key) });

export const API_POLICY: ReadonlyMap<number, ApiPolicy> = new Map<number, ApiPolicy>([
  // Produce v0-2 carry magic 0/1 message sets, which Kafka 4 no longer accepts; we validate v2 batches only.
  // acks=all waits in the broker's purgatory until the in-sync followers have the records.
  // v12 is v11 plus KIP-890's implicit AddPartitionsToTxn (transaction.version 2); v13 names
  // topics by id, which the proxy's produce path does not resolve yet.
  policy(ApiKey.Produce, {
    minVersion: 3,
    maxVersion: 12,
    parks: (r) => r.acks === -1,
    holdMs: timeoutOf(ApiKey.Produce),
  }),
  // Every Fetch, long poll or not, gets a connection of its own: its response may be as large as
  // fetch.max.bytes, and only a connection that serves one client can stop being read while that
  // client does not take its responses (back-pressure to the broker instead of the proxy's heap).
  policy(ApiKey.Fetch, {
    parks: always,
    holdMs: (r) => Math.max(0, r.maxWaitMs),
  }),
  // v10+ may wait for remote (tiered) storage up to its TimeoutMs.
  timed(ApiKey.ListOffsets),
  policy(ApiKey.Metadata),
  // Offsets are appended to __consumer_offsets, answered once the followers have them.
  policy(ApiKey.OffsetCommit, { parks: always }),
  policy(ApiKey.OffsetFetch),
  policy(ApiKey.FindCoordinator),
  policy(ApiKey.JoinGroup, { parks: always, holdMs: (r) => Math.max(0, r.rebalanceTimeoutMs, r.sessionTimeoutMs) }),
  policy(ApiKey.Heartbeat),
  // Kafka 4's group coordinator writes a departure to __consumer_offsets before answering.
  policy(ApiKey.LeaveGroup, { parks: always }),
  policy(ApiKey.SyncGroup, { parks: always }),
  policy(ApiKey.DescribeGroups),
  policy(ApiKey.ListGroups),
  policy(ApiKey.ApiVersions, { local: true }),
  // SASL is terminated at the proxy (v0 handshakes too: their tokens follow as raw frames).
  policy(ApiKey.SaslHandshake, { local: true }),
  policy(ApiKey.SaslAuthenticate, { local: true }),
  // SCRAM users live in the proxy's credential store, so the proxy answers these itself.
  policy(ApiKey.DescribeUserScramCredentials, { local: true }),
  policy(ApiKey.AlterUserScramCredentials, { local: true }),
  // These wait up to their TimeoutMs for the controller (topics) or the followers (records).
  timed(ApiKey.CreateTopics),
  timed(ApiKey.DeleteTopics),
  timed(ApiKey.DeleteRecords),
  // The transaction coordinator answers once __transaction_state has replicated its write.
  policy(ApiKey.InitProducerId, { parks: (r) => requestTrait(TRANSACTIONAL_ID, ApiKey.InitProducerId, r) !== null }),
  policy(ApiKey.OffsetForLeaderEpoch),
  policy(ApiKey.AddPartitionsToTxn, { parks: always }),
  policy(ApiKey.AddOffsetsToTxn, { parks: always }),
  policy(ApiKey.EndTxn, { parks: always }),
  // v5 is v4 plus KIP-890's implicit AddOffsetsToTxn; v6 names topics by id (KIP-1319).
  policy(ApiKey.TxnOffsetCommit, { maxVersion: 5, parks: always }),
  // ACLs live in the proxy's own store: it answers the ACL admin APIs itself.
  policy(ApiKey.DescribeAcls, { local: true }),
  policy(ApiKey.CreateAcls, { local: true }),
  policy(ApiKey.DeleteAcls, { local: true }),
  policy(ApiKey.DescribeConfigs),
  policy(ApiKey.AlterConfigs),
  policy(ApiKey.AlterReplicaLogDirs),
  policy(ApiKey.DescribeLogDirs),
  timed(ApiKey.CreatePartitions),
  // Tombstones for the group's offsets and metadata, replicated before the answer.
  policy(ApiKey.DeleteGroups, { parks: always }),
  timed(ApiKey.ElectLeaders),
  policy(ApiKey.IncrementalAlterConfigs),
  policy(ApiKey.AlterPartitionReassignments),
  policy(ApiKey.ListPartitionReassignments),
  policy(ApiKey.OffsetDelete, { parks: always }),
  policy(ApiKey.DescribeClientQuotas),
  policy(ApiKey.AlterClientQuotas),
  policy(ApiKey.UpdateFeatures),
  policy(ApiKey.DescribeCluster),
  policy(ApiKey.DescribeProducers),
  policy(ApiKey.DescribeTransactions),
  policy(ApiKey.ListTransactions),
  // KIP-848: a heartbeat that changes the member or the assignment is written to the log first.
  policy(ApiKey.ConsumerGroupHeartbeat, { parks: always }),
  policy(ApiKey.ConsumerGroupDescribe),
  policy(ApiKey.GetTelemetrySubscriptions),
  policy(ApiKey.PushTelemetry),
  policy(ApiKey.ListClientMetricsResources),
  policy(ApiKey.DescribeTopicPartitions),
  policy(ApiKey.ShareGroupHeartbeat, { parks: always }),
  policy(ApiKey.ShareGroupDescribe),
  policy(ApiKey.ShareFetch, { parks: always }),
  // Acknowledgements are persisted in the share-group state topic before the answer.
  policy(ApiKey.ShareAcknowledge, { parks: always }),
  // The group coordinator asks the share coordinator (another broker) before it answers; changes
  // are written to the share-group state topic and replicated first.
  policy(ApiKey.DescribeShareGroupOffsets, { parks: always }),
  policy(ApiKey.AlterShareGroupOffsets, { parks: always }),
  policy(ApiKey.DeleteShareGroupOffsets, { parks: always }),
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
