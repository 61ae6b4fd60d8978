import type { Logger } from 'pino';
import { ApiKey, type AnyResponse } from '../../protocol/generated/index.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import type * as alterUserScramCredentials from '../../protocol/generated/alter-user-scram-credentials.js';
import type * as describeAcls from '../../protocol/generated/describe-acls.js';
import type * as createAcls from '../../protocol/generated/create-acls.js';
import type * as deleteAcls from '../../protocol/generated/delete-acls.js';
import { describeScram, alterScram } from '../../auth/scram-admin.js';
import { CLUSTER_NAME, Operation, ResourceType, describeAcl } from '../../acl/model.js';
import { apiVersionsResponse } from '../api-versions.js';
import { proxyVersionRange } from '../api-table.js';
import type { BrokerVersions } from '../upstream-request.js';
import type { ListenerSecurity } from '../client-context.js';
import type { ConnectionRecorder } from './client-identity.js';
import type { RequestAuthorizer } from './authorization.js';
import { ClientProtocolError, type ClientRequest } from './request.js';
import { FORWARD, answer, type Outcome, type Stage } from './stage.js';

type ClusterOperation = typeof Operation.DESCRIBE | typeof Operation.ALTER;

/** The answer of a broker with no authorizer to an ACL request. */
const SECURITY_DISABLED = {
  errorCode: ErrorCode.SECURITY_DISABLED,
  errorMessage: 'No Authorizer is configured.',
  _tagged: undefined,
};

const scramMechanism = (m: number) => (m === 1 ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512');

/**
 * The APIs the proxy answers itself: ApiVersions (what the proxy and the broker behind it both
 * serve), SCRAM credentials (DESCRIBE / ALTER on the cluster) and ACLs. Without an acl section,
 * ACL requests get SECURITY_DISABLED as from a broker with no authorizer, and credential requests
 * are refused: the proxy's own admin APIs never run open. Changes are audited (what changed,
 * never a salted password or anything derived from it).
 */
export class LocalApiStage implements Stage {
  readonly name = 'local-apis';

  constructor(
    private readonly security: ListenerSecurity,
    private readonly brokerVersions: () => BrokerVersions | null,
    private readonly authorizer: RequestAuthorizer,
    private readonly recorder: ConnectionRecorder,
    private readonly log: Logger,
  ) {}

  onRequest(req: ClientRequest): Outcome {
    if (req.is(ApiKey.ApiVersions)) return this.apiVersions(req);
    if (!req.policy.local) return FORWARD;
    return answer(this.admin(req));
  }

  /** Any version gets an answer (KIP-511): one the proxy cannot read gets UNSUPPORTED_VERSION at v0. */
  private apiVersions(req: ClientRequest<typeof ApiKey.ApiVersions>): Outcome {
    const range = proxyVersionRange(ApiKey.ApiVersions)!;
    const readable = req.apiVersion >= range[0] && req.apiVersion <= range[1];
    const request = readable ? req.body : null;
    const { body, bodyVersion } = apiVersionsResponse(
      req.apiVersion,
      request,
      this.brokerVersions(),
      this.security.acl !== null,
    );
    return { kind: 'answer', body, version: bodyVersion, headerVersion: 0 };
  }

  private admin(req: ClientRequest): AnyResponse {
    // Decided (and audited) like any other check; without ACLs nobody may use them.
    const clusterAllows = (op: ClusterOperation) =>
      this.security.acl !== null &&
      this.authorizer.principal !== null &&
      (this.authorizer.forRequest(req.header)?.allowed(op, ResourceType.CLUSTER, CLUSTER_NAME) ?? false);
    if (req.is(ApiKey.DescribeAcls)) return this.describeAcls(req.body, clusterAllows);
    if (req.is(ApiKey.CreateAcls)) return this.createAcls(req.body, clusterAllows);
    if (req.is(ApiKey.DeleteAcls)) return this.deleteAcls(req.body, clusterAllows);
    if (req.is(ApiKey.DescribeUserScramCredentials))
      return describeScram(req.body, this.security.credentials, clusterAllows(Operation.DESCRIBE));
    if (req.is(ApiKey.AlterUserScramCredentials)) return this.alterScram(req.body, clusterAllows);
    throw new ClientProtocolError('WARDEN_ERR_API_REFUSED', `api key ${req.apiKey} has no local handler`);
  }

  private describeAcls(
    req: describeAcls.Request,
    clusterAllows: (op: ClusterOperation) => boolean,
  ): describeAcls.Response {
    const acl = this.security.acl;
    if (acl === null) return { throttleTimeMs: 0, ...SECURITY_DISABLED, resources: [] };
    return acl.describeAcls(req, clusterAllows(Operation.DESCRIBE));
  }

  private createAcls(req: createAcls.Request, clusterAllows: (op: ClusterOperation) => boolean): createAcls.Response {
    const acl = this.security.acl;
    if (acl === null)
      return { throttleTimeMs: 0, results: req.creations.map(() => ({ ...SECURITY_DISABLED })), _tagged: undefined };
    const { response, created } = acl.createAcls(req, clusterAllows(Operation.ALTER), this.principal);
    if (created.length > 0) this.recorder.change('acls-created', created.map(describeAcl));
    return response;
  }

  private deleteAcls(req: deleteAcls.Request, clusterAllows: (op: ClusterOperation) => boolean): deleteAcls.Response {
    const acl = this.security.acl;
    if (acl === null)
      return {
        throttleTimeMs: 0,
        filterResults: req.filters.map(() => ({ ...SECURITY_DISABLED, matchingAcls: [] })),
        _tagged: undefined,
      };
    const { response, deleted } = acl.deleteAcls(req, clusterAllows(Operation.ALTER), this.principal);
    if (deleted.length > 0) this.recorder.change('acls-deleted', deleted.map(describeAcl));
    return response;
  }

  private alterScram(
    req: alterUserScramCredentials.Request,
    clusterAllows: (op: ClusterOperation) => boolean,
  ): alterUserScramCredentials.Response {
    const { response, changed } = alterScram(req, this.security.credentials, clusterAllows(Operation.ALTER));
    if (changed.length === 0) return response;
    this.log.info({ principal: this.authorizer.principal, users: changed }, 'SCRAM credentials altered');
    const items = [
      ...req.deletions
        .filter((d) => changed.includes(d.name))
        .map((d) => ({ action: 'delete', user: d.name, mechanism: scramMechanism(d.mechanism) })),
      ...req.upsertions
        .filter((u) => changed.includes(u.name))
        .map((u) => ({
          action: 'upsert',
          user: u.name,
          mechanism: scramMechanism(u.mechanism),
          iterations: u.iterations,
        })),
    ];
    this.recorder.change('scram-credentials', items);
    return response;
  }

  private get principal(): string {
    return this.authorizer.principal ?? 'User:ANONYMOUS';
  }
}
