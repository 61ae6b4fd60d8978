import { Reader } from '../../protocol/reader.js';
import { decodeRequestHeader, type RequestHeader } from '../../protocol/headers.js';
import {
  ApiKey,
  apiSpec,
  isApiKey,
  type ApiKeyCode,
  type MessageSpec,
  type RequestOf,
} from '../../protocol/generated/index.js';
import { WardenError, DecodeError } from '../../protocol/errors.js';
import { validateRecordBatches } from '../../protocol/record-batch.js';
import { sizePrefixed } from '../../protocol/writer.js';
import type * as produce from '../../protocol/generated/produce.js';
import { API_POLICY, proxyVersionRange, type ApiPolicy } from '../api-table.js';
import type { ClusterView } from '../cluster.js';

/** A request the proxy refuses; the connection is closed as a protocol error. */
export class ClientProtocolError extends WardenError {}

/** What decides whether a request's api key and version are served at all. */
export interface VersionGate {
  /** With ACLs on, only APIs and versions with a check are served. */
  readonly aclEnforced: boolean;
  readonly cluster: Pick<ClusterView, 'versionsOf'>;
  /** The broker behind this connection, whose own version ranges also bound what is forwarded. */
  readonly nodeId: number | null;
}

/**
 * One client request on its way through the chain: the frame as it arrived, its header, and its
 * body, decoded on first use under the element budget it was read with (so a stage that never
 * looks at the body costs nothing, and the SASL gate can refuse a request before decoding it).
 * Every request that goes upstream has been decoded and validated in full (UpstreamStage reads
 * `body`). A stage that forwards a different body (the allowed part of a request) replaces it;
 * the upstream packet is then re-encoded from it.
 */
export class ClientRequest<K extends ApiKeyCode = ApiKeyCode> {
  readonly packet: Buffer;
  readonly header: RequestHeader;
  readonly policy: ApiPolicy;
  readonly spec: MessageSpec<K>;
  private readonly budget: number;
  private decoded: RequestOf<K> | undefined = undefined;
  private bodyEnd = -1;
  private replaced = false;

  constructor(packet: Buffer, header: RequestHeader, policy: ApiPolicy, spec: MessageSpec<K>, elementBudget: number) {
    this.packet = packet;
    this.header = header;
    this.policy = policy;
    this.spec = spec;
    this.budget = elementBudget;
  }

  get apiKey(): K {
    return this.spec.key;
  }

  /** Narrows the request to one API, so that its body has that API's type. */
  is<T extends K>(key: T): this is ClientRequest<T> {
    return this.spec.key === key;
  }

  get apiVersion(): number {
    return this.header.apiVersion;
  }

  /** The size-prefixed frame's content: header and body. */
  get frame(): Buffer {
    return this.packet.subarray(4);
  }

  /** The decoded body; throws DecodeError (or RecordBatchError for a Produce) on a malformed one. */
  get body(): RequestOf<K> {
    if (this.decoded !== undefined) return this.decoded;
    const r = new Reader(this.frame, this.header.bodyOffset);
    r.elementBudget = this.budget;
    const body = this.spec.decodeRequest(r, this.apiVersion);
    VALIDATORS[this.spec.key]?.(body);
    this.decoded = body;
    this.bodyEnd = r.pos;
    return body;
  }

  /** Forward `body` instead of what the client sent (the allowed part of a request). */
  replaceBody(body: RequestOf<K>): void {
    this.decoded = body;
    this.replaced = true;
  }

  /** Bytes after the body's last field, which Kafka ignores (known once the body is decoded). */
  get trailingBytes(): number {
    return this.bodyEnd < 0 || this.replaced ? 0 : this.frame.length - this.bodyEnd;
  }

  /**
   * The packet to send upstream: the client's own bytes when the body stands as sent, without any
   * bytes after its last field (Kafka's broker ignores them, and real clients send some:
   * librdkafka 2.15.1 leaves a 4-byte reserved array count in all-topics Metadata v9+ requests);
   * the client's header with the re-encoded body when a stage replaced it.
   */
  upstreamPacket(): Buffer {
    const body = this.body;
    if (this.replaced) {
      return sizePrefixed(this.frame.length + 64, (w) => {
        w.raw(this.frame.subarray(0, this.header.bodyOffset));
        this.spec.encodeRequest(w, this.apiVersion, body);
      });
    }
    if (this.trailingBytes === 0) return this.packet;
    const out = this.packet.subarray(0, 4 + this.bodyEnd);
    out.writeInt32BE(this.bodyEnd, 0);
    return out;
  }
}

/**
 * Reads a request frame's header after checking its api key and version, which decide the
 * header's layout: an API the proxy does not serve, or a version outside the proxy's range or the
 * broker's, is refused before anything else is read. A broker closes the connection of a client
 * that sends a version it does not support, and on a shared upstream connection that would break
 * every other client's requests, so such a request stops here. ApiVersions is exempt: any version
 * gets an answer (KIP-511).
 */
export function readRequest(packet: Buffer, gate: VersionGate, elementBudget: number): ClientRequest {
  const frame = packet.subarray(4);
  if (frame.length < 4) throw new DecodeError(`request frame of ${frame.length} bytes is shorter than its header`);
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const policy = API_POLICY.get(apiKey);
  const range = proxyVersionRange(apiKey, gate.aclEnforced);
  if (policy === undefined || range === null || !isApiKey(apiKey)) {
    throw new ClientProtocolError('WARDEN_ERR_API_REFUSED', `api key ${apiKey} is not served by this proxy`);
  }
  if (apiKey !== ApiKey.ApiVersions) {
    const known = policy.local ? undefined : gate.cluster.versionsOf(gate.nodeId)?.ranges;
    const broker = known?.get(apiKey);
    const brokerRefuses =
      known !== undefined && (broker === undefined || apiVersion < broker[0] || apiVersion > broker[1]);
    if (apiVersion < range[0] || apiVersion > range[1] || brokerRefuses) {
      throw new ClientProtocolError(
        'WARDEN_ERR_UNSUPPORTED_VERSION',
        `api key ${apiKey} version ${apiVersion} is not supported`,
      );
    }
  }
  return new ClientRequest(packet, decodeRequestHeader(frame, elementBudget), policy, apiSpec(apiKey), elementBudget);
}

/** What decoding alone does not check, per API: Produce record batches. */
const VALIDATORS: { readonly [K in ApiKeyCode]?: (request: RequestOf<K>) => void } = {
  [ApiKey.Produce]: validateProduce,
};

/** Validates every record set of a Produce request; throws RecordBatchError or DecodeError. */
function validateProduce(req: produce.Request): void {
  for (const t of req.topicData) {
    for (const p of t.partitionData) {
      if (p.records === null)
        throw new ClientProtocolError('WARDEN_ERR_RECORD_BATCH', 'produce partition has null records');
      validateRecordBatches(p.records);
    }
  }
}
