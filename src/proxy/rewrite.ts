import { Reader } from '../protocol/reader.js';
import { sizePrefixed } from '../protocol/writer.js';
import { apiSpec, ApiKey, type ApiKeyCode, type ResponseOf } from '../protocol/generated/index.js';
import { responseHeaderLength } from '../protocol/headers.js';
import type * as metadata from '../protocol/generated/metadata.js';
import type * as findCoordinator from '../protocol/generated/find-coordinator.js';
import type * as describeCluster from '../protocol/generated/describe-cluster.js';
import type * as describeConfigs from '../protocol/generated/describe-configs.js';
import type { UpstreamNode } from './broker-map.js';
import { isWithheldBrokerConfig } from './withheld-configs.js';

/** Where clients must connect for a node: the proxy's advertised host and the node's port. */
export interface AddressBook {
  /** Advertised host and port for an upstream node id; port null when the node has no port. */
  addressFor(nodeId: number): { host: string; port: number | null };
  /** Learns the upstream brokers a response names; `complete`: all of the cluster's (Metadata). */
  learn(nodes: UpstreamNode[], complete?: boolean): void;
}

interface NodeAddress {
  nodeId: number;
  host: string;
  port: number;
}

/**
 * Rewrites one node's address in place. A node the proxy has no port for is sent to an
 * unroutable port 0 on the advertised host (never the upstream address): the client then fails
 * to connect there instead of silently bypassing the proxy.
 */
function rewriteNode(book: AddressBook, n: NodeAddress): boolean {
  if (n.nodeId < 0) return false;
  const a = book.addressFor(n.nodeId);
  const host = a.host;
  const port = a.port ?? 0;
  if (n.host === host && n.port === port) return false;
  n.host = host;
  n.port = port;
  return true;
}

type Rewriter<K extends ApiKeyCode> = (body: ResponseOf<K>, apiVersion: number, book: AddressBook) => boolean;

/**
 * The responses that name brokers (or carry broker configs that would), from the version on that
 * does, each with the rewrite that changes it in place and says whether anything changed.
 */
const REWRITES: { readonly [K in ApiKeyCode]?: { readonly fromVersion: number; readonly rewrite: Rewriter<K> } } = {
  // KIP-951's NodeEndpoints: the leaders a client should move to after NOT_LEADER_OR_FOLLOWER.
  [ApiKey.Produce]: { fromVersion: 10, rewrite: (m, _v, book) => rewriteNodeEndpoints(m.nodeEndpoints, book) },
  [ApiKey.Fetch]: { fromVersion: 16, rewrite: (m, _v, book) => rewriteNodeEndpoints(m.nodeEndpoints, book) },
  [ApiKey.ShareFetch]: { fromVersion: 0, rewrite: (m, _v, book) => rewriteNodeEndpoints(m.nodeEndpoints, book) },
  [ApiKey.ShareAcknowledge]: { fromVersion: 0, rewrite: (m, _v, book) => rewriteNodeEndpoints(m.nodeEndpoints, book) },
  [ApiKey.Metadata]: { fromVersion: 0, rewrite: rewriteMetadata },
  // v0-3: one coordinator at the top level; v4+: coordinators[].
  [ApiKey.FindCoordinator]: { fromVersion: 0, rewrite: rewriteFindCoordinator },
  [ApiKey.DescribeCluster]: { fromVersion: 0, rewrite: (m, _v, book) => rewriteDescribeCluster(m, book) },
  // Broker configs that carry addresses, URLs, paths to secrets or secrets (withheld-configs.ts).
  [ApiKey.DescribeConfigs]: { fromVersion: 0, rewrite: (m) => withholdBrokerConfigs(m) },
};

/** Whether responses of this API at this version name brokers, and so are decoded and rewritten. */
export function rewritesAddresses(apiKey: ApiKeyCode, apiVersion: number): boolean {
  const r = REWRITES[apiKey];
  return r !== undefined && apiVersion >= r.fromVersion;
}

/**
 * Rewrites the broker addresses of a response packet (4-byte size + header + body) when
 * `addresses` says they need it, after applying `transform` when given, and returns the new
 * packet, or null when nothing needed to change (the original bytes are forwarded then).
 */
export function rewriteResponse<K extends ApiKeyCode>(
  apiKey: K,
  apiVersion: number,
  packet: Buffer,
  book: AddressBook,
  options: { addresses: boolean; transform?: (body: ResponseOf<K>) => ResponseOf<K> },
): Buffer | null {
  const spec = apiSpec(apiKey);
  const frame = packet.subarray(4);
  const headerLen = responseHeaderLength(apiKey, apiVersion, frame);
  const r = new Reader(frame, headerLen);
  // Trailing bytes are tolerated in responses, as Kafka clients do: librdkafka's mock broker
  // appends a stray byte to flexible Metadata responses. Requests are held to no trailing bytes.
  let body = spec.decodeResponse(r, apiVersion);
  let changed = false;
  if (options.transform !== undefined) {
    // Authorization's part of the response (merging denied results back, filtering): applied
    // before the addresses are rewritten, and the response is always re-encoded.
    body = options.transform(body);
    changed = true;
  }
  const rewrite = options.addresses ? REWRITES[apiKey]?.rewrite : undefined;
  if (rewrite !== undefined) changed = rewrite(body, apiVersion, book) || changed;
  if (!changed) return null;
  return sizePrefixed(packet.length + 64, (w) => {
    w.raw(frame.subarray(0, headerLen));
    spec.encodeResponse(w, apiVersion, body);
  });
}

function rewriteMetadata(m: metadata.Response, apiVersion: number, book: AddressBook): boolean {
  let changed = false;
  // A Metadata response lists every live broker (a DescribeCluster may list fenced ones too).
  book.learn(
    m.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
    true,
  );
  for (const b of m.brokers) changed = rewriteNode(book, b) || changed;
  // A controller id that names none of the brokers (librdkafka's mock cluster says 0) leaves
  // clients that send admin requests to "the controller" (kafkajs) with nowhere to go. KRaft
  // brokers answer a random live broker here; the proxy answers the lowest-numbered one.
  if (
    apiVersion >= 1 &&
    m.controllerId >= 0 &&
    m.brokers.length > 0 &&
    !m.brokers.some((b) => b.nodeId === m.controllerId)
  ) {
    m.controllerId = Math.min(...m.brokers.map((b) => b.nodeId));
    changed = true;
  }
  return changed;
}

function rewriteDescribeCluster(m: describeCluster.Response, book: AddressBook): boolean {
  let changed = false;
  book.learn(m.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })));
  for (const b of m.brokers) {
    const n = { nodeId: b.brokerId, host: b.host, port: b.port };
    if (rewriteNode(book, n)) {
      b.host = n.host;
      b.port = n.port;
      changed = true;
    }
  }
  return changed;
}

function rewriteFindCoordinator(m: findCoordinator.Response, apiVersion: number, book: AddressBook): boolean {
  if (apiVersion < 4) return m.errorCode === 0 && rewriteNode(book, m);
  let changed = false;
  for (const c of m.coordinators) if (c.errorCode === 0) changed = rewriteNode(book, c) || changed;
  return changed;
}

function withholdBrokerConfigs(m: describeConfigs.Response): boolean {
  let changed = false;
  for (const r of m.results) {
    if (r.resourceType !== 4) continue; // BROKER
    for (const c of r.configs) {
      // Addresses (a client that read them would learn how to reach the brokers around the
      // proxy), URLs, paths to secrets and secrets: see withheld-configs.ts.
      if ((c.value === null && c.synonyms.every((x) => x.value === null)) || !isWithheldBrokerConfig(c)) continue;
      c.value = null;
      c.isSensitive = true;
      for (const syn of c.synonyms) syn.value = null;
      changed = true;
    }
  }
  return changed;
}

function rewriteNodeEndpoints(endpoints: NodeAddress[], book: AddressBook): boolean {
  let changed = false;
  for (const e of endpoints) changed = rewriteNode(book, e) || changed;
  return changed;
}
