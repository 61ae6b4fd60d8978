import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { PrincipalMapper } from '../auth/principal.js';
import type { FailedLoginLimiter, HashLimiter } from '../auth/login-guard.js';
import type { AclManager } from '../acl/manager.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Listener } from './listener.js';
import type { CredentialStore } from '../auth/credentials.js';
import type { MemoryBudget } from './memory-budget.js';
import type { ConnectionGate } from './connection-gate.js';

/** The parts of a running proxy that a new configuration changes in place. */
export interface LiveParts {
  readonly listeners: readonly Listener[];
  readonly acl: AclManager | null;
  readonly audit: AuditLog | null;
  readonly failedLogins: FailedLoginLimiter;
  readonly plainHashing: HashLimiter;
  readonly memory: MemoryBudget;
  readonly gate: ConnectionGate;
  readonly log: Logger;
  setMapper(mapper: PrincipalMapper): void;
}

export interface Applied {
  /** The configuration now in force: `next` with the settings that need a restart kept as they were. */
  config: Config;
  restartRequired: string[];
  applied: string[];
}

/** Settings only a restart changes, compared whole. */
const RESTART_KEYS = ['upstream', 'management', 'metrics', 'protectedTopics', 'instanceId'] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies `next` to the running parts as far as it can be live (see Proxy.applyConfig) and says
 * which changed settings were applied and which keep their running values until a restart.
 */
export function applyLiveConfig(live: LiveParts, prev: Config, next: Config): Applied {
  const restart: string[] = [];
  const applied: string[] = [];
  for (const key of RESTART_KEYS) if (!same(prev[key], next[key])) restart.push(key);
  if (prev.auth.credentialsFile !== next.auth.credentialsFile) restart.push('auth.credentialsFile');
  const listenersSame = applyListeners(live, prev, next, restart, applied);
  const acl = applyAcl(live, prev, next, restart, applied);
  const audit = applyAudit(live, prev, next, restart, applied);
  applyAuth(live, prev, next, restart, applied);
  if (prev.logging.level !== next.logging.level) {
    live.log.level = next.logging.level;
    applied.push('logging.level');
  }
  for (const key of ['limits', 'shutdown'] as const) if (!same(prev[key], next[key])) applied.push(key);
  live.memory.limit = next.limits.maxBufferedBytes;
  live.gate.configure(next.limits);
  const config: Config = {
    ...next,
    upstream: prev.upstream,
    management: prev.management,
    metrics: prev.metrics,
    protectedTopics: prev.protectedTopics,
    instanceId: prev.instanceId,
    listeners: listenersSame ? live.listeners.map((l) => l.config) : prev.listeners,
    auth: { ...next.auth, credentialsFile: prev.auth.credentialsFile, unknownUserSecret: prev.auth.unknownUserSecret },
    acl,
    audit,
  };
  return { config, restartRequired: restart, applied };
}

/** Listeners: the same names in the same order; only TLS settings change live. */
function applyListeners(live: LiveParts, prev: Config, next: Config, restart: string[], applied: string[]): boolean {
  const listenersSame =
    prev.listeners.length === next.listeners.length &&
    prev.listeners.every((l, i) => l.name === next.listeners[i]!.name);
  if (!listenersSame) {
    restart.push('listeners');
    return false;
  }
  next.listeners.forEach((nl, i) => {
    const pl = prev.listeners[i]!;
    if (
      !same({ ...pl, tls: undefined }, { ...nl, tls: undefined }) ||
      (pl.tls === undefined) !== (nl.tls === undefined)
    )
      restart.push(`listeners[${i}]`);
    else if (nl.tls !== undefined && !same(pl.tls, nl.tls)) {
      if (live.listeners[i]!.updateTls(nl.tls)) applied.push(`listeners[${i}].tls`);
      else restart.push(`listeners[${i}].tls (refused: does not load)`);
    }
  });
  return true;
}

/** The acl section in force: the new one, or the running one when adding, removing it or its file needs a restart. */
function applyAcl(live: LiveParts, prev: Config, next: Config, restart: string[], applied: string[]): Config['acl'] {
  if ((prev.acl === undefined) !== (next.acl === undefined) || prev.acl?.file !== next.acl?.file) {
    restart.push('acl');
    return prev.acl;
  }
  if (live.acl !== null && next.acl !== undefined && !same(prev.acl, next.acl)) {
    live.acl.authorizer.configure({
      superUsers: next.acl.superUsers,
      allowEveryoneIfNoAclFound: next.acl.allowEveryoneIfNoAclFound,
    });
    applied.push('acl');
  }
  return next.acl;
}

/** The audit section in force: only audit.allowed changes live. */
function applyAudit(
  live: LiveParts,
  prev: Config,
  next: Config,
  restart: string[],
  applied: string[],
): Config['audit'] {
  if (
    (prev.audit === undefined) !== (next.audit === undefined) ||
    !same(prev.audit?.spool, next.audit?.spool) ||
    !same(prev.audit?.sinks, next.audit?.sinks)
  ) {
    if (!same(prev.audit, next.audit)) restart.push('audit');
    return prev.audit;
  }
  if (live.audit !== null && next.audit !== undefined && prev.audit!.allowed !== next.audit.allowed) {
    live.audit.setAllowedPolicy(next.audit.allowed);
    applied.push('audit.allowed');
  }
  return next.audit;
}

function applyAuth(live: LiveParts, prev: Config, next: Config, restart: string[], applied: string[]): void {
  if (prev.auth.principalMappingRules !== next.auth.principalMappingRules) {
    live.setMapper(new PrincipalMapper(next.auth.principalMappingRules));
    applied.push('auth.principalMappingRules');
  }
  if (!same(prev.auth.failedLogins, next.auth.failedLogins)) {
    live.failedLogins.configure(next.auth.failedLogins);
    applied.push('auth.failedLogins');
  }
  if (!same(prev.auth.plainVerification, next.auth.plainVerification)) {
    live.plainHashing.concurrency = next.auth.plainVerification.concurrency;
    live.plainHashing.queue = next.auth.plainVerification.queue;
    applied.push('auth.plainVerification');
  }
  if (prev.auth.unknownUserSecret !== next.auth.unknownUserSecret) restart.push('auth.unknownUserSecret');
}

/**
 * Re-reads what a configuration reload re-reads besides the file itself: credentials, the ACL file,
 * each TLS listener's certificates. A store that cannot be read keeps what it had, logged.
 */
export function reloadStores(
  log: Logger,
  credentials: CredentialStore,
  acl: AclManager | null,
  listeners: readonly Listener[],
): void {
  try {
    credentials.reload();
  } catch (e) {
    log.error({ reason: (e as Error).message }, 'credentials reload refused; the previous credentials stay in force');
  }
  try {
    acl?.reload();
  } catch (e) {
    log.error({ reason: (e as Error).message }, 'ACL file reload refused; the previous ACLs stay in force');
  }
  for (const l of listeners) if (l.config.tls !== undefined) l.reloadCertificates();
}
