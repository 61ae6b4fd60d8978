import { ApiKey } from '../protocol/generated/index.js';
import { encodeRecordBatch } from '../protocol/record-batch.js';
import { partitionForKey } from '../protocol/murmur2.js';
import { ERRORS } from '../protocol/generated/error-codes.js';
import { WardenError } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/constants.js';
import type { DeliverySink } from './sinks.js';
import type { BrokerAddress, UpstreamClient } from './upstream-client.js';

export interface KafkaSinkOptions {
  topic: string;
  timeoutMs: number;
}

interface TopicLayout {
  partitions: number;
  leaders: Map<number, BrokerAddress>;
}

/**
 * Audit events produced to a topic on the upstream cluster by the proxy itself, keyed by principal
 * (partitioned as Kafka's default partitioner would, murmur2), acks=all, one partition's batch at a
 * time in order. A failed delivery throws; the spool keeps the lines and retries them.
 */
export class KafkaSink implements DeliverySink {
  readonly name: string;
  private readonly opts: KafkaSinkOptions;
  private readonly upstream: UpstreamClient;
  private layout: TopicLayout | null = null;

  constructor(opts: KafkaSinkOptions, upstream: UpstreamClient) {
    this.opts = opts;
    this.upstream = upstream;
    this.name = `kafka:${opts.topic}`;
  }

  private version(apiKey: number, lo: number, hi: number): number {
    const r = this.upstream.versions(apiKey);
    if (r === undefined) return lo;
    const v = Math.min(r[1], hi);
    if (v < Math.max(lo, r[0]))
      throw new WardenError('WARDEN_ERR_UPSTREAM_PROTOCOL', `upstream supports no usable version of api ${apiKey}`);
    return v;
  }

  private async topicLayout(): Promise<TopicLayout> {
    if (this.layout !== null) return this.layout;
    const targets = this.upstream.brokers();
    if (targets.length === 0) throw new WardenError('WARDEN_ERR_UPSTREAM_CLOSED', 'no upstream broker known yet');
    const v = this.version(ApiKey.Metadata, 1, 12);
    const md = await this.upstream.metadata(
      targets[0]!,
      v,
      {
        topics: [{ name: this.opts.topic, topicId: Buffer.alloc(16) }],
        allowAutoTopicCreation: true,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      },
      this.opts.timeoutMs,
    );
    const t = md.topics.find((x) => x.name === this.opts.topic);
    if (t === undefined || t.errorCode !== 0 || t.partitions.length === 0) {
      throw new WardenError(
        'WARDEN_ERR_AUDIT_TOPIC',
        `audit topic ${this.opts.topic}: ${t === undefined ? 'not returned' : (ERRORS.get(t.errorCode)?.name ?? t.errorCode)}`,
      );
    }
    // The id of a topic the proxy keeps its state in: known before any client can name it by id.
    this.upstream.learnTopicId(t.topicId, this.opts.topic);
    const brokers = new Map(md.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }]));
    const leaders = new Map<number, BrokerAddress>();
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
      // Versions that name topics; the id (v13+) is not sent.
      const v = this.version(ApiKey.Produce, 3, 9);
      for (const [partition, records] of byPartition) {
        const leader = layout.leaders.get(partition);
        if (leader === undefined)
          throw new WardenError(
            'WARDEN_ERR_AUDIT_TOPIC',
            `audit topic ${this.opts.topic} partition ${partition} has no leader`,
          );
        const res = await this.upstream.produce(
          leader,
          v,
          {
            transactionalId: null,
            acks: -1,
            timeoutMs: this.opts.timeoutMs,
            topicData: [
              {
                name: this.opts.topic,
                topicId: ZERO_UUID,
                partitionData: [{ index: partition, records: encodeRecordBatch(records) }],
              },
            ],
          },
          this.opts.timeoutMs + 1000,
        );
        const code = res.responses[0]?.partitionResponses[0]?.errorCode ?? -1;
        if (code !== 0)
          throw new WardenError(
            'WARDEN_ERR_AUDIT_PRODUCE',
            `audit topic ${this.opts.topic} partition ${partition}: ${ERRORS.get(code)?.name ?? code}`,
          );
      }
    } catch (e) {
      this.layout = null; // leaders may have moved
      throw e;
    }
  }

  close(): void {
    this.upstream.close();
  }
}

/** The principal an event is keyed by (authenticationInfo.principal), or "" for proxy events. */
function principalOf(line: string): string {
  const m = /"authenticationInfo":\{"principal":"((?:[^"\\]|\\.)*)"/.exec(line);
  return m === null ? '' : (JSON.parse(`"${m[1]}"`) as string);
}
