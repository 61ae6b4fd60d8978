// The authorization stage alone: ACL checks turned into outcomes, with audit and metrics injected.
import t from 'tap';
import pino from 'pino';
import { ApiKey } from '../../../src/protocol/generated/index.js';
import { ErrorCode } from '../../../src/protocol/generated/error-codes.js';
import { AclManager } from '../../../src/acl/manager.js';
import { Operation, PatternType, Permission, ResourceType } from '../../../src/acl/model.js';
import { ProtectedTopics } from '../../../src/acl/protected-topics.js';
import { AuthorizationStage, RequestAuthorizer } from '../../../src/proxy/stages/authorization.js';
import type { ListenerSecurity } from '../../../src/proxy/client-context.js';
import { FakeAudit, identityOf, metricsOf, recorderOf, requestOf, securityOf } from '../../helpers/stage-fakes.js';
import { produce as emptyProduce } from '../../helpers/requests.js';
import { recordBatch } from '../../helpers/raw-client.js';

const log = pino({ level: 'silent' });
const RECORDS = await recordBatch([Buffer.from('value')]);

/** A Produce of one record batch to each topic. */
function produce(topics: string[], acks = -1) {
  const req = emptyProduce(topics[0]!, acks);
  const one = req.topicData[0]!;
  req.topicData = topics.map((name) => ({
    ...one,
    name,
    partitionData: [{ ...one.partitionData[0]!, records: RECORDS }],
  }));
  return req;
}

function stageOf(security: ListenerSecurity, principal: string) {
  const id = identityOf();
  id.principal = principal;
  const audit = new FakeAudit();
  const metrics = metricsOf();
  const authorizer = new RequestAuthorizer(
    {
      security,
      audit: audit as never,
      metrics,
      clusterId: () => 'c1',
      cluster: { topicNames: new Map() } as never,
      log,
    },
    id,
    recorderOf(id, metrics, audit),
  );
  return { audit, metrics, stage: new AuthorizationStage(authorizer) };
}

function withAcls(): ListenerSecurity {
  const acl = new AclManager({ superUsers: [], allowEveryoneIfNoAclFound: false, file: null }, log);
  acl.authorizer.replace([
    {
      resourceType: ResourceType.TOPIC,
      resourceName: 'orders',
      patternType: PatternType.LITERAL,
      principal: 'User:bob',
      host: '*',
      operation: Operation.WRITE,
      permission: Permission.ALLOW,
    },
  ]);
  return { ...securityOf('PLAINTEXT'), acl };
}

t.test('without ACLs or protected topics nothing is checked', async (t) => {
  const { stage, audit } = stageOf(securityOf('PLAINTEXT'), 'User:bob');
  t.equal(stage.onRequest(requestOf(ApiKey.Produce, 9, produce(['anything']))).kind, 'forward');
  t.same(audit.events, []);
});

t.test('an allowed request is forwarded as it stands', async (t) => {
  const { stage } = stageOf(withAcls(), 'User:bob');
  t.same(
    stage.onRequest(requestOf(ApiKey.Produce, 9, produce(['orders']))),
    { kind: 'forward' },
    'no new body, no response step',
  );
});

t.test('a request denied in full is answered here; the denial is audited and counted', async (t) => {
  const { stage, audit, metrics } = stageOf(withAcls(), 'User:eve');
  const o = stage.onRequest(requestOf(ApiKey.Produce, 9, produce(['orders'])));
  t.match(o, {
    kind: 'answer',
    body: {
      responses: [{ name: 'orders', partitionResponses: [{ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }] }],
    },
  });
  t.match(audit.events[0], {
    data: {
      authorizationInfo: { granted: false, operation: 'Write', resourceName: 'orders' },
      authenticationInfo: { principal: 'User:eve' },
    },
  });
  t.match(
    await metrics.text(),
    /kafka_warden_authorization_decisions_total\{operation="WRITE",resource_type="TOPIC",outcome="denied"\} 1/,
  );
});

t.test(
  'a request allowed in part forwards the allowed part, and merges the denied part into the response',
  async (t) => {
    const { stage } = stageOf(withAcls(), 'User:bob');
    const req = requestOf(ApiKey.Produce, 9, produce(['orders', 'secret']));
    const o = stage.onRequest(req);
    if (o.kind !== 'forward') throw new Error(o.kind);
    t.same(
      (req.body as { topicData: Array<{ name: string }> }).topicData.map((x) => x.name),
      ['orders'],
      'the request now carries the allowed part',
    );
    const merged = o.response!({
      throttleTimeMs: 0,
      responses: [{ name: 'orders', partitionResponses: [{ index: 0, errorCode: 0 }] }],
    } as never) as unknown as { responses: Array<{ name: string; partitionResponses: Array<{ errorCode: number }> }> };
    t.same(merged.responses.map((r) => [r.name, r.partitionResponses[0]!.errorCode]).sort(), [
      ['orders', 0],
      ['secret', ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
  },
);

t.test('a denied acks=0 Produce closes the connection, as a broker does', async (t) => {
  const { stage } = stageOf(withAcls(), 'User:eve');
  t.same(stage.onRequest(requestOf(ApiKey.Produce, 9, produce(['orders'], 0))), {
    kind: 'close',
    reason: 'acks_zero_denied',
    fields: { principal: 'User:eve' },
  });
});

t.test("the proxy's own topics are checked even without an acl section", async (t) => {
  const protectedTopics = new ProtectedTopics();
  protectedTopics.register('__warden_audit', 'audit sink');
  const { stage } = stageOf({ ...securityOf('PLAINTEXT'), protectedTopics }, 'User:ANONYMOUS');
  t.match(stage.onRequest(requestOf(ApiKey.Produce, 9, produce(['__warden_audit']))), { kind: 'answer' });
  t.equal(stage.onRequest(requestOf(ApiKey.Produce, 9, produce(['orders']))).kind, 'forward');
});
