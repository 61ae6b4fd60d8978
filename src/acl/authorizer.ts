import { LRUCache } from 'lru-cache';
import {
  Operation,
  Permission,
  PatternType,
  WILDCARD,
  WILDCARD_PRINCIPAL,
  type AclBinding,
  type OperationCode,
  type ResourceTypeCode,
} from './model.js';

/**
 * Why a decision came out as it did (for audit and metrics). `protectedTopic` is never the
 * authorizer's: the decision path (decision.ts) denies the proxy's own topics before asking it.
 */
export type DecisionReason =
  | 'superUser'
  | 'deniedByAcl'
  | 'allowedByAcl'
  | 'noMatchingAllow'
  | 'noAclsAllowed'
  | 'noAclsDenied'
  | 'protectedTopic';

export interface Decision {
  allowed: boolean;
  reason: DecisionReason;
  /** The ACL that decided (a DENY or an ALLOW), when one did. */
  acl: AclBinding | null;
}

/** A character trie of PREFIXED patterns: walking a name visits every stored prefix of it. */
class PrefixTrie {
  private readonly root: TrieNode = { next: new Map(), acls: null };

  add(prefix: string, acl: AclBinding): void {
    let n = this.root;
    for (const ch of prefix) {
      let c = n.next.get(ch);
      if (c === undefined) n.next.set(ch, (c = { next: new Map(), acls: null }));
      n = c;
    }
    (n.acls ??= []).push(acl);
  }

  /** Calls `fn` with the ACL lists of every stored prefix of `name` (the empty prefix included). */
  forEachPrefix(name: string, fn: (acls: AclBinding[]) => void): void {
    let n: TrieNode | undefined = this.root;
    if (n.acls) fn(n.acls);
    for (const ch of name) {
      n = n.next.get(ch);
      if (n === undefined) return;
      if (n.acls) fn(n.acls);
    }
  }
}
interface TrieNode {
  next: Map<string, TrieNode>;
  acls: AclBinding[] | null;
}

/** The ACLs of one resource type, indexed for lookups by resource name. */
class TypeIndex {
  readonly literal = new Map<string, AclBinding[]>();
  readonly prefixed = new PrefixTrie();

  add(a: AclBinding): void {
    if (a.patternType === PatternType.PREFIXED) this.prefixed.add(a.resourceName, a);
    else {
      let l = this.literal.get(a.resourceName);
      if (l === undefined) this.literal.set(a.resourceName, (l = []));
      l.push(a);
    }
  }
}

/**
 * Implied operations, for ALLOW bindings only (Kafka's StandardAuthorizer): DESCRIBE is granted by
 * READ, WRITE, DELETE and ALTER; DESCRIBE_CONFIGS by ALTER_CONFIGS. ALL matches every operation.
 */
function allowCovers(aclOp: OperationCode, op: OperationCode): boolean {
  if (aclOp === Operation.ALL || aclOp === op) return true;
  if (op === Operation.DESCRIBE)
    return (
      aclOp === Operation.READ || aclOp === Operation.WRITE || aclOp === Operation.DELETE || aclOp === Operation.ALTER
    );
  if (op === Operation.DESCRIBE_CONFIGS) return aclOp === Operation.ALTER_CONFIGS;
  return false;
}

export interface AuthorizerOptions {
  superUsers?: Iterable<string>;
  allowEveryoneIfNoAclFound?: boolean;
  /** Decisions kept in the LRU cache (cleared on every ACL change). */
  cacheSize?: number;
}

/**
 * Kafka's standard authorizer semantics over an indexed ACL set:
 *
 * 1. Super users are allowed everything, before any DENY.
 * 2. The candidate ACLs of a resource are its LITERAL name, LITERAL `*`, and every PREFIXED
 *    pattern that is a prefix of the name; a candidate applies when its principal is the caller's
 *    or `User:*` and its host is the caller's address or `*`.
 * 3. Any applying DENY for the operation (or ALL) denies. Otherwise any applying ALLOW that covers
 *    the operation (ALL, the operation, or an implying one) allows.
 * 4. Otherwise: denied if the resource has any candidate ACL at all; if it has none,
 *    allowEveryoneIfNoAclFound decides (default false: denied). Fails closed.
 *
 * Lookups cost one map lookup, one walk of the name through the prefix trie, and a scan of the
 * few candidates; decisions are cached in an LRU keyed by the whole request.
 */
export class Authorizer {
  private index = new Map<ResourceTypeCode, TypeIndex>();
  private acls: AclBinding[] = [];
  private superUsers: Set<string>;
  private allowIfNoAcl: boolean;
  private readonly cache: LRUCache<string, Decision>;
  /** Incremented on every change, so holders of old decisions can tell. */
  generation = 0;

  constructor(opts: AuthorizerOptions = {}) {
    this.superUsers = new Set(opts.superUsers ?? []);
    this.allowIfNoAcl = opts.allowEveryoneIfNoAclFound ?? false;
    this.cache = new LRUCache({ max: opts.cacheSize ?? 100_000 });
  }

  get size(): number {
    return this.acls.length;
  }

  /** Changes the super users and the no-ACL default (a configuration reload); clears the cache. */
  configure(opts: { superUsers: Iterable<string>; allowEveryoneIfNoAclFound: boolean }): void {
    this.superUsers = new Set(opts.superUsers);
    this.allowIfNoAcl = opts.allowEveryoneIfNoAclFound;
    this.cache.clear();
    this.generation++;
  }

  all(): readonly AclBinding[] {
    return this.acls;
  }

  /** Replaces the whole ACL set (a file load). */
  replace(acls: Iterable<AclBinding>): void {
    this.acls = [...acls];
    this.rebuild();
  }

  /** Adds bindings (duplicates of existing ones are ignored); returns those actually added. */
  add(acls: Iterable<AclBinding>): AclBinding[] {
    const have = new Set(this.acls.map(key));
    const added: AclBinding[] = [];
    for (const a of acls) {
      const k = key(a);
      if (have.has(k)) continue;
      have.add(k);
      this.acls.push(a);
      added.push(a);
    }
    if (added.length > 0) this.rebuild();
    return added;
  }

  /** Removes every binding `match` accepts; returns the removed ones. */
  remove(match: (a: AclBinding) => boolean): AclBinding[] {
    const removed = this.acls.filter(match);
    if (removed.length > 0) {
      this.acls = this.acls.filter((a) => !match(a));
      this.rebuild();
    }
    return removed;
  }

  private rebuild(): void {
    const index = new Map<ResourceTypeCode, TypeIndex>();
    for (const a of this.acls) {
      let t = index.get(a.resourceType);
      if (t === undefined) index.set(a.resourceType, (t = new TypeIndex()));
      t.add(a);
    }
    this.index = index;
    this.cache.clear();
    this.generation++;
  }

  isSuperUser(principal: string): boolean {
    return this.superUsers.has(principal);
  }

  authorize(
    principal: string,
    host: string,
    operation: OperationCode,
    resourceType: ResourceTypeCode,
    resourceName: string,
  ): Decision {
    const k = `${principal}\u0000${host}\u0000${operation}\u0000${resourceType}\u0000${resourceName}`;
    const hit = this.cache.get(k);
    if (hit !== undefined) return hit;
    const d = this.decide(principal, host, operation, resourceType, resourceName);
    this.cache.set(k, d);
    return d;
  }

  /**
   * Kafka's authorizeByResourceType (used by InitProducerId for idempotent producers): may the
   * caller do `operation` on at least one resource of `type`? True for super users; false when a
   * DENY applies to every name (LITERAL `*` or PREFIXED ""). Otherwise true when some applying
   * ALLOW (the operation itself or ALL) is not covered by an applying DENY: a LITERAL allow by a
   * DENY on the same name or on a prefix of it, a PREFIXED allow by a PREFIXED deny on a prefix of
   * it. With no ACL of that type at all, allowEveryoneIfNoAclFound decides.
   */
  allowedOnAny(principal: string, host: string, operation: OperationCode, resourceType: ResourceTypeCode): boolean {
    if (this.superUsers.has(principal)) return true;
    const applies = (a: AclBinding) =>
      a.resourceType === resourceType &&
      (a.principal === principal || a.principal === WILDCARD_PRINCIPAL) &&
      (a.host === WILDCARD || a.host === host) &&
      (a.operation === operation || a.operation === Operation.ALL);
    const ofType = this.acls.filter((a) => a.resourceType === resourceType);
    if (ofType.length === 0) return this.allowIfNoAcl;
    const denies = ofType.filter((a) => a.permission === Permission.DENY && applies(a));
    if (
      denies.some(
        (d) =>
          (d.patternType === PatternType.LITERAL && d.resourceName === WILDCARD) ||
          (d.patternType === PatternType.PREFIXED && d.resourceName === ''),
      )
    )
      return false;
    return ofType.some((a) => {
      if (a.permission !== Permission.ALLOW || !applies(a)) return false;
      return !denies.some((d) =>
        d.patternType === PatternType.PREFIXED
          ? a.resourceName.startsWith(d.resourceName)
          : a.patternType === PatternType.LITERAL && d.resourceName === a.resourceName,
      );
    });
  }

  /** The decision without the cache (for benchmarks and tests). */
  decide(
    principal: string,
    host: string,
    operation: OperationCode,
    resourceType: ResourceTypeCode,
    resourceName: string,
  ): Decision {
    if (this.superUsers.has(principal)) return { allowed: true, reason: 'superUser', acl: null };
    const t = this.index.get(resourceType);
    let anyCandidate = false;
    let allow: AclBinding | null = null;
    let deny: AclBinding | null = null;
    const consider = (list: AclBinding[] | undefined) => {
      if (list === undefined) return;
      for (const a of list) {
        anyCandidate = true;
        if (deny !== null) return;
        if (a.principal !== principal && a.principal !== WILDCARD_PRINCIPAL) continue;
        if (a.host !== WILDCARD && a.host !== host) continue;
        if (a.permission === Permission.DENY) {
          if (a.operation === Operation.ALL || a.operation === operation) deny = a;
        } else if (a.permission === Permission.ALLOW && allow === null && allowCovers(a.operation, operation)) {
          allow = a;
        }
      }
    };
    if (t !== undefined) {
      consider(t.literal.get(resourceName));
      if (resourceName !== WILDCARD) consider(t.literal.get(WILDCARD));
      t.prefixed.forEachPrefix(resourceName, consider);
    }
    if (deny !== null) return { allowed: false, reason: 'deniedByAcl', acl: deny };
    if (allow !== null) return { allowed: true, reason: 'allowedByAcl', acl: allow };
    if (anyCandidate) return { allowed: false, reason: 'noMatchingAllow', acl: null };
    return this.allowIfNoAcl
      ? { allowed: true, reason: 'noAclsAllowed', acl: null }
      : { allowed: false, reason: 'noAclsDenied', acl: null };
  }
}

function key(a: AclBinding): string {
  return `${a.resourceType}\u0000${a.resourceName}\u0000${a.patternType}\u0000${a.principal}\u0000${a.host}\u0000${a.operation}\u0000${a.permission}`;
}
