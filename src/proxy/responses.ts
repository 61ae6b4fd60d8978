import { sizePrefixed } from '../protocol/writer.js';
import { apiSpec, type ApiKeyCode, type ResponseOf } from '../protocol/generated/index.js';
import { encodeResponseHeader } from '../protocol/headers.js';

/** Encodes a whole response packet (4-byte size, header, body) that the proxy answers itself. */
export function responsePacket<K extends ApiKeyCode>(
  apiKey: K,
  version: number,
  correlationId: number,
  body: ResponseOf<K>,
  headerVersion?: number,
): Buffer {
  const spec = apiSpec(apiKey);
  return sizePrefixed(128, (w) => {
    if (headerVersion === undefined) encodeResponseHeader(w, apiKey, version, correlationId);
    else {
      w.int32(correlationId);
      if (headerVersion === 1) w.uvarint(0);
    }
    spec.encodeResponse(w, version, body);
  });
}
