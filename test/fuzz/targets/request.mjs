// Fuzz target: one request frame (the bytes after the 4-byte size prefix) as a hostile client sends
// it, through the same steps as ClientConnection.handle(): the api key and version against the
// proxy's table, decodeRequestHeader, the spec's decodeRequest, Produce's record-batch validation;
// then what the proxy does with a decoded request: the ACL check (with a deterministic stand-in
// authorizer) and the re-encoding of what it forwards or answers, the error response it builds for
// ILLEGAL_SASL_STATE, and the policy functions that decide how long a request may be held.
//
// Properties: every step either succeeds or throws a WardenError; a decoded header and body
// round-trip (checkRoundTrip); what the ACL check forwards re-encodes to a request that decodes.
import { refusedOr, checkRoundTrip, encodes, withAllocationBudget, PropertyError } from './common.mjs';
import { API_SPECS, ApiKey } from '../../../dist/protocol/generated/index.js';
import { ErrorCode } from '../../../dist/protocol/generated/error-codes.js';
import { decodeRequestHeader, encodeRequestHeader } from '../../../dist/protocol/headers.js';
import { Reader } from '../../../dist/protocol/reader.js';
import { Writer } from '../../../dist/protocol/writer.js';
import { validateRecordBatches } from '../../../dist/protocol/record-batch.js';
import { fillZeroCrcs } from './record-batch.mjs';
import { API_POLICY, proxyVersionRange } from '../../../dist/proxy/api-table.js';
import { API_CHECKS } from '../../../dist/acl/checks/index.js';
import { errorResponseOf } from '../../../dist/protocol/error-response.js';
import { responsePacket } from '../../../dist/proxy/responses.js';

/**
 * ClientConnection's validateProduce (module-private there): every partition's record set. First,
 * as the record-batch target does, a batch whose CRC field is 0 gets its CRC filled in (in the
 * frame itself: records are views of it), so that mutations get past the CRC check.
 */
function validateProduce(req) {
  for (const t of req.topicData) {
    for (const p of t.partitionData) {
      // The proxy refuses null records with a ClientProtocolError (a WardenError).
      if (p.records === null) return false;
      fillZeroCrcs(p.records);
      validateRecordBatches(p.records);
    }
  }
  return true;
}

/**
 * An authorizer whose answers depend only on the resource, so that the ACL checks take their
 * allow, deny and mixed paths deterministically for one input.
 */
function authz(seed) {
  const mix = (s) => {
    let h = seed;
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return h;
  };
  return {
    superUser: false,
    // With ACLs (not the open, no-authorizer mode); one topic name in eight is one of the proxy's own.
    open: false,
    restricted: (topic) => (mix(`protected/${topic}`) & 7) === 0,
    restrictsAny: (seed & 1) === 1,
    clientId: seed & 2 ? '__admin_client' : 'fuzz',
    allowed: (operation, type, name) => (mix(`${operation}/${type}/${name}`) & 3) !== 0,
    allowedOnAny: (operation, _type) => ((seed >> (operation % 8)) & 1) === 1,
    topicName: (id) => (id[0] & 1 ? `topic-${id.toString('hex', 0, 4)}` : null),
    learnTopic: () => {},
  };
}

export function fuzz(data) {
  const frame = Buffer.from(data);
  withAllocationBudget(frame.length, () => handle(frame));
}

function handle(frame) {
  if (frame.length < 4) return; // DecodeError in the proxy
  const apiKey = frame.readInt16BE(0);
  const apiVersion = frame.readInt16BE(2);
  const policy = API_POLICY.get(apiKey);
  // Without ACLs the proxy serves the widest set of APIs and versions.
  const range = proxyVersionRange(apiKey, false);
  if (policy === undefined || range === null) return; // WARDEN_ERR_API_REFUSED
  const inRange = apiVersion >= range[0] && apiVersion <= range[1];
  // ApiVersions of any version gets an answer (its header is read first); others stop here.
  if (apiKey !== ApiKey.ApiVersions && !inRange) return;

  const header = refusedOr(() => decodeRequestHeader(frame));
  if (header === undefined) return;
  if (header.apiKey !== apiKey || header.apiVersion !== apiVersion)
    throw new PropertyError('header api key or version differs from the frame');
  if (header.bodyOffset < 8 || header.bodyOffset > frame.length)
    throw new PropertyError(`header body offset ${header.bodyOffset} outside the frame`);
  // The proxy forwards the header's own bytes, but the decoded header must round-trip too.
  const hw = new Writer(header.bodyOffset);
  if (
    encodes(
      header,
      () =>
        encodeRequestHeader(
          hw,
          header.apiKey,
          header.apiVersion,
          header.correlationId,
          header.clientId,
          header.tagged,
        ) ?? true,
    ) !== undefined
  ) {
    const again = decodeRequestHeader(Buffer.from(hw.finish()));
    for (const k of ['apiKey', 'apiVersion', 'correlationId', 'clientId', 'flexible']) {
      if (again[k] !== header[k]) throw new PropertyError(`request header ${k} does not round-trip`);
    }
  }
  if (!inRange) return; // an ApiVersions version the proxy does not know: answered from the header

  const spec = API_SPECS.get(apiKey);
  const r = new Reader(frame, header.bodyOffset);
  const body = refusedOr(() => {
    const b = spec.decodeRequest(r, apiVersion);
    return apiKey === ApiKey.Produce && !validateProduce(b) ? undefined : b;
  });
  if (body === undefined) return;
  if (r.pos > r.end) throw new PropertyError('decoding read past the frame');
  checkRoundTrip(`${spec.name} v${apiVersion} request`, spec.encodeRequest, spec.decodeRequest, apiVersion, body);

  // How the proxy routes it (forward()).
  policy.parks?.(body);
  const hold = policy.holdMs?.(body) ?? 0;
  if (!(hold >= 0)) throw new PropertyError(`holdMs is ${hold}`);

  // What follows re-encodes what was decoded; it may refuse a string that decoded longer than it
  // came (see checkRoundTrip), which the proxy answers by closing the connection.
  // The ILLEGAL_SASL_STATE answer built from the request before authentication.
  encodes(body, () =>
    responsePacket(
      apiKey,
      apiVersion,
      header.correlationId,
      errorResponseOf(apiKey, body, ErrorCode.ILLEGAL_SASL_STATE),
    ),
  );

  const aclRange = proxyVersionRange(apiKey, true);
  if (policy.local || aclRange === null || apiVersion < aclRange[0] || apiVersion > aclRange[1]) return;
  const verdict = API_CHECKS.get(apiKey).check(authz(frame[frame.length - 1] ?? 0), apiVersion, body);
  if (verdict === null) return;
  if (verdict.kind === 'answer')
    encodes(body, () => responsePacket(apiKey, apiVersion, header.correlationId, verdict.response));
  else if (verdict.kind === 'forward' && verdict.request !== undefined) {
    // requestPacket(): the original header bytes, then the re-encoded allowed part.
    const out = encodes(body, () => {
      const w = new Writer(frame.length);
      w.raw(frame.subarray(0, header.bodyOffset));
      spec.encodeRequest(w, apiVersion, verdict.request);
      return Buffer.from(w.finish());
    });
    if (out === undefined) return;
    const rr = new Reader(out, header.bodyOffset);
    try {
      spec.decodeRequest(rr, apiVersion);
    } catch (e) {
      throw new PropertyError(`the request forwarded after the ACL check does not decode: ${e.message}`);
    }
    if (rr.pos !== rr.end) throw new PropertyError('the request forwarded after the ACL check has trailing bytes');
  }
}
