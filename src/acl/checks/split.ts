// The one shape most checks share: a request names a list of resources, each decided on its own.
import type { ApiKeyCode, RequestOf, ResponseOf } from '../../protocol/generated/index.js';
import type { VerdictOf } from './context.js';

/** How one API's request splits by resource and its response merges back. */
export interface SplitSpec<K extends ApiKeyCode, Q, R> {
  /** The request's resources, in request order. */
  items: readonly Q[];
  /** 0 when the item is allowed, else its error code. */
  decide: (q: Q) => number;
  /** The request with only these items. */
  withItems: (items: Q[]) => RequestOf<K>;
  /** The response entry for a denied request item. */
  denied: (q: Q, code: number) => R;
  /** A response with no entries (for answering locally). */
  empty: () => ResponseOf<K>;
  /** The response's entry list (replaced in place by the merged one). */
  list: (r: ResponseOf<K>) => R[];
  reqKey: (q: Q) => string;
  resKey: (r: R) => string;
}

/**
 * Splits a request's resources into allowed and denied. When nothing is denied the request goes as
 * it is; when nothing is allowed the proxy answers; otherwise the allowed part is forwarded and the
 * denied resources' entries are merged back into the broker's response in request order. `key`
 * names the API, so that the request and response functions are checked against its messages.
 */
export function split<K extends ApiKeyCode, Q, R>(key: K, spec: SplitSpec<K, Q, R>): VerdictOf<K> {
  const codes = spec.items.map(spec.decide);
  if (codes.every((c) => c === 0)) return null;
  const deniedAt = new Map<number, R>();
  codes.forEach((code, i) => {
    if (code !== 0) deniedAt.set(i, spec.denied(spec.items[i]!, code));
  });
  if (deniedAt.size === spec.items.length) {
    const res = spec.empty();
    replace(spec.list(res), [...deniedAt.values()]);
    return { kind: 'answer', response: res };
  }
  const allowed = spec.items.filter((_, i) => codes[i] === 0);
  return {
    kind: 'forward',
    request: spec.withItems(allowed),
    response: (res) => {
      const l = spec.list(res);
      replace(l, mergeInOrder(spec.items, deniedAt, l, spec.reqKey, spec.resKey));
      return res;
    },
  };
}

/** In place, so that the lens needs no setter; a loop, as a spread of a long list overflows the stack. */
function replace<T>(list: T[], items: readonly T[]): void {
  list.length = 0;
  for (const x of items) list.push(x);
}

/**
 * The results of the original request in its order: a denied item's local result, an allowed
 * item's upstream result (matched by key). Upstream results that match no request item are
 * dropped: nothing reaches the client that the proxy did not authorize.
 */
export function mergeInOrder<Q, R>(
  items: readonly Q[],
  deniedAt: ReadonlyMap<number, R>,
  upstream: readonly R[],
  reqKey: (q: Q) => string,
  resKey: (r: R) => string,
): R[] {
  const byKey = new Map<string, R[]>();
  for (const r of upstream) {
    const k = resKey(r);
    const l = byKey.get(k);
    if (l === undefined) byKey.set(k, [r]);
    else l.push(r);
  }
  const out: R[] = [];
  items.forEach((q, i) => {
    const d = deniedAt.get(i);
    if (d !== undefined) {
      out.push(d);
      return;
    }
    const r = byKey.get(reqKey(q))?.shift();
    if (r !== undefined) out.push(r);
  });
  return out;
}
