import { Reader, type TaggedField } from './reader.js';
import { Writer } from './writer.js';
import { API_SPECS, ApiKey } from './generated/index.js';
import { DecodeError } from './errors.js';

/** A decoded request header, plus where the body starts in the frame. */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  tagged: TaggedField[] | undefined;
  /** Offset of the request body within the frame. */
  bodyOffset: number;
  /** True when the header is v2 (flexible): the body uses compact encodings and tagged fields. */
  flexible: boolean;
}

/**
 * Request header version for an api key and version: v2 in the API's flexible versions, v0 for
 * ControlledShutdown v0, v1 otherwise. An unknown api key is read as v1 (its first four fields
 * have the same layout in every header version).
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 | 2 {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  const spec = API_SPECS.get(apiKey);
  if (spec !== undefined && spec.requestFlexible >= 0 && apiVersion >= spec.requestFlexible) return 2;
  return 1;
}

/**
 * Response header version: v1 (with tagged fields) for flexible versions, except ApiVersions
 * whose response header is always v0 so that a client can read it before it knows our versions.
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === ApiKey.ApiVersions) return 0;
  const spec = API_SPECS.get(apiKey);
  if (spec !== undefined && spec.responseFlexible >= 0 && apiVersion >= spec.responseFlexible) return 1;
  return 0;
}

/**
 * Decodes the header at the start of a request frame (the frame excludes the size prefix), with
 * at most `elementBudget` tagged fields (see Reader.elementBudget).
 */
export function decodeRequestHeader(frame: Buffer, elementBudget = Infinity): RequestHeader {
  const r = new Reader(frame);
  r.elementBudget = elementBudget;
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const hv = requestHeaderVersion(apiKey, apiVersion);
  let clientId: string | null = null;
  let tagged: TaggedField[] | undefined;
  // The client id keeps its int16 length even in the flexible header v2.
  if (hv >= 1) clientId = r.nullableString();
  if (hv === 2) tagged = r.taggedFields(null);
  return { apiKey, apiVersion, correlationId, clientId, tagged, bodyOffset: r.pos, flexible: hv === 2 };
}

/** Encodes a request header into `w`. */
export function encodeRequestHeader(
  w: Writer,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  tagged?: TaggedField[],
): void {
  w.int16(apiKey);
  w.int16(apiVersion);
  w.int32(correlationId);
  const hv = requestHeaderVersion(apiKey, apiVersion);
  if (hv >= 1) w.nullableString(clientId);
  if (hv === 2) w.taggedFields(null, tagged);
}

/** Length of the response header of this api key and version, given the frame's bytes. */
export function responseHeaderLength(apiKey: number, apiVersion: number, frame: Buffer): number {
  // Never a length beyond the frame: a header v0 is the correlation id alone, but it must be there.
  if (frame.length < 4)
    throw new DecodeError(`response frame of ${frame.length} bytes is shorter than its correlation id`);
  if (responseHeaderVersion(apiKey, apiVersion) === 0) return 4;
  const r = new Reader(frame, 4);
  r.taggedFields(null);
  return r.pos;
}

/** Reads only the correlation id of a response frame. */
export function responseCorrelationId(frame: Buffer): number {
  if (frame.length < 4) throw new DecodeError('response frame shorter than its correlation id');
  return frame.readInt32BE(0);
}

/** Encodes a response header into `w`. */
export function encodeResponseHeader(w: Writer, apiKey: number, apiVersion: number, correlationId: number): void {
  w.int32(correlationId);
  if (responseHeaderVersion(apiKey, apiVersion) === 1) w.uvarint(0);
}
