import type { Logger } from 'pino';
import { checkFor, type AuthzContext, type VerdictOf } from '../../acl/checks/index.js';
import type { ApiKeyCode } from '../../protocol/generated/index.js';
import { ConnectionDecisions } from '../../acl/decision.js';
import type { RequestHeader } from '../../protocol/headers.js';
import type { ClientContext } from '../client-context.js';
import type { ClientIdentity, ConnectionRecorder } from './client-identity.js';
import type { ClientRequest } from './request.js';
import { FORWARD, answer, close, type Outcome, type Stage } from './stage.js';

/** What the authorization of a connection is built from (audit and metrics are injected here). */
export type AuthorizerDeps = Pick<ClientContext, 'security' | 'audit' | 'metrics' | 'clusterId' | 'cluster'> & {
  readonly log: Logger;
};

/**
 * The ACL decisions of one connection (src/acl/decision.ts: the one decision path), made for its
 * principal once that is known, or none when nothing is checked (no acl section, and no topic of
 * the proxy's own is off limits to this principal).
 */
export class RequestAuthorizer {
  private decisions: ConnectionDecisions | null | undefined = undefined;

  constructor(
    private readonly deps: AuthorizerDeps,
    private readonly id: ClientIdentity,
    private readonly recorder: ConnectionRecorder,
  ) {}

  get principal(): string | null {
    return this.id.principal;
  }

  /** The context the checks of one request use, or null when nothing is checked. */
  forRequest(header: RequestHeader): AuthzContext | null {
    if (this.decisions === undefined) {
      const { security, audit, metrics, clusterId, cluster, log } = this.deps;
      this.decisions = ConnectionDecisions.create({
        authorizer: security.acl?.authorizer ?? null,
        protectedTopics: security.protectedTopics,
        principal: this.id.principal ?? 'User:ANONYMOUS',
        host: this.id.host,
        audit,
        metrics,
        log,
        clusterId,
        topicNames: cluster.topicNames,
        requestInfo: (h) => this.recorder.requestInfo(h),
      });
    }
    return this.decisions === null ? null : this.decisions.forRequest(header);
  }
}

/**
 * Checks every forwarded request against the ACLs (src/acl/checks: one check per API, Kafka's
 * semantics). A check allows a request as it stands, forwards its allowed part with a step that
 * merges the denied part back into the broker's response, answers it here when nothing is
 * allowed, or closes the connection (a denied acks=0 Produce, as a broker does). With ACLs on,
 * readRequest already refused an API or version that has no check.
 */
export class AuthorizationStage implements Stage {
  readonly name = 'authorization';

  constructor(private readonly authorizer: RequestAuthorizer) {}

  onRequest(req: ClientRequest): Outcome {
    const authz = this.authorizer.forRequest(req.header);
    if (authz === null) return FORWARD;
    const entry = checkFor(req.apiKey);
    // readRequest refuses, with ACLs on, every API without a check; without them a missing check
    // would let a request past the proxy's own topics unchecked, so it fails closed here too.
    if (entry === undefined)
      return close('internal_error', { detail: `api key ${req.apiKey} has no authorization check` });
    return outcomeOf(req, entry.check(authz, req.apiVersion, req.body), this.authorizer.principal);
  }
}

function outcomeOf<K extends ApiKeyCode>(
  req: ClientRequest<K>,
  verdict: VerdictOf<K>,
  principal: string | null,
): Outcome {
  if (verdict === null) return FORWARD;
  switch (verdict.kind) {
    case 'close':
      return close(verdict.reason, { principal });
    case 'answer':
      return answer(verdict.response);
    case 'forward':
      if (verdict.request !== undefined) req.replaceBody(verdict.request);
      return { kind: 'forward', response: verdict.response };
  }
}
