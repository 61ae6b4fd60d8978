// The APIs the proxy answers itself, alone: ApiVersions, the ACL and SCRAM admin APIs and their audit.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ApiKey } from '../../../src/protocol/generated/index.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { AclManager } from '../../../src/acl/manager.js';
import { CredentialStore } from '../../../src/auth/credentials.js';
import { LocalApiStage } from '../../../src/proxy/stages/local-apis.js';
import { RequestAuthorizer } from '../../../src/proxy/stages/authorization.js';
import type { Outcome } from '../../../src/proxy/stages/stage.js';
import type { ListenerSecurity } from '../../../src/proxy/client-context.js';
import { FakeAudit, identityOf, metricsOf, recorderOf, requestOf, securityOf } from '../../helpers/stage-fakes.js';
import { metadata } from '../../helpers/requests.js';

const log = pino({ level: 'silent' });
const ANY = 1;
const TOPIC = 2;
const LITERAL = 3;
const READ = 3;
const ALLOW = 3;

function stageOf(security: ListenerSecurity, principal: string) {
  const id = identityOf();
  id.principal = principal;
  const audit = new FakeAudit();
  const metrics = metricsOf();
  const recorder = recorderOf(id, metrics, audit);
  const cluster = { topicNames: new Map<string, string>() };
  const authorizer = new RequestAuthorizer(
    { security, audit: audit as never, metrics, clusterId: () => 'c1', cluster: cluster as never, log },
    id,
    recorder,
  );
  return { audit, stage: new LocalApiStage(security, () => null, authorizer, recorder, log) };
}

function body(o: Outcome): Record<string, unknown> {
  if (o.kind !== 'answer') throw new Error(`expected an answer, got ${o.kind}`);
  return o.body as unknown as Record<string, unknown>;
}

const withAcls = (): ListenerSecurity => ({
  ...securityOf('PLAINTEXT'),
  acl: new AclManager({ superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false, file: null }, log),
});
const creation = (principal: string) => ({
  resourceType: TOPIC,
  resourceName: 'orders',
  resourcePatternType: LITERAL,
  principal,
  host: '*',
  operation: READ,
  permissionType: ALLOW,
});
const createAcls = (principal: string) => requestOf(ApiKey.CreateAcls, 3, { creations: [creation(principal)] });
const describeAcls = () =>
  requestOf(ApiKey.DescribeAcls, 3, {
    resourceTypeFilter: ANY,
    resourceNameFilter: null,
    patternTypeFilter: ANY,
    principalFilter: null,
    hostFilter: null,
    operation: ANY,
    permissionType: ANY,
  });

t.test('ApiVersions is answered here at any version; other APIs go on', async (t) => {
  const { stage } = stageOf(securityOf('PLAINTEXT'), 'User:ANONYMOUS');
  const o = stage.onRequest(requestOf(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }));
  t.match(o, { kind: 'answer', version: 3, headerVersion: 0 });
  t.equal(body(o).errorCode, 0);
  t.ok(
    (body(o).apiKeys as Array<{ apiKey: number }>).some((k) => k.apiKey === ApiKey.ApiVersions),
    'listing ApiVersions itself',
  );
  const future = requestOf(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  future.header.apiVersion = 99;
  const old = stage.onRequest(future);
  t.match(old, { kind: 'answer', version: 0 }, 'an unknown version: answered at v0 (KIP-511)');
  t.equal(body(old).errorCode, ErrorCode.UNSUPPORTED_VERSION);
  t.equal(stage.onRequest(requestOf(ApiKey.Metadata, 12, metadata(null))).kind, 'forward');
});

t.test('without an acl section: ACL requests get SECURITY_DISABLED, credential requests are refused', async (t) => {
  const { stage, audit } = stageOf(securityOf('PLAINTEXT'), 'User:admin');
  t.equal(body(stage.onRequest(describeAcls())).errorCode, ErrorCode.SECURITY_DISABLED);
  t.match(body(stage.onRequest(createAcls('User:bob'))), { results: [{ errorCode: ErrorCode.SECURITY_DISABLED }] });
  const describe = stage.onRequest(requestOf(ApiKey.DescribeUserScramCredentials, 0, { users: null }));
  t.equal(body(describe).errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'the proxy admin APIs never run open');
  t.same(audit.events, []);
});

t.test('ACL changes need ALTER on the cluster and are audited', async (t) => {
  const security = withAcls();
  const admin = stageOf(security, 'User:admin');
  t.match(body(admin.stage.onRequest(createAcls('User:bob'))), { results: [{ errorCode: 0 }] });
  t.match(
    admin.audit.events.find((e) => (e.data as { change?: unknown }).change !== undefined),
    {
      data: { change: { kind: 'acls-created', items: [/User:bob/] }, authenticationInfo: { principal: 'User:admin' } },
    },
  );
  t.match(body(admin.stage.onRequest(describeAcls())), {
    errorCode: 0,
    resources: [{ resourceName: 'orders', acls: [{ principal: 'User:bob' }] }],
  });
  const bob = stageOf(security, 'User:bob');
  t.match(body(bob.stage.onRequest(createAcls('User:bob'))), {
    results: [{ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }],
  });
  t.notOk(
    bob.audit.events.some((e) => (e.data as { change?: unknown }).change !== undefined),
    'a refused change records no change',
  );
  t.ok(
    bob.audit.events.some(
      (e) => (e.data as { authorizationInfo?: { granted: boolean } }).authorizationInfo?.granted === false,
    ),
    'the denial itself is audited',
  );
});

t.test('SCRAM credentials altered through the proxy: audited without anything secret', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-local-apis-'));
  const file = join(dir, 'credentials.yaml');
  writeFileSync(file, 'users: {}\n');
  const security = { ...withAcls(), credentials: new CredentialStore(file) };
  const { stage, audit } = stageOf(security, 'User:admin');
  const salt = Buffer.from('a-very-secret-salt');
  const saltedPassword = Buffer.alloc(32, 7);
  const alter = requestOf(ApiKey.AlterUserScramCredentials, 0, {
    deletions: [],
    upsertions: [{ name: 'carol', mechanism: 1, iterations: 4096, salt, saltedPassword }],
  });
  t.match(body(stage.onRequest(alter)), { results: [{ user: 'carol', errorCode: 0 }] });
  t.ok(security.credentials.lookup('carol', 'SCRAM-SHA-256') !== undefined, 'stored');
  const change = audit.events.find((e) => (e.data as { change?: unknown }).change !== undefined)!;
  t.match(change, {
    data: {
      change: {
        kind: 'scram-credentials',
        items: [{ action: 'upsert', user: 'carol', mechanism: 'SCRAM-SHA-256', iterations: 4096 }],
      },
    },
  });
  const text = JSON.stringify(change);
  t.notMatch(text, salt.toString('base64'));
  t.notMatch(text, saltedPassword.toString('base64'));
  t.notMatch(text, saltedPassword.toString('hex'));
});
