// The decision path of a connection (src/acl/decision.ts) outside a connection, for unit tests of
// the checks: a principal, an authorizer (or none), the proxy's own topics, an audit trail, and
// requests of every API that names a topic, built from the codecs' defaults so that they encode.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import { ConnectionDecisions } from '../../src/acl/decision.js';
import { ProtectedTopics } from '../../src/acl/protected-topics.js';
import { API_CHECKS, type AuthzContext, type Verdict } from '../../src/acl/checks/index.js';
import type { Authorizer } from '../../src/acl/authorizer.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import type { AclBinding, OperationCode } from '../../src/acl/model.js';
import { API_SPECS } from '../../src/protocol/generated/index.js';
import { Writer } from '../../src/protocol/writer.js';
import type { RequestHeader } from '../../src/protocol/headers.js';
import { acl } from './acl-fixtures.js';

export interface AuditedEvent {
  type: string;
  data: {
    methodName: string;
    request?: { correlation_id: string };
    authenticationInfo: { principal: string };
    authorizationInfo?: {
      granted: boolean;
      operation: string;
      resourceType: string;
      resourceName: string;
      superUserAuthorization?: boolean;
      protectedTopic?: boolean;
    };
  };
}

/**
 * A real audit trail (AuditLog) with one stream sink whose lines are kept. `full`: its spool
 * takes nothing, so under failClosed every event is refused.
 */
export function auditTrail(opts: { allowed?: 'default' | 'all' | 'none'; full?: boolean } = {}): {
  audit: AuditLog;
  events: () => Promise<AuditedEvent[]>;
} {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'warden-authz-'));
  const audit = new AuditLog(
    {
      allowed: opts.allowed ?? 'default',
      spool: { dir, maxBytes: opts.full ? 1 : 1 << 20, segmentBytes: 1 << 16, onFull: 'failClosed', fsync: false },
      sinks: [{ type: 'stdout' }],
    },
    { log: pino({ level: 'silent' }), upstream: null, stdout: out },
  );
  audit.start();
  return {
    audit,
    // Every stored event, once the sink has been handed what the spool holds.
    events: async () => {
      const end = Date.now() + 5000;
      while (lines.length < audit.stats.emitted && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      return lines.map((l) => JSON.parse(l) as AuditedEvent);
    },
  };
}

export interface ContextOptions {
  authorizer: Authorizer | null;
  principal: string;
  host?: string;
  /** Topic names by id (hex). */
  ids?: Map<string, string>;
  protectedTopics?: ProtectedTopics;
  audit?: AuditLog | null;
  clientId?: string | null;
  apiKey?: number;
  correlationId?: number;
}

/** Decisions for a principal, and the header of the request the next context is for. */
export function decisionsFor(o: ContextOptions): {
  decisions: ConnectionDecisions | null;
  header: (apiKey: number, correlationId?: number) => RequestHeader;
} {
  const host = o.host ?? '127.0.0.1';
  const decisions = ConnectionDecisions.create({
    authorizer: o.authorizer,
    protectedTopics: o.protectedTopics ?? new ProtectedTopics(),
    principal: o.principal,
    host,
    audit: o.audit ?? null,
    metrics: { authorization() {} },
    log: pino({ level: 'silent' }),
    clusterId: () => 'test-cluster',
    topicNames: o.ids ?? new Map(),
    requestInfo: (h) => ({
      principal: o.principal,
      clientAddress: host,
      listener: 'test',
      methodName: `kafka.${h === null ? 'Unknown' : (API_SPECS.get(h.apiKey)?.name ?? h.apiKey)}`,
      correlationId: h?.correlationId ?? -1,
      clientId: h?.clientId ?? null,
    }),
  });
  const header = (apiKey: number, correlationId = o.correlationId ?? 1): RequestHeader => ({
    apiKey,
    apiVersion: 0,
    correlationId,
    clientId: o.clientId === undefined ? 'test' : o.clientId,
    tagged: undefined,
    bodyOffset: 0,
    flexible: false,
  });
  return { decisions, header };
}

/**
 * Runs the check of `apiKey` as a connection would, through the decision path; whatever it would
 * send (a local answer, a rewritten request) must encode.
 */
export function runCheck(
  o: ContextOptions,
  apiKey: number,
  version: number,
  request: unknown,
  correlationId?: number,
): Verdict {
  return runWith(contextFor(o, apiKey, correlationId), apiKey, version, request);
}

/**
 * The context the checks of one request get (`apiKey`: the request's, -1 where no check reads it),
 * for tests that run checks by hand or keep a context for several.
 */
export function contextFor(o: ContextOptions, apiKey = -1, correlationId?: number): AuthzContext {
  const { decisions, header } = decisionsFor(o);
  if (decisions === null) throw new Error(`nothing is decided for ${o.principal}`);
  return decisions.forRequest(header(apiKey, correlationId));
}

export function runWith(c: AuthzContext, apiKey: number, version: number, request: unknown): Verdict {
  const v = API_CHECKS.get(apiKey)!.check(c, version, request as never);
  const spec = API_SPECS.get(apiKey)!;
  if (v?.kind === 'answer') spec.encodeResponse(new Writer(), version, v.response as never);
  if (v?.kind === 'forward' && v.request !== undefined) spec.encodeRequest(new Writer(), version, v.request as never);
  return v;
}

/** A literal ALLOW binding from any host: acl() with its defaults. */
export const allow = (
  principal: string,
  operation: OperationCode,
  resourceType: AclBinding['resourceType'],
  resourceName: string,
): AclBinding => acl(principal, operation, resourceType, resourceName);
