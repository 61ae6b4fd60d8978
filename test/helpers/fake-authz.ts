// A fake AuthzContext for the checks' unit tests: allows what `grants` lists
// ("OPERATION:TYPE:name", e.g. "READ:TOPIC:orders", name '*' for any) and records every decision.
import type { AuthzContext } from '../../src/acl/checks/context.js';
import { operationName, resourceTypeName } from '../../src/acl/model.js';
import type { ApiKeyCode, MessageSpec, RequestOf, ResponseOf } from '../../src/protocol/generated/index.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';

export interface FakeAuthz extends AuthzContext {
  readonly asked: string[];
}

export function fakeAuthz(
  grants: string[],
  opts: { open?: boolean; superUser?: boolean; restricted?: string[]; clientId?: string | null } = {},
): FakeAuthz {
  const asked: string[] = [];
  const topicIds = new Map<string, string>();
  const granted = (key: string) => grants.includes(key) || grants.includes(key.replace(/:[^:]*$/, ':*'));
  return {
    asked,
    allowed(operation, type, name) {
      const key = `${operationName(operation)}:${resourceTypeName(type)}:${name}`;
      asked.push(key);
      return !(opts.restricted ?? []).includes(name) && (opts.open === true || granted(key));
    },
    superUser: opts.superUser ?? false,
    open: opts.open ?? false,
    restricted: (topic) => (opts.restricted ?? []).includes(topic),
    restrictsAny: (opts.restricted ?? []).length > 0,
    clientId: opts.clientId ?? null,
    allowedOnAny: (operation, type) =>
      grants.some((g) => g.startsWith(`${operationName(operation)}:${resourceTypeName(type)}:`)),
    topicName: (id) => topicIds.get(id.toString('hex')) ?? null,
    learnTopic: (id, name) => void topicIds.set(id.toString('hex'), name),
  };
}

/** A request as the proxy would see it: encoded at `version` and decoded again. */
export function wireRequest<K extends ApiKeyCode>(
  spec: MessageSpec<K>,
  version: number,
  m: RequestOf<K>,
): RequestOf<K> {
  const w = new Writer(64);
  spec.encodeRequest(w, version, m);
  return spec.decodeRequest(new Reader(w.finish(), 0), version);
}

/** A response as it would come from the broker (or go to the client). */
export function wireResponse<K extends ApiKeyCode>(
  spec: MessageSpec<K>,
  version: number,
  m: ResponseOf<K>,
): ResponseOf<K> {
  const w = new Writer(64);
  spec.encodeResponse(w, version, m);
  return spec.decodeResponse(new Reader(w.finish(), 0), version);
}
