// The one decision path (src/acl/decision.ts) with a real audit trail: every decision that grants
// or refuses is audited and refused under failClosed when it cannot be, the cluster-level grants of
// CreateTopics, DeleteTopics, OffsetForLeaderEpoch and follower fetches included (they used to skip
// both); decisions that only narrow a response audit what they allow, as Kafka's logIfDenied=false.
import t from 'tap';
import { Authorizer } from '../../src/acl/authorizer.js';
import { CLUSTER_NAME, Operation, ResourceType } from '../../src/acl/model.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import * as deleteTopicsCodec from '../../src/protocol/generated/delete-topics.js';
import type { Verdict } from '../../src/acl/checks/index.js';
import { allow, auditTrail, decisionsFor, runCheck, runWith, type AuditedEvent } from '../helpers/authz.js';
import {
  createTopicsRequest,
  fetchRequest,
  initProducerIdRequest,
  listOffsetsRequest,
  metadataRequest,
  metadataResponse,
  metadataTopic,
} from '../helpers/acl-fixtures.js';

// ops holds the cluster-level grants and nothing on any topic; dev may create `orders` only.
const authorizer = () => {
  const a = new Authorizer({ superUsers: ['User:admin'] });
  a.replace([
    allow('User:ops', Operation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME),
    allow('User:ops', Operation.DELETE, ResourceType.CLUSTER, CLUSTER_NAME),
    allow('User:ops', Operation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME),
    allow('User:dev', Operation.CREATE, ResourceType.TOPIC, 'orders'),
    allow('User:alice', Operation.DESCRIBE, ResourceType.TOPIC, 'orders'),
  ]);
  return a;
};

const deleteTopics = (name: string) => ({ ...deleteTopicsCodec.defaultRequest(), topicNames: [name] });
const offsetForLeaderEpoch = (topic: string) => ({
  replicaId: -1,
  topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
});

/** The error code of the first partition or topic of a verdict; 0 when the request goes upstream. */
function code(apiKey: number, v: Verdict): number {
  if (v === null || v.kind === 'forward') return 0;
  if (v.kind === 'close') return -1;
  const r = v.response as Record<string, any>;
  switch (apiKey) {
    case ApiKey.CreateTopics:
      return r.topics[0].errorCode;
    case ApiKey.DeleteTopics:
      return r.responses[0].errorCode;
    case ApiKey.OffsetForLeaderEpoch:
      return r.topics[0].partitions[0].errorCode;
    case ApiKey.Fetch:
      return r.responses[0].partitions[0].errorCode;
    default:
      throw new Error(`no code reader for api ${apiKey}`);
  }
}

const CLUSTER_GRANTS: Array<{ what: string; apiKey: number; version: number; request: unknown; operation: string }> = [
  {
    what: 'CreateTopics through CREATE on the cluster',
    apiKey: ApiKey.CreateTopics,
    version: 5,
    request: createTopicsRequest('orders'),
    operation: 'Create',
  },
  {
    what: 'DeleteTopics through DELETE on the cluster',
    apiKey: ApiKey.DeleteTopics,
    version: 4,
    request: deleteTopics('orders'),
    operation: 'Delete',
  },
  {
    what: 'OffsetForLeaderEpoch through CLUSTER_ACTION',
    apiKey: ApiKey.OffsetForLeaderEpoch,
    version: 4,
    request: offsetForLeaderEpoch('orders'),
    operation: 'ClusterAction',
  },
  {
    what: 'a follower Fetch through CLUSTER_ACTION',
    apiKey: ApiKey.Fetch,
    version: 12,
    request: fetchRequest('orders', 2),
    operation: 'ClusterAction',
  },
];

t.test('a cluster-level grant is audited (audit.allowed: default) like any other decision', async (t) => {
  for (const g of CLUSTER_GRANTS) {
    const trail = auditTrail();
    const v = runCheck(
      { authorizer: authorizer(), principal: 'User:ops', audit: trail.audit },
      g.apiKey,
      g.version,
      g.request,
      41,
    );
    t.equal(code(g.apiKey, v), 0, `${g.what}: allowed`);
    const events = (await trail.events()).filter((e) => e.data.authorizationInfo !== undefined);
    t.same(
      events.map((e) => [
        e.data.methodName,
        e.data.request?.correlation_id,
        e.data.authorizationInfo!.granted,
        e.data.authorizationInfo!.operation,
        e.data.authorizationInfo!.resourceType,
      ]),
      [
        [
          `kafka.${g.apiKey === ApiKey.Fetch ? 'Fetch' : g.apiKey === ApiKey.CreateTopics ? 'CreateTopics' : g.apiKey === ApiKey.DeleteTopics ? 'DeleteTopics' : 'OffsetForLeaderEpoch'}`,
          '41',
          true,
          g.operation,
          'Cluster',
        ],
      ],
      `${g.what}: one event, the grant, naming the request`,
    );
    await trail.audit.stop(100);
  }
});

t.test('failClosed: a cluster-level grant that cannot be audited is refused', async (t) => {
  for (const g of CLUSTER_GRANTS) {
    const trail = auditTrail({ full: true });
    const v = runCheck(
      { authorizer: authorizer(), principal: 'User:ops', audit: trail.audit },
      g.apiKey,
      g.version,
      g.request,
    );
    t.equal(
      code(g.apiKey, v),
      29,
      `${g.what}: refused with 29 (the per-topic check decides, and ops has nothing on the topic)`,
    );
    t.ok(trail.audit.stats.refused > 0, 'the refused event is counted');
    await trail.audit.stop(100);
  }
  // Without the audit trail in the way, the same requests go through (the refusal above is failClosed's).
  for (const g of CLUSTER_GRANTS)
    t.equal(
      code(g.apiKey, runCheck({ authorizer: authorizer(), principal: 'User:ops' }, g.apiKey, g.version, g.request)),
      0,
      `${g.what}: allowed with no audit trail`,
    );
});

t.test("the cluster grant's denial is no refusal and is not audited (Kafka's logIfDenied = false)", async (t) => {
  const trail = auditTrail();
  const v = runCheck(
    { authorizer: authorizer(), principal: 'User:dev', audit: trail.audit },
    ApiKey.CreateTopics,
    5,
    createTopicsRequest('orders'),
  );
  t.equal(code(ApiKey.CreateTopics, v), 0, 'dev creates orders through CREATE on the topic');
  const events = (await trail.events()).filter((e) => e.data.authorizationInfo !== undefined);
  t.same(
    events.map((e) => [
      e.data.authorizationInfo!.granted,
      e.data.authorizationInfo!.operation,
      e.data.authorizationInfo!.resourceType,
      e.data.authorizationInfo!.resourceName,
    ]),
    [[true, 'Create', 'Topic', 'orders']],
    'only the topic grant is recorded',
  );
  const denied = runCheck(
    { authorizer: authorizer(), principal: 'User:dev', audit: trail.audit },
    ApiKey.CreateTopics,
    5,
    createTopicsRequest('payments'),
  );
  t.equal(code(ApiKey.CreateTopics, denied), 29);
  const after = (await trail.events()).filter((e) => e.data.authorizationInfo !== undefined).slice(1);
  t.same(
    after.map((e) => [
      e.data.authorizationInfo!.granted,
      e.data.authorizationInfo!.resourceType,
      e.data.authorizationInfo!.resourceName,
    ]),
    [[false, 'Topic', 'payments']],
    'the refusal is the topic denial',
  );
  await trail.audit.stop(100);
});

t.test(
  'filters audit what they allow, never what they leave out; bitfields audit nothing; failClosed hides',
  async (t) => {
    const mres = () =>
      metadataResponse(
        ['orders', 'secret'].map((name, i) => metadataTopic(name, { topicId: Buffer.alloc(16, i + 1) })),
      );
    const all = metadataRequest(null, { includeTopicAuthorizedOperations: true });
    const listed = async (allowed: 'all' | 'default', full = false) => {
      const trail = auditTrail({ allowed, full });
      const v = runCheck(
        { authorizer: authorizer(), principal: 'User:alice', audit: trail.audit },
        ApiKey.Metadata,
        12,
        all,
      ) as unknown as { response: (r: unknown) => ReturnType<typeof mres> };
      const res = v.response(mres());
      const events = full ? [] : (await trail.events()).filter((e) => e.data.authorizationInfo !== undefined);
      await trail.audit.stop(100);
      return {
        names: res.topics.map((x) => x.name),
        ops: res.topics.map((x) => x.topicAuthorizedOperations),
        events: events.map((e) => [
          e.data.authorizationInfo!.granted,
          e.data.authorizationInfo!.operation,
          e.data.authorizationInfo!.resourceName,
        ]),
      };
    };
    const def = await listed('default');
    t.same(def.names, ['orders'], 'secret is left out of the listing');
    t.same(def.events, [], 'default policy: an allowed DESCRIBE is not recorded, the left-out topic is no denial');
    t.same(def.ops, [1 << Operation.DESCRIBE], 'the bitfield is computed');
    const every = await listed('all');
    t.same(
      every.events,
      [[true, 'Describe', 'orders']],
      'audit.allowed: all records the allowed DESCRIBE, and nothing for the bitfield or secret',
    );
    const closed = await listed('all', true);
    t.same(closed.names, [], 'failClosed: a topic whose listing cannot be audited is left out too');

    const trail = auditTrail();
    runCheck({ authorizer: authorizer(), principal: 'User:alice', audit: trail.audit }, ApiKey.Metadata, 12, {
      ...all,
      topics: [{ name: 'secret', topicId: Buffer.alloc(16) }],
    });
    const named = (await trail.events()).filter((e) => e.data.authorizationInfo !== undefined);
    t.same(
      named.map((e) => [e.data.authorizationInfo!.granted, e.data.authorizationInfo!.resourceName]),
      [[false, 'secret']],
      'a topic asked for by name and refused is a denial, recorded',
    );
    await trail.audit.stop(100);
  },
);

t.test('a decision made while a response passes names its own request, not the one handled by then', async (t) => {
  const trail = auditTrail({ allowed: 'all' });
  const { decisions, header } = decisionsFor({ authorizer: authorizer(), principal: 'User:alice', audit: trail.audit });
  const listing = runWith(
    decisions!.forRequest(header(ApiKey.Metadata, 7)),
    ApiKey.Metadata,
    12,
    metadataRequest(null),
  ) as {
    response: (r: unknown) => unknown;
  };
  // Another request is handled before the Metadata response arrives.
  runWith(decisions!.forRequest(header(ApiKey.ListOffsets, 8)), ApiKey.ListOffsets, 5, listOffsetsRequest('orders'));
  listing.response(metadataResponse([metadataTopic('orders', { topicId: Buffer.alloc(16, 1) })]));
  const events: AuditedEvent[] = (await trail.events()).filter((e) => e.data.authorizationInfo !== undefined);
  t.same(
    events.map((e) => [e.data.methodName, e.data.request?.correlation_id]),
    [
      ['kafka.ListOffsets', '8'],
      ['kafka.Metadata', '7'],
    ],
  );
  await trail.audit.stop(100);
});

t.test(
  'InitProducerId of an idempotent producer: the cluster grant audited when it allows, a refusal once, WRITE on a topic silent',
  async (t) => {
    const a = authorizer();
    a.add([
      allow('User:idem', Operation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME),
      allow('User:writer', Operation.WRITE, ResourceType.TOPIC, 'orders'),
    ]);
    const init = initProducerIdRequest(null);
    const outcome = async (principal: string) => {
      const trail = auditTrail({ allowed: 'all' });
      const v = runCheck({ authorizer: a, principal, audit: trail.audit }, ApiKey.InitProducerId, 4, init);
      const events = (await trail.events()).filter((e) => e.data.authorizationInfo !== undefined);
      await trail.audit.stop(100);
      return {
        code: v === null ? 0 : (v as { response: { errorCode: number } }).response.errorCode,
        events: events.map((e) => [
          e.data.authorizationInfo!.granted,
          e.data.authorizationInfo!.operation,
          e.data.authorizationInfo!.resourceType,
        ]),
      };
    };
    t.same(
      await outcome('User:idem'),
      { code: 0, events: [[true, 'IdempotentWrite', 'Cluster']] },
      'IDEMPOTENT_WRITE on the cluster: allowed, recorded (audit.allowed: all)',
    );
    t.same(
      await outcome('User:writer'),
      { code: 0, events: [] },
      'WRITE on a topic: allowed; the cluster check it did not pass is no denial',
    );
    t.same(
      await outcome('User:dev'),
      { code: 31, events: [[false, 'IdempotentWrite', 'Cluster']] },
      'neither: refused with 31, and the refusal recorded once',
    );
  },
);
