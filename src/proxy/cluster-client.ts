import type { Logger } from 'pino';
import { ApiKey } from '../protocol/generated/index.js';
import { ZERO_UUID } from '../protocol/constants.js';
import type * as metadata from '../protocol/generated/metadata.js';
import type * as produce from '../protocol/generated/produce.js';
import type { BrokerAddress, UpstreamClient } from '../audit/upstream-client.js';
import type { ClusterView } from './cluster.js';
import { request } from './upstream-request.js';
import { UpstreamConnection } from './upstream.js';

/**
 * The upstream client of the audit Kafka sink: the cluster view's brokers and versions, and one
 * connection per broker of its own (never the client pool's), reopened once it has closed.
 */
export class ClusterClient implements UpstreamClient {
  private readonly cluster: ClusterView;
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private readonly conns = new Map<string, UpstreamConnection>();

  constructor(cluster: ClusterView, log: Logger, connectTimeoutMs: number) {
    this.cluster = cluster;
    this.log = log;
    this.connectTimeoutMs = connectTimeoutMs;
  }

  brokers(): BrokerAddress[] {
    return this.cluster.brokers.all().map((n) => ({ host: n.host, port: n.port }));
  }

  versions(apiKey: number): readonly [number, number] | undefined {
    return this.cluster.versionsOf(null)?.ranges.get(apiKey);
  }

  metadata(to: BrokerAddress, version: number, req: metadata.Request, timeoutMs: number): Promise<metadata.Response> {
    return request(this.conn(to), ApiKey.Metadata, version, req, timeoutMs);
  }

  produce(to: BrokerAddress, version: number, req: produce.Request, timeoutMs: number): Promise<produce.Response> {
    return request(this.conn(to), ApiKey.Produce, version, req, timeoutMs);
  }

  learnTopicId(id: Buffer, name: string): void {
    if (!id.equals(ZERO_UUID)) this.cluster.topicNames.set(id.toString('hex'), name);
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }

  private conn(a: BrokerAddress): UpstreamConnection {
    const key = `${a.host}:${a.port}`;
    let c = this.conns.get(key);
    if (c === undefined || c.closed) {
      c = new UpstreamConnection({ host: a.host, port: a.port }, this.log, this.connectTimeoutMs);
      this.conns.set(key, c);
    }
    return c;
  }
}
