import type { ClientContext } from '../client-context.js';
import { RequestChain, type ConnectionPort, type UpstreamSink } from './chain.js';
import { ClientIdentity, ConnectionRecorder } from './client-identity.js';
import { SessionStage } from './session.js';
import { LocalApiStage } from './local-apis.js';
import { AuthorizationStage, RequestAuthorizer } from './authorization.js';
import { UpstreamStage, type RequestBytes, type Route } from './upstream.js';
import type { Stage } from './stage.js';

export interface Pipeline {
  readonly chain: RequestChain;
  /** The first stage, which the connection also asks before the first request and at close. */
  readonly session: SessionStage;
  /** What the connection records of itself (its close, when that is a security decision). */
  readonly recorder: ConnectionRecorder;
}

/**
 * The request pipeline of one client connection, in order: session (who the client is, SASL),
 * local APIs (what the proxy answers itself), authorization (ACLs, audited), then upstream (the
 * broker). A new stage goes into this list where its decision belongs: see docs/ARCHITECTURE.md.
 */
export function buildPipeline(
  port: ConnectionPort,
  ctx: ClientContext,
  id: ClientIdentity,
  route: Route,
  bytes: RequestBytes,
): Pipeline {
  let chain: RequestChain | null = null;
  const recorder = new ConnectionRecorder(ctx, id, () => chain?.request ?? null);
  const session = new SessionStage(port, ctx.security, ctx, id, recorder);
  const authorizer = new RequestAuthorizer(
    {
      security: ctx.security,
      audit: ctx.audit,
      metrics: ctx.metrics,
      clusterId: ctx.clusterId,
      cluster: ctx.cluster,
      log: port.log,
    },
    id,
    recorder,
  );
  const stages: Stage[] = [
    session,
    new LocalApiStage(ctx.security, () => ctx.cluster.versionsOf(route.nodeId), authorizer, recorder, port.log),
    new AuthorizationStage(authorizer),
  ];
  const sink: UpstreamSink = route.lane === null ? NO_UPSTREAM(port) : new UpstreamStage(port, route.lane, bytes, ctx);
  const gate = { aclEnforced: ctx.security.acl !== null, cluster: ctx.cluster, nodeId: route.nodeId };
  chain = new RequestChain(port, session, gate, stages, sink, ctx.metrics);
  return { chain, session, recorder };
}

/** Behind a port whose broker is unknown (the connection is closed as it opens). */
const NO_UPSTREAM = (port: ConnectionPort): UpstreamSink => ({ send: () => port.close('no_upstream') });
