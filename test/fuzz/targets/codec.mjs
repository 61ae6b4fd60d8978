// Fuzz target: every generated codec, requests and responses, at every version it knows (not
// only what the proxy serves: responses come from brokers, and the proxy decodes those it
// rewrites), and the request and response headers. The first three bytes choose what to decode:
//   byte 0: api key (an index into API_SPECS), byte 1: version (from the spec's lowest);
//   byte 2, low two bits: 0 a request body, 1 a response body, 2 a request frame (header and
//   body, any api key and version, the header choosing the codec), 3 a response frame (header
//   and body).
// The rest is the message. Properties: decoding succeeds or throws a WardenError; a decoded
// header and body round-trip (checkRoundTrip).
import { refusedOr, checkRoundTrip, encodes, withAllocationBudget, PropertyError } from './common.mjs';
import { API_SPECS } from '../../../dist/protocol/generated/index.js';
import { decodeRequestHeader, encodeRequestHeader, responseHeaderLength } from '../../../dist/protocol/headers.js';
import { Reader } from '../../../dist/protocol/reader.js';
import { Writer } from '../../../dist/protocol/writer.js';

export const KEYS = [...API_SPECS.keys()];
export const REQUEST = 0;
export const RESPONSE = 1;
export const REQUEST_FRAME = 2;
export const RESPONSE_FRAME = 3;

/** The three selector bytes for a message of this api key, version and kind. */
export function selector(apiKey, version, kind) {
  const spec = API_SPECS.get(apiKey);
  return Buffer.from([KEYS.indexOf(apiKey), version - spec.minVersion, kind]);
}

export function fuzz(data) {
  if (data.length < 3) return;
  const message = Buffer.from(data.subarray(3));
  withAllocationBudget(message.length, () => decode(data, message));
}

function decode(data, message) {
  const kind = data[2] & 3;
  let spec = API_SPECS.get(KEYS[data[0] % KEYS.length]);
  let version = spec.minVersion + (data[1] % (spec.maxVersion - spec.minVersion + 1));
  let start = 0;
  if (kind === REQUEST_FRAME) {
    const header = refusedOr(() => decodeRequestHeader(message));
    if (header === undefined) return;
    if (header.bodyOffset < 8 || header.bodyOffset > message.length)
      throw new PropertyError(`request header ends at ${header.bodyOffset}, outside the frame`);
    const w = new Writer(header.bodyOffset);
    if (
      encodes(
        header,
        () =>
          encodeRequestHeader(
            w,
            header.apiKey,
            header.apiVersion,
            header.correlationId,
            header.clientId,
            header.tagged,
          ) ?? true,
      ) !== undefined
    ) {
      const bytes = Buffer.from(w.finish());
      const again = decodeRequestHeader(bytes);
      if (again.bodyOffset !== bytes.length)
        throw new PropertyError('the re-encoded request header does not decode to its end');
      for (const k of ['apiKey', 'apiVersion', 'correlationId', 'clientId', 'flexible', 'tagged']) {
        if (JSON.stringify(again[k]) !== JSON.stringify(header[k]))
          throw new PropertyError(`request header ${k} does not round-trip`);
      }
    }
    spec = API_SPECS.get(header.apiKey);
    version = header.apiVersion;
    if (spec === undefined || version < spec.minVersion || version > spec.maxVersion) return;
    start = header.bodyOffset;
  } else if (kind === RESPONSE_FRAME) {
    start = refusedOr(() => responseHeaderLength(spec.key, version, message));
    if (start === undefined) return;
    if (start < 4 || start > message.length)
      throw new PropertyError(`response header length ${start} outside the frame`);
  }
  const response = kind === RESPONSE || kind === RESPONSE_FRAME;
  const decodeBody = response ? spec.decodeResponse : spec.decodeRequest;
  const encodeBody = response ? spec.encodeResponse : spec.encodeRequest;
  const r = new Reader(message, start);
  const value = refusedOr(() => decodeBody(r, version));
  if (value === undefined) return;
  if (r.pos > r.end) throw new PropertyError('decoding read past the message');
  checkRoundTrip(
    `${spec.name} v${version} ${response ? 'response' : 'request'}`,
    encodeBody,
    decodeBody,
    version,
    value,
  );
}
