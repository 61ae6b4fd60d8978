import { Reader } from '../protocol/reader.js';
import { sizePrefixed } from '../protocol/writer.js';
import { API_SPECS } from '../protocol/generated/index.js';
import { responseHeaderLength } from '../protocol/headers.js';
import type * as metadata from '../protocol/generated/metadata.js';
import type * as findCoordinator from '../protocol/generated/find-coordinator.js';
import type * as describeCluster from '../protocol/generated/describe-cluster.js';
import type * as describeConfigs from '../protocol/generated/describe-configs.js';
import type { ResponseRewrite } from './api-table.js';
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

/**
 * Rewrites the broker addresses of a response packet (4-byte size + header + body), after applying
 * `transform` when given, and returns the new packet, or null when nothing needed to change (the
 * original bytes are forwarded then).
 */
export function rewriteResponse(
  kind: ResponseRewrite | null,
  apiKey: number,
  apiVersion: number,
  packet: Buffer,
  book: AddressBook,
  transform?: (body: unknown) => unknown,
): Buffer | null {
  const spec = API_SPECS.get(apiKey)!;
  const frame = packet.subarray(4);
  const headerLen = responseHeaderLength(apiKey, apiVersion, frame);
  const r = new Reader(frame, headerLen);
  // Trailing bytes are tolerated in responses, as Kafka clients do: librdkafka's mock broker
  // appends a stray byte to flexible Metadata responses. Requests are held to no trailing bytes.
  let body = spec.decodeResponse(r, apiVersion) as Record<string, unknown>;
  let changed = false;
  if (transform !== undefined) {
    // Authorization's part of the response (merging denied results back, filtering): applied
    // before the addresses are rewritten, and the response is always re-encoded.
    body = transform(body) as Record<string, unknown>;
    changed = true;
  }
  if (kind !== null) changed = REWRITES[kind](body, apiVersion, book) || changed;
  if (!changed) return null;
  return sizePrefixed(packet.length + 64, (w) => {
    w.raw(frame.subarray(0, headerLen));
    spec.encodeResponse(w, apiVersion, body as never);
  });
}

/** Each kind rewrites its response in place and says whether anything changed. */
const REWRITES: Record<ResponseRewrite, (body: unknown, apiVersion: number, book: AddressBook) => boolean> = {
  metadata: (body, v, book) => rewriteMetadata(body as metadata.Response, v, book),
  describeCluster: (body, _v, book) => rewriteDescribeCluster(body as describeCluster.Response, book),
  findCoordinator: (body, v, book) => rewriteFindCoordinator(body as findCoordinator.Response, v, book),
  describeConfigs: (body) => withholdBrokerConfigs(body as describeConfigs.Response),
  nodeEndpoints: (body, _v, book) => rewriteNodeEndpoints(body as { nodeEndpoints?: NodeAddress[] }, book),
};

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

function rewriteNodeEndpoints(body: { nodeEndpoints?: NodeAddress[] }, book: AddressBook): boolean {
  let changed = false;
  const eps = body.nodeEndpoints;
  if (eps && eps.length > 0) for (const e of eps) changed = rewriteNode(book, e) || changed;
  return changed;
}
