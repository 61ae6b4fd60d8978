import { sizePrefixed } from '../protocol/writer.js';
import { Reader } from '../protocol/reader.js';
import { apiSpec, ApiKey, type ApiKeyCode, type RequestOf, type ResponseOf } from '../protocol/generated/index.js';
import { encodeRequestHeader, responseHeaderLength } from '../protocol/headers.js';
import type * as apiVersions from '../protocol/generated/api-versions.js';
import { UpstreamError, type UpstreamConnection } from './upstream.js';

// The proxy's own requests upstream (cluster view, audit sink), outside the client pools.

const CLIENT_ID = 'kafka-warden';

/**
 * Sends one request on a connection and decodes its response. Fields `body` leaves out take their
 * defaults. A response not there within `timeoutMs` fails the connection (and with it the
 * request): nothing else watches the deadline of connections outside the pools.
 */
export function request<K extends ApiKeyCode>(
  conn: UpstreamConnection,
  apiKey: K,
  version: number,
  body: Partial<RequestOf<K>>,
  timeoutMs: number,
): Promise<ResponseOf<K>> {
  const spec = apiSpec(apiKey);
  const packet = sizePrefixed(128, (w) => {
    encodeRequestHeader(w, apiKey, version, 0, CLIENT_ID);
    spec.encodeRequest(w, version, { ...spec.defaultRequest(), ...body });
  });
  return new Promise<ResponseOf<K>>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        conn.fail(
          new UpstreamError(
            'WARDEN_ERR_UPSTREAM_TIMEOUT',
            `no response from ${conn.address.host}:${conn.address.port} within ${timeoutMs} ms`,
          ),
        ),
      Math.max(1, timeoutMs),
    );
    timer.unref();
    conn.send(packet, {
      clientCorrelationId: 0,
      deadline: Date.now() + timeoutMs,
      onResponse(p) {
        clearTimeout(timer);
        try {
          const frame = p.subarray(4);
          const r = new Reader(frame, responseHeaderLength(apiKey, version, frame));
          // Trailing bytes in a response are tolerated, as Kafka clients do (see rewrite.ts).
          resolve(spec.decodeResponse(r, version));
        } catch (e) {
          reject(e as Error);
        }
      },
      onError(e) {
        clearTimeout(timer);
        reject(e);
      },
    });
  });
}

/** The version ranges one broker supports, by api key. */
export type VersionRanges = Map<number, [number, number]>;

/** Broker ranges plus what an ApiVersions v3+ response carries beyond them. */
export interface BrokerVersions {
  ranges: VersionRanges;
  /** The broker's full ApiVersions v3 response when it supports v3 (features), else null. */
  v3: apiVersions.Response | null;
}

/** ApiVersions v0, then v3 (features) when the broker has it; each request gets `timeoutMs()` left. */
export async function fetchApiVersions(conn: UpstreamConnection, timeoutMs: () => number): Promise<BrokerVersions> {
  const v0 = await request(conn, ApiKey.ApiVersions, 0, {}, timeoutMs());
  if (v0.errorCode !== 0)
    throw new UpstreamError('WARDEN_ERR_UPSTREAM_PROTOCOL', `ApiVersions failed with error ${v0.errorCode}`);
  const ranges: VersionRanges = new Map(v0.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
  let v3: apiVersions.Response | null = null;
  const av = ranges.get(ApiKey.ApiVersions);
  if (av && av[1] >= 3) {
    v3 = await request(
      conn,
      ApiKey.ApiVersions,
      3,
      { clientSoftwareName: CLIENT_ID, clientSoftwareVersion: '0.1.0' },
      timeoutMs(),
    );
    if (v3.errorCode !== 0) v3 = null;
  }
  return { ranges, v3 };
}
