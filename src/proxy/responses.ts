import { sizePrefixed } from '../protocol/writer.js';
import { API_SPECS } from '../protocol/generated/index.js';
import { encodeResponseHeader } from '../protocol/headers.js';

/** Encodes a whole response packet (4-byte size, header, body) that the proxy answers itself. */
export function responsePacket(
  apiKey: number,
  version: number,
  correlationId: number,
  body: unknown,
  headerVersion?: number,
): Buffer {
  const spec = API_SPECS.get(apiKey)!;
  return sizePrefixed(128, (w) => {
    if (headerVersion === undefined) encodeResponseHeader(w, apiKey, version, correlationId);
    else {
      w.int32(correlationId);
      if (headerVersion === 1) w.uvarint(0);
    }
    spec.encodeResponse(w, version, body as never);
  });
}
