import type { Logger } from 'pino';
import type * as metadata from '../protocol/generated/metadata.js';
import type * as produce from '../protocol/generated/produce.js';

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * The upstream cluster as the Kafka sink needs it: which brokers to ask, which versions they
 * speak, and one Metadata or Produce to a given broker at a time. Declared here so that audit/
 * depends on no proxy internals; proxy/ implements it over connections of its own.
 */
export interface UpstreamClient {
  /** Brokers known so far; any of them answers Metadata. */
  brokers(): BrokerAddress[];
  /** The versions of `apiKey` the cluster supports, or undefined while they are not known. */
  versions(apiKey: number): readonly [number, number] | undefined;
  metadata(to: BrokerAddress, version: number, req: metadata.Request, timeoutMs: number): Promise<metadata.Response>;
  produce(to: BrokerAddress, version: number, req: produce.Request, timeoutMs: number): Promise<produce.Response>;
  /**
   * The id of a topic the proxy writes to, so that a client naming it by id is authorized by its
   * name before any client could have learned the id through the proxy.
   */
  learnTopicId(id: Buffer, name: string): void;
  /** Closes the connections this client opened. */
  close(): void;
}

/** Opens a client of its own for each Kafka sink (closed with the sink); `log` is the audit log's. */
export type OpenUpstream = (log: Logger) => UpstreamClient;
