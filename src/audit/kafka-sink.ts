import type { Logger } from 'pino';
import { ApiKey } from '../protocol/generated/index.js';
import { encodeRecordBatch } from '../protocol/record-batch.js';
import { partitionForKey } from '../protocol/murmur2.js';
import { ERRORS } from '../protocol/generated/error-codes.js';
import { ZERO_UUID } from '../protocol/constants.js';
import type * as metadata from '../protocol/generated/metadata.js';
import type * as produce from '../protocol/generated/produce.js';
import { request, type ClusterView } from '../proxy/cluster.js';
import { UpstreamConnection, UpstreamError, type UpstreamAddress } from '../proxy/upstream.js';
import type { DeliverySink } from './sinks.js';

export interface KafkaSinkOptions {
  topic: string;
  timeoutMs: number;
  connectTimeoutMs: number;
}

interface TopicLayout {
  partitions: number;
  leaders: Map<number, UpstreamAddress>;
}

/**
 * Audit events produced to a topic on the upstream cluster by the proxy itself, keyed by principal
 * (partitioned as Kafka's default partitioner would, murmur2), acks=all, one partition's batch at a
 * time in order. A failed delivery throws; the spool keeps the lines and retries them.
 */
export class KafkaSink implements DeliverySink {
  readonly name: string;
  private readonly opts: KafkaSinkOptions;
  private readonly cluster: ClusterView;
  private readonly log: Logger;
  private readonly conns = new Map<string, UpstreamConnection>();
  private layout: TopicLayout | null = null;

  constructor(opts: KafkaSinkOptions, cluster: ClusterView, log: Logger) {
    this.opts = opts;
    this.cluster = cluster;
    this.log = log;
    this.name = `kafka:${opts.topic}`;
  }

  private conn(a: UpstreamAddress): UpstreamConnection {
    const key = `${a.host}:${a.port}`;
    let c = this.conns.get(key);
    if (c === undefined || c.closed) {
      c = new UpstreamConnection(a, this.log, this.opts.connectTimeoutMs);
      this.conns.set(key, c);
    }
    return c;
  }

  private version(apiKey: number, lo: number, hi: number): number {
    const r = this.cluster.versionsOf(null)?.ranges.get(apiKey);
    if (r === undefined) return lo;
    const v = Math.min(r[1], hi);
    if (v < Math.max(lo, r[0])) throw new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', `upstream supports no usable version of api ${apiKey}`);
    return v;
  }

  private async topicLayout(): Promise<TopicLayout> {
    if (this.layout !== null) return this.layout;
    const nodes = this.cluster.brokers.all();
    const targets: UpstreamAddress[] = nodes.length > 0 ? nodes.map((n) => ({ host: n.host, port: n.port })) : [];
    if (targets.length === 0) throw new UpstreamError('WARDEN_ERR_UPSTREAM_CLOSED', 'no upstream broker known yet');
    const v = this.version(ApiKey.Metadata, 1, 12);
    const md = await request<metadata.Response>(
      this.conn(targets[0]!),
      ApiKey.Metadata,
      v,
      { topics: [{ name: this.opts.topic, topicId: Buffer.alloc(16) }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false },
      this.opts.timeoutMs,
    );
    const t = md.topics.find((x) => x.name === this.opts.topic);
    if (t === undefined || t.errorCode !== 0 || t.partitions.length === 0) {
      throw new UpstreamError('WARDEN_ERR_AUDIT_TOPIC', `audit topic ${this.opts.topic}: ${t === undefined ? 'not returned' : (ERRORS.get(t.errorCode)?.name ?? t.errorCode)}`);
    }
    // The id of a topic the proxy keeps its state in: known before any client can name it by id.
    if (!t.topicId.equals(ZERO_UUID)) this.cluster.topicNames.set(t.topicId.toString('hex'), this.opts.topic);
    const brokers = new Map(md.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
    const leaders = new Map<number, UpstreamAddress>();
    for (const p of t.partitions) {
      const a = brokers.get(p.leaderId);
      if (a !== undefined) leaders.set(p.partitionIndex, a);
    }
    this.layout = { partitions: t.partitions.length, leaders };
    return this.layout;
  }

  async deliver(lines: readonly string[]): Promise<void> {
    try {
      const layout = await this.topicLayout();
      // Group by partition, keeping the order of lines within each.
      const byPartition = new Map<number, Array<{ key: Buffer; value: Buffer }>>();
      for (const line of lines) {
        const principal = principalOf(line);
        const key = Buffer.from(principal);
        const p = partitionForKey(key, layout.partitions);
        let l = byPartition.get(p);
        if (l === undefined) byPartition.set(p, (l = []));
        l.push({ key, value: Buffer.from(line) });
      }
      const v = this.version(ApiKey.Produce, 3, 9);
      for (const [partition, records] of byPartition) {
        const leader = layout.leaders.get(partition);
        if (leader === undefined) throw new UpstreamError('WARDEN_ERR_AUDIT_TOPIC', `audit topic ${this.opts.topic} partition ${partition} has no leader`);
        const res = await request<produce.Response>(
          this.conn(leader),
          ApiKey.Produce,
          v,
          { transactionalId: null, acks: -1, timeoutMs: this.opts.timeoutMs, topicData: [{ name: this.opts.topic, partitionData: [{ index: partition, records: encodeRecordBatch(records) }] }] },
          this.opts.timeoutMs + 1000,
        );
        const code = res.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
        if (code !== 0) throw new UpstreamError('WARDEN_ERR_AUDIT_PRODUCE', `audit topic ${this.opts.topic} partition ${partition}: ${ERRORS.get(code)?.name ?? code}`);
      }
    } catch (e) {
      this.layout = null; // leaders may have moved
      throw e;
    }
  }

  close(): void {
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}

/** The principal an event is keyed by (authenticationInfo.principal), or "" for proxy events. */
function principalOf(line: string): string {
  const m = /"authenticationInfo":\{"principal":"((?:[^"\\]|\\.)*)"/.exec(line);
  return m === null ? '' : (JSON.parse(`"${m[1]}"`) as string);
}

