import type { RequestHeader } from '../protocol/headers.js';
import { responseHeaderLength } from '../protocol/headers.js';
import { Reader } from '../protocol/reader.js';
import { apiSpec, ApiKey } from '../protocol/generated/index.js';
import type * as produce from '../protocol/generated/produce.js';
import { WardenError } from '../protocol/errors.js';

/**
 * Produce with acks=0 on connections the proxy shares between clients.
 *
 * A Kafka broker closes the connection when an acks=0 Produce fails for any partition (the client
 * awaits no response, so the close is how it learns: KafkaApis.handleProduceRequest). On a pooled
 * upstream connection that close would fail every other client's requests in flight on it. So the
 * proxy sends such a request upstream with acks=1, awaits the answer without passing it on, and
 * closes the client's own connection when any partition failed, which is what the client would
 * have seen from the broker. It also puts acks=0 under the in-flight and memory limits every other
 * request has.
 */
export const ACKS_ZERO_AS = 1;

/** Rewrites the acks field of a Produce request packet (4-byte size + frame) in place. */
export function rewriteAcks(packet: Buffer, header: RequestHeader, request: produce.Request, acks: number): void {
  const at = 4 + header.bodyOffset + transactionalIdSize(header.apiVersion, request.transactionalId);
  if (at + 2 > packet.length || packet.readInt16BE(at) !== request.acks) {
    throw new WardenError('WARDEN_ERR_INTERNAL', 'produce acks field not where the request places it');
  }
  packet.writeInt16BE(acks, at);
}

/** Bytes of the TransactionalId field (v3+; nullable string, compact from v9). */
function transactionalIdSize(version: number, id: string | null): number {
  if (version < 3) return 0;
  const len = id === null ? -1 : Buffer.byteLength(id, 'utf8');
  if (version < 9) return 2 + Math.max(0, len);
  let n = len + 1;
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size + Math.max(0, len);
}

/** The first partition error of a Produce response packet, or 0 when every partition succeeded. */
export function produceError(packet: Buffer, version: number): number {
  const frame = packet.subarray(4);
  const r = new Reader(frame, responseHeaderLength(ApiKey.Produce, version, frame));
  const res = apiSpec(ApiKey.Produce).decodeResponse(r, version);
  for (const t of res.responses) for (const p of t.partitionResponses) if (p.errorCode !== 0) return p.errorCode;
  return 0;
}
