import type { Logger } from 'pino';
import { Writer } from '../protocol/writer.js';
import { Reader } from '../protocol/reader.js';
import { API_SPECS, ApiKey } from '../protocol/generated/index.js';
import { encodeRequestHeader, responseHeaderLength } from '../protocol/headers.js';
import { ZERO_UUID } from '../protocol/constants.js';
import type { ApiVersionsResponse } from '../protocol/generated/api-versions.js';
import type { MetadataResponse } from '../protocol/generated/metadata.js';
import { UpstreamConnection, UpstreamError, type UpstreamAddress } from './upstream.js';
import { BrokerMap, type UpstreamNode } from './broker-map.js';

const CLIENT_ID = 'kafka-warden';

/** Sends one request on a connection and decodes its response. */
export function request<T>(
  conn: UpstreamConnection,
  apiKey: number,
  version: number,
  body: unknown,
  timeoutMs: number,
): Promise<T> {
  const spec = API_SPECS.get(apiKey)!;
  const w = new Writer(128);
  w.int32(0);
  encodeRequestHeader(w, apiKey, version, 0, CLIENT_ID);
  spec.encodeRequest(w, version, body as never);
  const packet = Buffer.from(w.finish());
  packet.writeInt32BE(packet.length - 4, 0);
  return new Promise<T>((resolve, reject) => {
    conn.send(packet, {
      clientCorrelationId: 0,
      deadline: Date.now() + timeoutMs,
      onResponse(p) {
        try {
          const frame = p.subarray(4);
          const r = new Reader(frame, responseHeaderLength(apiKey, version, frame));
          // Trailing bytes in a response are tolerated, as Kafka clients do (see rewrite.ts).
          resolve(spec.decodeResponse(r, version) as T);
        } catch (e) {
          reject(e as Error);
        }
      },
      onError: reject,
    });
  });
}

/** The version ranges one broker supports, by api key. */
export type VersionRanges = Map<number, [number, number]>;

/** Broker ranges plus what an ApiVersions v3+ response carries beyond them. */
export interface BrokerVersions {
  ranges: VersionRanges;
  /** The broker's full ApiVersions v3 response when it supports v3 (features), else null. */
  v3: ApiVersionsResponse | null;
}

/**
 * What the proxy knows of the upstream cluster: its brokers (refreshed with Metadata) and each
 * broker's ApiVersions. Uses short-lived connections of its own, never the client pool.
 */
export class ClusterView {
  readonly brokers = new BrokerMap();
  /**
   * Topic names by topic id (hex), learned from the Metadata responses that pass through, so that
   * requests naming topics by id (Fetch v13+, DeleteTopics v6+) can be authorized by name. Ids
   * never change name in Kafka, so an entry never goes stale, only unused.
   */
  readonly topicNames = new Map<string, string>();
  /** Topics whose ids every refresh learns (the proxy's own: see watchTopics). */
  private watched: string[] = [];
  private readonly versions = new Map<number, BrokerVersions>();
  private bootstrapVersions: BrokerVersions | null = null;
  private readonly bootstrap: UpstreamAddress[];
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs = 10_000;
  private timer: NodeJS.Timeout | null = null;
  private rr = 0;
  private stopped = false;
  /** True after the last refresh reached the cluster. */
  reachable = false;
  lastError: string | null = null;

  constructor(bootstrap: string[], log: Logger, connectTimeoutMs: number) {
    this.bootstrap = bootstrap.map(parseHostPort);
    this.log = log.child({ component: 'cluster' });
    this.connectTimeoutMs = connectTimeoutMs;
    this.brokers.onNode((n) => {
      this.log.info({ nodeId: n.nodeId, host: n.host, port: n.port }, 'upstream broker learned');
      void this.fetchVersions(n);
    });
  }

  /** Versions of a node (or of the bootstrap broker when the node's are not known yet). */
  versionsOf(nodeId: number | null): BrokerVersions | null {
    if (nodeId !== null) {
      const v = this.versions.get(nodeId);
      if (v) return v;
    }
    return this.bootstrapVersions;
  }

  /** A broker for a bootstrap connection: round robin over known brokers, else a bootstrap address. */
  pickBootstrapTarget(): { nodeId: number | null; address: UpstreamAddress } {
    const nodes = this.brokers.all();
    if (nodes.length > 0) {
      const n = nodes[this.rr++ % nodes.length]!;
      return { nodeId: n.nodeId, address: { host: n.host, port: n.port } };
    }
    return { nodeId: null, address: this.bootstrap[this.rr++ % this.bootstrap.length]! };
  }

  private async withConnection<T>(address: UpstreamAddress, fn: (c: UpstreamConnection) => Promise<T>): Promise<T> {
    const conn = new UpstreamConnection(address, this.log, this.connectTimeoutMs);
    try {
      return await fn(conn);
    } finally {
      conn.close();
    }
  }

  private async apiVersions(conn: UpstreamConnection): Promise<BrokerVersions> {
    const v0 = await request<ApiVersionsResponse>(conn, ApiKey.ApiVersions, 0, {}, this.requestTimeoutMs);
    if (v0.errorCode !== 0) throw new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', `ApiVersions failed with error ${v0.errorCode}`);
    const ranges: VersionRanges = new Map(v0.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    let v3: ApiVersionsResponse | null = null;
    const av = ranges.get(ApiKey.ApiVersions);
    if (av && av[1] >= 3) {
      v3 = await request<ApiVersionsResponse>(
        conn,
        ApiKey.ApiVersions,
        3,
        { clientSoftwareName: CLIENT_ID, clientSoftwareVersion: '0.1.0' },
        this.requestTimeoutMs,
      );
      if (v3.errorCode !== 0) v3 = null;
    }
    return { ranges, v3 };
  }

  private async fetchVersions(n: UpstreamNode): Promise<void> {
    try {
      const v = await this.withConnection({ host: n.host, port: n.port }, (c) => this.apiVersions(c));
      this.versions.set(n.nodeId, v);
    } catch (e) {
      this.log.warn({ nodeId: n.nodeId, reason: (e as Error).message }, 'upstream broker ApiVersions failed');
    }
  }

  /**
   * Topics whose ids each refresh learns into topicNames, whether or not a client asked for them
   * (the proxy's own topics, refused by id too). Asked for only where Metadata has topic ids (v10+,
   * which also never auto-creates them).
   */
  watchTopics(names: readonly string[]): void {
    this.watched = [...names];
  }

  /** One refresh: ApiVersions and Metadata from the first bootstrap broker that answers. */
  async refresh(): Promise<void> {
    const targets = [...this.brokers.all().map((n) => ({ host: n.host, port: n.port })), ...this.bootstrap];
    let lastErr: Error | null = null;
    for (const address of targets) {
      try {
        await this.withConnection(address, async (conn) => {
          const versions = await this.apiVersions(conn);
          this.bootstrapVersions ??= versions;
          const mr = versions.ranges.get(ApiKey.Metadata);
          if (!mr) throw new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', 'upstream does not support Metadata');
          const mv = Math.min(mr[1], 12);
          if (mv < 1) throw new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', 'upstream supports only Metadata v0');
          const md = await request<MetadataResponse>(
            conn,
            ApiKey.Metadata,
            mv,
            { topics: mv >= 10 ? this.watched.map((name) => ({ name, topicId: ZERO_UUID })) : [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false },
            this.requestTimeoutMs,
          );
          for (const t of md.topics) if (t.errorCode === 0 && t.name !== null && !t.topicId.equals(ZERO_UUID)) this.topicNames.set(t.topicId.toString('hex'), t.name);
          this.brokers.clusterId = md.clusterId;
          this.brokers.controllerId = md.controllerId;
          this.brokers.update(md.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })));
        });
        if (!this.reachable) this.log.info({ brokers: this.brokers.size }, 'upstream cluster reachable');
        this.reachable = true;
        this.lastError = null;
        return;
      } catch (e) {
        lastErr = e as Error;
      }
    }
    if (this.reachable || this.lastError === null) {
      this.log.warn({ reason: lastErr?.message }, 'upstream cluster unreachable');
    }
    this.reachable = false;
    this.lastError = lastErr?.message ?? 'no bootstrap broker';
  }

  /** Waits for the first refresh and then refreshes every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    this.stopped = false;
    await this.refresh();
    const schedule = () => {
      if (this.stopped) return;
      // Retry quickly while the cluster is unreachable.
      this.timer = setTimeout(() => void this.refresh().finally(schedule), this.reachable ? intervalMs : Math.min(intervalMs, 1000));
      this.timer.unref();
    };
    schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export function parseHostPort(s: string): UpstreamAddress {
  const i = s.lastIndexOf(':');
  let host = s.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port: Number(s.slice(i + 1)) };
}

