import { ErrorCode } from '../protocol/generated/error-codes.js';
import type * as describeUserScramCredentials from '../protocol/generated/describe-user-scram-credentials.js';
import type * as alterUserScramCredentials from '../protocol/generated/alter-user-scram-credentials.js';
import { credentialFromSalted, MIN_ITERATIONS, MAX_ITERATIONS, type ScramMechanism } from './scram.js';
import type { CredentialStore } from './credentials.js';

/** Kafka's ScramMechanism type codes on the wire. */
const MECHANISM_BY_CODE: Record<number, ScramMechanism> = { 1: 'SCRAM-SHA-256', 2: 'SCRAM-SHA-512' };
const CODE_BY_MECHANISM: Record<ScramMechanism, number> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };

/**
 * DescribeUserScramCredentials answered from the proxy's credential store, as Kafka's broker
 * answers it: all users for a null list, RESOURCE_NOT_FOUND for unknown ones, DUPLICATE_RESOURCE
 * for a name asked twice, CLUSTER_AUTHORIZATION_FAILED when the caller may not describe.
 */
export function describeScram(
  req: describeUserScramCredentials.Request,
  store: CredentialStore,
  authorized: boolean,
): describeUserScramCredentials.Response {
  const res: describeUserScramCredentials.Response = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    results: [],
    _tagged: undefined,
  };
  if (!authorized) {
    res.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    res.errorMessage = 'Cluster authorization failed.';
    return res;
  }
  const all = store.list();
  const names = req.users === null ? all.map((u) => u.user) : req.users.map((u) => u.name);
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const entry = all.find((u) => u.user === name);
    if (counts.get(name)! > 1) {
      res.results.push({
        user: name,
        errorCode: ErrorCode.DUPLICATE_RESOURCE,
        errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${name}`,
        credentialInfos: [],
        _tagged: undefined,
      });
    } else if (entry === undefined) {
      res.results.push({
        user: name,
        errorCode: ErrorCode.RESOURCE_NOT_FOUND,
        errorMessage: `Attempt to describe a user credential that does not exist: ${name}`,
        credentialInfos: [],
        _tagged: undefined,
      });
    } else {
      res.results.push({
        user: name,
        errorCode: 0,
        errorMessage: null,
        credentialInfos: entry.mechanisms.map((m) => ({
          mechanism: CODE_BY_MECHANISM[m.mechanism],
          iterations: m.iterations,
          _tagged: undefined,
        })),
        _tagged: undefined,
      });
    }
  }
  return res;
}

/**
 * AlterUserScramCredentials applied to the proxy's store and saved to its file. Clients send the
 * salted password (never the password); the proxy keeps only StoredKey and ServerKey derived from
 * it. Errors per user as Kafka reports them.
 */
export function alterScram(
  req: alterUserScramCredentials.Request,
  store: CredentialStore,
  authorized: boolean,
): { response: alterUserScramCredentials.Response; changed: string[] } {
  const users = [...new Set([...req.deletions.map((d) => d.name), ...req.upsertions.map((u) => u.name)])];
  const response: alterUserScramCredentials.Response = { throttleTimeMs: 0, results: [], _tagged: undefined };
  const result = (user: string, errorCode: number, errorMessage: string | null) =>
    response.results.push({ user, errorCode, errorMessage, _tagged: undefined });
  if (!authorized) {
    for (const u of users) result(u, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    return { response, changed: [] };
  }
  const changed: string[] = [];
  // Decided against the credentials as they are in the file, under its lock (see update).
  store.update(() => {
    alterUsers(req, users, store, result, changed);
    return changed.length > 0;
  });
  return { response, changed };
}

/** Each user's deletions and upsertions, refused as Kafka refuses them or applied to the store. */
function alterUsers(
  req: alterUserScramCredentials.Request,
  users: readonly string[],
  store: CredentialStore,
  result: (user: string, errorCode: number, errorMessage: string | null) => void,
  changed: string[],
): void {
  for (const user of users) {
    const dels = req.deletions.filter((d) => d.name === user);
    const ups = req.upsertions.filter((u) => u.name === user);
    const refusal = refusalOf(user, dels, ups, store);
    if (refusal !== null) {
      result(user, refusal[0], refusal[1]);
      continue;
    }
    for (const d of dels) store.remove(user, MECHANISM_BY_CODE[d.mechanism]!);
    for (const u of ups) {
      const m = MECHANISM_BY_CODE[u.mechanism]!;
      store.set(user, m, credentialFromSalted(m, Buffer.from(u.saltedPassword), Buffer.from(u.salt), u.iterations));
    }
    changed.push(user);
    result(user, 0, null);
  }
}

/** Why Kafka would refuse one user's alterations (error code and message), or null. */
function refusalOf(
  user: string,
  dels: alterUserScramCredentials.RequestScramCredentialDeletion[],
  ups: alterUserScramCredentials.RequestScramCredentialUpsertion[],
  store: CredentialStore,
): [number, string] | null {
  const mechs = [...dels.map((d) => d.mechanism), ...ups.map((u) => u.mechanism)];
  if (user === '') return [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'];
  if (mechs.some((m) => MECHANISM_BY_CODE[m] === undefined))
    return [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'];
  if (new Set(mechs).size !== mechs.length) {
    return [ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'];
  }
  const unacceptable = (u: alterUserScramCredentials.RequestScramCredentialUpsertion) =>
    u.iterations < MIN_ITERATIONS ||
    u.iterations > MAX_ITERATIONS ||
    u.saltedPassword.length === 0 ||
    u.salt.length === 0;
  if (ups.some(unacceptable)) {
    return [
      ErrorCode.UNACCEPTABLE_CREDENTIAL,
      `Iterations must be between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}, with a salt and a salted password`,
    ];
  }
  if (dels.some((d) => store.lookup(user, MECHANISM_BY_CODE[d.mechanism]!) === undefined)) {
    return [ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'];
  }
  return null;
}
