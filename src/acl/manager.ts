import { watchFiles, type FileWatch } from '../file-watch.js';
import type { Logger } from 'pino';
import { Authorizer } from './authorizer.js';
import { readAclFile, writeAclFile } from './store.js';
import { withFileLock } from '../file-lock.js';
import { existsSync } from 'node:fs';
import { bindingOf, filterMatches, type AclFilter } from './filter.js';
import { describeAcl, isOperation, isPatternType, isPermission, isResourceType, type AclBinding } from './model.js';
import { ErrorCode, ERRORS } from '../protocol/generated/error-codes.js';
import type * as describeAcls from '../protocol/generated/describe-acls.js';
import type * as createAcls from '../protocol/generated/create-acls.js';
import type * as deleteAcls from '../protocol/generated/delete-acls.js';

export interface AclSettings {
  superUsers: string[];
  allowEveryoneIfNoAclFound: boolean;
  /** The persisted store; null keeps ACLs in memory only. */
  file: string | null;
}

const msg = (code: number) => ERRORS.get(code)?.message ?? null;

/**
 * The proxy's ACLs: the authorizer, the file that persists them, and Kafka's ACL admin APIs
 * (DescribeAcls, CreateAcls, DeleteAcls) answered against them. A change through the admin APIs is
 * written to the file first (atomically) and applied only once it is persisted; an edit of the
 * file is reloaded, and a file that does not parse is refused with the previous ACLs kept. Every
 * change clears the decision cache, so open connections see it on their next request.
 */
export class AclManager {
  readonly authorizer: Authorizer;
  readonly file: string | null;
  private readonly log: Logger;
  private watcher: FileWatch | null = null;
  private readonly reloadListeners: Array<(err: Error | null) => void> = [];

  constructor(settings: AclSettings, log: Logger) {
    this.authorizer = new Authorizer({
      superUsers: settings.superUsers,
      allowEveryoneIfNoAclFound: settings.allowEveryoneIfNoAclFound,
    });
    this.file = settings.file;
    this.log = log.child({ component: 'acl' });
    if (this.file !== null) this.authorizer.replace(readAclFile(this.file));
  }

  /** Re-reads the file; throws (keeping the current ACLs) when it is invalid. */
  reload(): void {
    if (this.file === null) return;
    this.authorizer.replace(readAclFile(this.file));
  }

  watch(): void {
    if (this.file === null || this.watcher !== null) return;
    const file = this.file;
    this.watcher = watchFiles([file], 50, () => {
      let err: Error | null = null;
      try {
        const before = this.authorizer.size;
        this.reload();
        this.log.info({ file, acls: this.authorizer.size, before }, 'ACL file reloaded');
      } catch (e) {
        err = e as Error;
        this.log.error({ file, reason: err.message }, 'ACL file reload refused; the previous ACLs stay in force');
      }
      for (const fn of this.reloadListeners) fn(err);
    });
  }

  /** Calls `fn` after every reload caused by an edit of the file (null = success). */
  onReload(fn: (err: Error | null) => void): void {
    this.reloadListeners.push(fn);
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  /**
   * Applies `change` to the ACLs as they are in the file (other processes may have written it
   * since: worker processes, other instances sharing it), under the file's lock; persists the
   * result, then enforces it. Throws when it cannot be read or written (nothing changes then).
   */
  private commit(change: (current: readonly AclBinding[]) => AclBinding[]): void {
    const file = this.file;
    if (file === null) return this.authorizer.replace(change(this.authorizer.all()));
    withFileLock(file, () => {
      const next = change(readAclFile(file));
      writeAclFile(file, next);
      this.authorizer.replace(next);
    });
  }

  /** Reads what other writers have put in the file before an admin change is decided; keeps the ACLs on error. */
  private refresh(): void {
    if (this.file === null || !existsSync(this.file)) return;
    try {
      this.reload();
    } catch {
      // The change itself will fail on the same file, and be refused.
    }
  }

  /** DescribeAcls; `authorized`: the caller may DESCRIBE the cluster (decided and audited by the caller). */
  describeAcls(req: describeAcls.Request, authorized: boolean): describeAcls.Response {
    const res: describeAcls.Response = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      resources: [],
      _tagged: undefined,
    };
    if (!authorized) {
      res.errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      res.errorMessage = msg(res.errorCode);
      return res;
    }
    const filter: AclFilter = {
      resourceType: req.resourceTypeFilter,
      resourceName: req.resourceNameFilter,
      patternType: req.patternTypeFilter,
      principal: req.principalFilter,
      host: req.hostFilter,
      operation: req.operation,
      permission: req.permissionType,
    };
    const bad = invalidFilter(filter);
    if (bad !== null) {
      res.errorCode = ErrorCode.INVALID_REQUEST;
      res.errorMessage = bad;
      return res;
    }
    const byResource = new Map<string, describeAcls.Response['resources'][number]>();
    for (const a of this.authorizer.all()) {
      if (!filterMatches(filter, a)) continue;
      const k = `${a.resourceType}\u0000${a.patternType}\u0000${a.resourceName}`;
      let r = byResource.get(k);
      if (r === undefined) {
        r = {
          resourceType: a.resourceType,
          resourceName: a.resourceName,
          patternType: a.patternType,
          acls: [],
          _tagged: undefined,
        };
        byResource.set(k, r);
        res.resources.push(r);
      }
      r.acls.push({
        principal: a.principal,
        host: a.host,
        operation: a.operation,
        permissionType: a.permission,
        _tagged: undefined,
      });
    }
    return res;
  }

  /** CreateAcls; `authorized`: the caller may ALTER the cluster. */
  createAcls(
    req: createAcls.Request,
    authorized: boolean,
    principal: string,
  ): { response: createAcls.Response; created: AclBinding[] } {
    const response: createAcls.Response = { throttleTimeMs: 0, results: [], _tagged: undefined };
    if (!authorized) {
      response.results = req.creations.map(() => ({
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: msg(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
        _tagged: undefined,
      }));
      return { response, created: [] };
    }
    const { results, valid } = validCreations(req);
    let created: AclBinding[] = [];
    if (valid.length > 0) {
      this.refresh();
      const have = new Set(this.authorizer.all().map(bindingKey));
      created = valid.filter(
        (a, i) => !have.has(bindingKey(a)) && valid.findIndex((b) => bindingKey(b) === bindingKey(a)) === i,
      );
      if (created.length > 0) {
        try {
          const adding = created;
          this.commit((current) => {
            const there = new Set(current.map(bindingKey));
            return [...current, ...adding.filter((a) => !there.has(bindingKey(a)))];
          });
        } catch (e) {
          this.log.error({ reason: (e as Error).message }, 'ACLs could not be persisted; the creation is refused');
          for (const r of results)
            if (r.errorCode === 0)
              Object.assign(r, {
                errorCode: ErrorCode.UNKNOWN_SERVER_ERROR,
                errorMessage: 'The ACL store could not be written.',
              });
          created = [];
        }
      }
    }
    response.results = results;
    for (const a of created) this.log.info({ principal, acl: describeAcl(a) }, 'ACL created');
    return { response, created };
  }

  /** DeleteAcls; `authorized`: the caller may ALTER the cluster. */
  deleteAcls(
    req: deleteAcls.Request,
    authorized: boolean,
    principal: string,
  ): { response: deleteAcls.Response; deleted: AclBinding[] } {
    const response: deleteAcls.Response = { throttleTimeMs: 0, filterResults: [], _tagged: undefined };
    const denied = !authorized;
    const filters = req.filters.map(filterOfRequest);
    if (!denied) this.refresh();
    const all = this.authorizer.all();
    const removed = new Set<AclBinding>();
    response.filterResults = filters.map((f) => {
      if (denied)
        return {
          errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
          errorMessage: msg(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
          matchingAcls: [],
          _tagged: undefined,
        };
      const bad = invalidFilter(f);
      if (bad !== null)
        return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: bad, matchingAcls: [], _tagged: undefined };
      const matching: deleteAcls.ResponseMatchingAcl[] = [];
      for (const a of all) {
        if (!filterMatches(f, a)) continue;
        removed.add(a);
        matching.push(matchingAcl(a));
      }
      return { errorCode: 0, errorMessage: null, matchingAcls: matching, _tagged: undefined };
    });
    if (removed.size > 0) {
      try {
        const gone = new Set([...removed].map(bindingKey));
        this.commit((current) => current.filter((a) => !gone.has(bindingKey(a))));
      } catch (e) {
        this.log.error({ reason: (e as Error).message }, 'ACLs could not be persisted; the deletion is refused');
        for (const r of response.filterResults) {
          if (r.errorCode === 0)
            Object.assign(r, {
              errorCode: ErrorCode.UNKNOWN_SERVER_ERROR,
              errorMessage: 'The ACL store could not be written.',
              matchingAcls: [],
            });
        }
        return { response, deleted: [] };
      }
    }
    for (const a of removed) this.log.info({ principal, acl: describeAcl(a) }, 'ACL deleted');
    return { response, deleted: [...removed] };
  }
}

/** The bindings of a CreateAcls request that are valid, and a result for each creation (the invalid ones refused). */
function validCreations(req: createAcls.Request): {
  results: createAcls.ResponseAclCreationResult[];
  valid: AclBinding[];
} {
  const valid: AclBinding[] = [];
  const results = req.creations.map((c) => {
    const a = bindingOf({
      resourceType: c.resourceType,
      resourceName: c.resourceName,
      patternType: c.resourcePatternType,
      principal: c.principal,
      host: c.host,
      operation: c.operation,
      permission: c.permissionType,
    });
    if (typeof a === 'string')
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Invalid ACL creation: ${a}`, _tagged: undefined };
    valid.push(a);
    return { errorCode: 0, errorMessage: null, _tagged: undefined };
  });
  return { results, valid };
}

/** A DeleteAcls filter as the authorizer's filters name its fields. */
function filterOfRequest(f: deleteAcls.RequestFilter): AclFilter {
  return {
    resourceType: f.resourceTypeFilter,
    resourceName: f.resourceNameFilter,
    patternType: f.patternTypeFilter,
    principal: f.principalFilter,
    host: f.hostFilter,
    operation: f.operation,
    permission: f.permissionType,
  };
}

/** A deleted binding as DeleteAcls reports it. */
function matchingAcl(a: AclBinding): deleteAcls.ResponseMatchingAcl {
  return {
    errorCode: 0,
    errorMessage: null,
    resourceType: a.resourceType,
    resourceName: a.resourceName,
    patternType: a.patternType,
    principal: a.principal,
    host: a.host,
    operation: a.operation,
    permissionType: a.permission,
    _tagged: undefined,
  };
}

/** Kafka refuses filters with UNKNOWN (0) codes. */
function invalidFilter(f: AclFilter): string | null {
  if (!isResourceType(f.resourceType)) return 'invalid resource type filter';
  if (!isPatternType(f.patternType)) return 'invalid pattern type filter';
  if (!isOperation(f.operation)) return 'invalid operation filter';
  if (!isPermission(f.permission)) return 'invalid permission type filter';
  return null;
}

function bindingKey(a: AclBinding): string {
  return `${a.resourceType}\u0000${a.resourceName}\u0000${a.patternType}\u0000${a.principal}\u0000${a.host}\u0000${a.operation}\u0000${a.permission}`;
}
