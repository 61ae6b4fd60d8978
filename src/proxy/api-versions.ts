import { ApiKey } from '../protocol/generated/index.js';
import { ErrorCode } from '../protocol/generated/error-codes.js';
import * as apiVersions from '../protocol/generated/api-versions.js';
import { API_POLICY, proxyVersionRange } from './api-table.js';
import type { BrokerVersions } from './upstream-request.js';

/** Software names and versions a v3+ client may report (KIP-511). */
const SOFTWARE_RE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/**
 * The ApiVersions answer for a client: for every API the proxy handles, the intersection of the
 * broker's range and the range the proxy can decode; APIs the proxy answers itself carry its own
 * range. An API the broker lacks, or that the proxy refuses (with ACLs on: one with no
 * authorization check), is left out.
 */
export function supportedVersions(
  broker: BrokerVersions | null,
  aclEnforced = false,
): apiVersions.ResponseApiVersion[] {
  const out: apiVersions.ResponseApiVersion[] = [];
  for (const [key, policy] of API_POLICY) {
    const ours = proxyVersionRange(key, aclEnforced);
    if (ours === null) continue;
    let lo = ours[0];
    let hi = ours[1];
    if (!policy.local) {
      const theirs = broker?.ranges.get(key);
      if (theirs === undefined) continue;
      lo = Math.max(lo, theirs[0]);
      hi = Math.min(hi, theirs[1]);
    }
    if (lo <= hi) out.push({ apiKey: key, minVersion: lo, maxVersion: hi, _tagged: undefined });
  }
  out.sort((a, b) => a.apiKey - b.apiKey);
  return out;
}

/**
 * The versions a client must be able to send once the cluster finalizes transaction.version 2
 * (KIP-890 part 2): Produce and TxnOffsetCommit then add their partitions and group to the
 * transaction themselves, and EndTxn bumps the epoch. A Java client (4.0+) told the feature is on
 * but offered Produce below v12 skips AddPartitionsToTxn, and the broker refuses its writes to
 * partitions never added (the client gets TransactionAbortableException).
 */
const TRANSACTION_V2_NEEDS: ReadonlyArray<[number, number]> = [
  [ApiKey.Produce, 12],
  [ApiKey.TxnOffsetCommit, 5],
  [ApiKey.EndTxn, 5],
];
const TRANSACTION_VERSION = 'transaction.version';

/**
 * The broker's features as this proxy can serve them: where the versions transactions v2 needs
 * are not offered (an older codec, or a check written up to an older version), transaction.version
 * is reported at 1 at most, supported and finalized, so that clients keep to the transaction
 * protocol Kafka's brokers still serve for older clients.
 */
export function servableFeatures(
  v3: Pick<apiVersions.Response, 'supportedFeatures' | 'finalizedFeatures'>,
  offered: apiVersions.ResponseApiVersion[],
): Pick<apiVersions.Response, 'supportedFeatures' | 'finalizedFeatures'> {
  const max = new Map(offered.map((k) => [k.apiKey, k.maxVersion]));
  if (TRANSACTION_V2_NEEDS.every(([key, version]) => (max.get(key) ?? -1) >= version)) return v3;
  return {
    supportedFeatures: v3.supportedFeatures.map((f) =>
      f.name === TRANSACTION_VERSION
        ? { ...f, minVersion: Math.min(f.minVersion, 1), maxVersion: Math.min(f.maxVersion, 1) }
        : f,
    ),
    finalizedFeatures: v3.finalizedFeatures.map((f) =>
      f.name === TRANSACTION_VERSION
        ? { ...f, minVersionLevel: Math.min(f.minVersionLevel, 1), maxVersionLevel: Math.min(f.maxVersionLevel, 1) }
        : f,
    ),
  };
}

/** Highest ApiVersions version the proxy answers. */
export function apiVersionsMax(): number {
  return proxyVersionRange(ApiKey.ApiVersions)![1];
}

/**
 * Builds the ApiVersions response body for a request of `version`. `request` is null when the
 * version is unsupported (the body was not decoded); the answer is then UNSUPPORTED_VERSION in a
 * v0 body whose list carries the ApiVersions range, as Kafka answers.
 */
export function apiVersionsResponse(
  version: number,
  request: apiVersions.Request | null,
  broker: BrokerVersions | null,
  aclEnforced = false,
): { body: apiVersions.Response; bodyVersion: number } {
  const body = apiVersions.defaultResponse();
  if (request === null) {
    body.errorCode = ErrorCode.UNSUPPORTED_VERSION;
    body.apiKeys = [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: apiVersionsMax(), _tagged: undefined }];
    return { body, bodyVersion: 0 };
  }
  if (
    version >= 3 &&
    (!SOFTWARE_RE.test(request.clientSoftwareName) || !SOFTWARE_RE.test(request.clientSoftwareVersion))
  ) {
    body.errorCode = ErrorCode.INVALID_REQUEST;
    return { body, bodyVersion: version };
  }
  body.apiKeys = supportedVersions(broker, aclEnforced);
  const v3 = broker?.v3;
  if (version >= 3 && v3) {
    const features = servableFeatures(v3, body.apiKeys);
    body.supportedFeatures = features.supportedFeatures;
    body.finalizedFeatures = features.finalizedFeatures;
    body.finalizedFeaturesEpoch = v3.finalizedFeaturesEpoch;
    body.zkMigrationReady = v3.zkMigrationReady;
  }
  return { body, bodyVersion: version };
}
