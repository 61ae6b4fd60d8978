// Share groups (KIP-932) with ACLs on, as Kafka 4.4's KafkaApis checks them: READ on the group for
// the heartbeat, fetches, acknowledgements and offset changes (DELETE to delete offsets), DESCRIBE
// for the descriptions, READ on each topic fetched or changed, DESCRIBE on each topic subscribed
// to or described. test/kafka/share-groups.test.ts runs the same against a real broker.
import t from 'tap';
import { Authorizer } from '../../../src/acl/authorizer.js';
import { ProtectedTopics } from '../../../src/acl/protected-topics.js';
import { HIDDEN_TOPICS_MESSAGE, type Verdict } from '../../../src/acl/checks/index.js';
import { Operation, ResourceType } from '../../../src/acl/model.js';
import { proxyVersionRange } from '../../../src/proxy/api-table.js';
import { ApiKey, API_SPECS } from '../../../src/protocol/generated/index.js';
import { Writer } from '../../../src/protocol/writer.js';
import { ZERO_UUID } from '../../../src/protocol/constants.js';
import * as sgh from '../../../src/protocol/generated/share-group-heartbeat.js';
import * as sgd from '../../../src/protocol/generated/share-group-describe.js';
import * as sf from '../../../src/protocol/generated/share-fetch.js';
import * as sa from '../../../src/protocol/generated/share-acknowledge.js';
import * as dso from '../../../src/protocol/generated/describe-share-group-offsets.js';
import * as aso from '../../../src/protocol/generated/alter-share-group-offsets.js';
import * as dlo from '../../../src/protocol/generated/delete-share-group-offsets.js';
import * as cgd from '../../../src/protocol/generated/consumer-group-describe.js';
import { allow, runCheck, type ContextOptions } from '../../helpers/authz.js';

const ID = { orders: Buffer.alloc(16, 1), visible: Buffer.alloc(16, 2), secret: Buffer.alloc(16, 3) };
const UNKNOWN_ID = Buffer.alloc(16, 9);
const AUDIT_ID = Buffer.alloc(16, 0xaa);
const ids = () => new Map(Object.entries(ID).map(([name, id]) => [id.toString('hex'), name]));

// bob: READ on group sg and topic orders, DESCRIBE on group sg-d and topic visible, DELETE on group
// sg-x; nothing on topic secret. carol: READ on orders only.
const authorizer = () => {
  const a = new Authorizer({ superUsers: [] });
  a.replace([
    allow('User:bob', Operation.READ, ResourceType.GROUP, 'sg'),
    allow('User:bob', Operation.DESCRIBE, ResourceType.GROUP, 'sg-d'),
    allow('User:bob', Operation.DELETE, ResourceType.GROUP, 'sg-x'),
    allow('User:bob', Operation.READ, ResourceType.TOPIC, 'orders'),
    allow('User:bob', Operation.DESCRIBE, ResourceType.TOPIC, 'visible'),
    allow('User:carol', Operation.READ, ResourceType.TOPIC, 'orders'),
  ]);
  return a;
};
const as = (principal: string): ContextOptions => ({ authorizer: authorizer(), principal, ids: ids() });

type Forward = { kind: 'forward'; request?: unknown; response: (r: unknown) => unknown };
type Answer = { kind: 'answer'; response: unknown };

/** The answer a check gives itself, encoded as it would go to the client. */
function answer<R>(apiKey: number, version: number, v: Verdict): R {
  if (v?.kind !== 'answer') throw new Error(`expected an answer, got ${v === null ? 'null' : v.kind}`);
  API_SPECS.get(apiKey)!.encodeResponse(new Writer(), version, v.response as never);
  return (v as Answer).response as R;
}

/** The forwarded request and what becomes of `upstream`, encoded as it would go to the client. */
function forward<Q, R>(
  apiKey: number,
  version: number,
  v: Verdict,
  upstream: R,
): { request: Q | undefined; response: R } {
  if (v?.kind !== 'forward') throw new Error(`expected a forward, got ${v === null ? 'null' : v.kind}`);
  const response = (v as Forward).response(upstream) as R;
  API_SPECS.get(apiKey)!.encodeResponse(new Writer(), version, response as never);
  return { request: (v as Forward).request as Q | undefined, response };
}

t.test('with ACLs on, share groups are served at the versions Kafka 4.4 speaks', async (t) => {
  t.same(proxyVersionRange(ApiKey.ShareGroupHeartbeat, true), [1, 1]);
  t.same(proxyVersionRange(ApiKey.ShareGroupDescribe, true), [1, 1]);
  t.same(proxyVersionRange(ApiKey.ShareFetch, true), [1, 2]);
  t.same(proxyVersionRange(ApiKey.ShareAcknowledge, true), [1, 2]);
  t.same(proxyVersionRange(ApiKey.DescribeShareGroupOffsets, true), [0, 1]);
  t.same(proxyVersionRange(ApiKey.AlterShareGroupOffsets, true), [0, 0]);
  t.same(proxyVersionRange(ApiKey.DeleteShareGroupOffsets, true), [0, 0]);
});

t.test('ShareGroupHeartbeat: READ on the group, then DESCRIBE on every subscribed topic', async (t) => {
  const hb = (groupId: string, topics: string[]) => ({
    ...sgh.defaultRequest(),
    groupId,
    memberId: 'm',
    subscribedTopicNames: topics,
  });
  const noGroup = answer<sgh.Response>(
    ApiKey.ShareGroupHeartbeat,
    1,
    runCheck(as('User:carol'), ApiKey.ShareGroupHeartbeat, 1, hb('sg', ['orders'])),
  );
  t.same(
    [noGroup.errorCode, noGroup.errorMessage],
    [30, null],
    'GROUP_AUTHORIZATION_FAILED, without a message as Kafka sends it',
  );
  const secret = answer<sgh.Response>(
    ApiKey.ShareGroupHeartbeat,
    1,
    runCheck(as('User:bob'), ApiKey.ShareGroupHeartbeat, 1, hb('sg', ['orders', 'secret'])),
  );
  t.same([secret.errorCode, secret.errorMessage], [29, null], 'one undescribable topic fails the heartbeat');
  t.equal(
    runCheck(as('User:bob'), ApiKey.ShareGroupHeartbeat, 1, hb('sg', ['orders', 'visible'])),
    null,
    'DESCRIBE is enough to subscribe',
  );
  t.equal(
    runCheck(as('User:bob'), ApiKey.ShareGroupHeartbeat, 1, { ...hb('sg', []), subscribedTopicNames: null }),
    null,
    'an unchanged subscription (null) needs only the group',
  );
});

t.test(
  'ShareGroupDescribe: DESCRIBE on each group; a group assigned a hidden topic is 29 without members',
  async (t) => {
    const member = (topics: string[]) => ({
      ...sgd.defaultResponseMember(),
      memberId: 'm1',
      assignment: {
        ...sgd.defaultResponseAssignment(),
        topicPartitions: topics.map((topicName) => ({
          ...sgd.defaultResponseTopicPartitions(),
          topicId: ID[topicName as keyof typeof ID],
          topicName,
          partitions: [0],
        })),
      },
    });
    const group = (groupId: string, topics: string[]) => ({
      ...sgd.defaultResponseDescribedGroup(),
      groupId,
      groupState: 'Stable',
      groupEpoch: 3,
      members: [member(topics)],
    });
    const v = runCheck(as('User:bob'), ApiKey.ShareGroupDescribe, 1, {
      groupIds: ['sg', 'nope', 'sg-d'],
      includeAuthorizedOperations: true,
    });
    const { request, response } = forward<sgd.Request, sgd.Response>(ApiKey.ShareGroupDescribe, 1, v, {
      ...sgd.defaultResponse(),
      groups: [group('sg', ['orders', 'visible']), group('sg-d', ['orders', 'secret'])],
    });
    t.same(request?.groupIds, ['sg', 'sg-d'], 'the refused group is not asked for');
    t.same(
      response.groups.map((g) => [g.groupId, g.errorCode, g.errorMessage, g.members.length, g.groupState]),
      [
        ['sg', 0, null, 1, 'Stable'],
        ['nope', 30, null, 0, ''],
        ['sg-d', 29, HIDDEN_TOPICS_MESSAGE, 0, ''],
      ],
    );
    t.equal(
      response.groups[0]!.authorizedOperations,
      (1 << Operation.READ) | (1 << Operation.DESCRIBE),
      'READ implies DESCRIBE in the bitfield',
    );
    const none = answer<sgd.Response>(
      ApiKey.ShareGroupDescribe,
      1,
      runCheck(as('User:carol'), ApiKey.ShareGroupDescribe, 1, {
        groupIds: ['sg'],
        includeAuthorizedOperations: false,
      }),
    );
    t.same(
      none.groups.map((g) => [g.groupId, g.errorCode]),
      [['sg', 30]],
      'nothing allowed: answered by the proxy',
    );
  },
);

t.test(
  'the same rule for ConsumerGroupDescribe (Kafka 4): assignments and target assignments naming a hidden topic',
  async (t) => {
    const tps = (topics: string[]) => ({
      ...cgd.defaultResponseAssignment(),
      topicPartitions: topics.map((topicName) => ({
        ...cgd.defaultResponseTopicPartitions(),
        topicId: ID[topicName as keyof typeof ID],
        topicName,
        partitions: [0],
      })),
    });
    const group = (groupId: string, assigned: string[], target: string[]) => ({
      ...cgd.defaultResponseDescribedGroup(),
      groupId,
      groupState: 'Stable',
      members: [
        { ...cgd.defaultResponseMember(), memberId: 'm', assignment: tps(assigned), targetAssignment: tps(target) },
      ],
    });
    const v = runCheck(as('User:bob'), ApiKey.ConsumerGroupDescribe, 0, {
      groupIds: ['sg', 'sg-d'],
      includeAuthorizedOperations: false,
    });
    const { response } = forward<unknown, cgd.Response>(ApiKey.ConsumerGroupDescribe, 0, v, {
      ...cgd.defaultResponse(),
      groups: [group('sg', ['orders'], ['orders']), group('sg-d', ['orders'], ['secret'])],
    });
    t.same(
      response.groups.map((g) => [g.groupId, g.errorCode, g.errorMessage, g.members.length]),
      [
        ['sg', 0, null, 1],
        ['sg-d', 29, HIDDEN_TOPICS_MESSAGE, 0],
      ],
    );
  },
);

t.test(
  'ShareFetch: READ on the group, READ on each topic; the share session goes on without the refused ones',
  async (t) => {
    const part = (partitionIndex: number, acks = false) => ({
      ...sf.defaultRequestFetchPartition(),
      partitionIndex,
      acknowledgementBatches: acks ? [{ firstOffset: 0n, lastOffset: 1n, acknowledgeTypes: [1] }] : [],
    });
    const req = (groupId: string | null, topics: Array<[Buffer, number[], boolean?]>) => ({
      ...sf.defaultRequest(),
      groupId,
      memberId: 'm',
      shareSessionEpoch: 3,
      topics: topics.map(([topicId, ps, acks]) => ({
        ...sf.defaultRequestFetchTopic(),
        topicId,
        partitions: ps.map((p) => part(p, acks)),
      })),
    });
    const group = answer<sf.Response>(
      ApiKey.ShareFetch,
      2,
      runCheck(as('User:carol'), ApiKey.ShareFetch, 2, req('sg', [[ID.orders, [0]]])),
    );
    t.same([group.errorCode, group.responses.length], [30, 0], 'no READ on the group: the whole request fails with 30');
    t.equal(
      runCheck(as('User:carol'), ApiKey.ShareFetch, 2, req(null, [])),
      null,
      'no group id at all: the broker answers INVALID_REQUEST',
    );

    const records = Buffer.from('0123456789');
    const upstream = (topicIds: Buffer[]): sf.Response => ({
      ...sf.defaultResponse(),
      responses: topicIds.map((topicId) => ({
        ...sf.defaultResponseShareFetchableTopicResponse(),
        topicId,
        partitions: [
          {
            ...sf.defaultResponsePartitionData(),
            partitionIndex: 0,
            records,
            acquiredRecords: [{ firstOffset: 0n, lastOffset: 9n, deliveryCount: 1 }],
          },
        ],
      })),
    });
    const v = runCheck(
      as('User:bob'),
      ApiKey.ShareFetch,
      2,
      req('sg', [
        [ID.orders, [0]],
        [ID.secret, [0, 1], true],
        [UNKNOWN_ID, [0]],
      ]),
    );
    // The broker also answers for `visible`, a topic of the session the request did not name: bob may describe it, not read it.
    const { request, response } = forward<sf.Request, sf.Response>(
      ApiKey.ShareFetch,
      2,
      v,
      upstream([ID.orders, ID.visible]),
    );
    t.same(
      request?.topics.map((x) => x.topicId),
      [ID.orders],
      'only the readable topic goes upstream',
    );
    t.equal(request?.shareSessionEpoch, 3, 'in the same share-session epoch');
    const summary = response.responses.map((r) => [
      r.topicId[0],
      r.partitions.map((p) => [
        p.partitionIndex,
        p.errorCode,
        p.acknowledgeErrorCode,
        p.errorMessage,
        p.records?.length,
        p.acquiredRecords.length,
      ]),
    ]);
    t.same(
      summary,
      [
        [1, [[0, 0, 0, null, 10, 1]]],
        [2, [[0, 29, 0, null, 0, 0]]],
        [
          3,
          [
            [0, 29, 29, null, 0, 0],
            [1, 29, 29, null, 0, 0],
          ],
        ],
        [9, [[0, 100, 0, null, 0, 0]]],
      ],
      'orders as fetched; visible (no READ) with 29 and no records; secret 29 on fetch and acknowledgement; the unknown id UNKNOWN_TOPIC_ID',
    );
    t.equal(
      runCheck(as('User:bob'), ApiKey.ShareFetch, 2, req('sg', [[ID.orders, [0]]]))?.kind,
      'forward',
      'every answer is looked at: the session may serve topics not named',
    );
  },
);

t.test('ShareAcknowledge: the same checks', async (t) => {
  const req = (groupId: string, topicIds: Buffer[]) => ({
    ...sa.defaultRequest(),
    groupId,
    memberId: 'm',
    shareSessionEpoch: 4,
    topics: topicIds.map((topicId) => ({
      ...sa.defaultRequestAcknowledgeTopic(),
      topicId,
      partitions: [
        {
          ...sa.defaultRequestAcknowledgePartition(),
          partitionIndex: 0,
          acknowledgementBatches: [{ firstOffset: 0n, lastOffset: 0n, acknowledgeTypes: [1] }],
        },
      ],
    })),
  });
  const group = answer<sa.Response>(
    ApiKey.ShareAcknowledge,
    2,
    runCheck(as('User:carol'), ApiKey.ShareAcknowledge, 2, req('sg', [ID.orders])),
  );
  t.equal(group.errorCode, 30);
  const v = runCheck(as('User:bob'), ApiKey.ShareAcknowledge, 2, req('sg', [ID.orders, ID.secret]));
  const upstream = {
    ...sa.defaultResponse(),
    responses: [
      {
        ...sa.defaultResponseTopicResponse(),
        topicId: ID.orders,
        partitions: [{ ...sa.defaultResponsePartitionData(), partitionIndex: 0 }],
      },
    ],
  };
  const { request, response } = forward<sa.Request, sa.Response>(ApiKey.ShareAcknowledge, 2, v, upstream);
  t.same(
    request?.topics.map((x) => x.topicId),
    [ID.orders],
  );
  t.same(
    response.responses.map((r) => [r.topicId[0], r.partitions.map((p) => p.errorCode)]),
    [
      [1, [0]],
      [3, [29]],
    ],
  );
});

t.test('DescribeShareGroupOffsets: DESCRIBE on each group, DESCRIBE on each topic', async (t) => {
  const rq = (groupId: string, topics: string[] | null) => ({
    ...dso.defaultRequestGroup(),
    groupId,
    topics: topics === null ? null : topics.map((topicName) => ({ topicName, partitions: [0, 1] })),
  });
  const rs = (groupId: string, topics: string[]) => ({
    ...dso.defaultResponseGroup(),
    groupId,
    topics: topics.map((topicName) => ({
      ...dso.defaultResponseTopic(),
      topicName,
      topicId: ID[topicName as keyof typeof ID],
      partitions: [{ ...dso.defaultResponsePartition(), partitionIndex: 0, startOffset: 5n }],
    })),
  });
  const v = runCheck(as('User:bob'), ApiKey.DescribeShareGroupOffsets, 1, {
    groups: [rq('sg', null), rq('nope', null), rq('sg-d', ['orders', 'secret'])],
  });
  const { request, response } = forward<dso.Request, dso.Response>(ApiKey.DescribeShareGroupOffsets, 1, v, {
    ...dso.defaultResponse(),
    groups: [rs('sg', ['orders', 'secret']), rs('sg-d', ['orders'])],
  });
  t.same(
    request?.groups.map((g) => [g.groupId, g.topics?.map((x) => x.topicName) ?? null]),
    [
      ['sg', null],
      ['sg-d', ['orders']],
    ],
    'the refused group and topic are not asked for',
  );
  t.same(
    response.groups.map((g) => [
      g.groupId,
      g.errorCode,
      g.topics.map((x) => [
        x.topicName,
        x.topicId.equals(ZERO_UUID),
        x.partitions.map((p) => [p.partitionIndex, p.errorCode, p.startOffset, p.lag]),
      ]),
    ]),
    [
      ['sg', 0, [['orders', false, [[0, 0, 5n, -1n]]]]],
      ['nope', 30, []],
      [
        'sg-d',
        0,
        [
          ['orders', false, [[0, 0, 5n, -1n]]],
          [
            'secret',
            true,
            [
              [0, 29, -1n, -1n],
              [1, 29, -1n, -1n],
            ],
          ],
        ],
      ],
    ],
    'all topics: the undescribable one left out; named: 29 on each of its partitions',
  );
});

t.test(
  'AlterShareGroupOffsets (READ on the group) and DeleteShareGroupOffsets (DELETE on it): READ on each topic',
  async (t) => {
    const alter = (groupId: string, topics: string[]) => ({
      groupId,
      topics: topics.map((topicName) => ({ topicName, partitions: [{ partitionIndex: 0, startOffset: 0n }] })),
    });
    const denied = answer<aso.Response>(
      ApiKey.AlterShareGroupOffsets,
      0,
      runCheck(as('User:bob'), ApiKey.AlterShareGroupOffsets, 0, alter('sg-d', ['orders'])),
    );
    t.same(
      [denied.errorCode, denied.errorMessage],
      [30, 'Group authorization failed.'],
      'DESCRIBE on the group is not enough',
    );
    const v = runCheck(as('User:bob'), ApiKey.AlterShareGroupOffsets, 0, alter('sg', ['orders', 'secret']));
    const upstream = {
      ...aso.defaultResponse(),
      responses: [
        {
          ...aso.defaultResponseTopic(),
          topicName: 'orders',
          topicId: ID.orders,
          partitions: [{ ...aso.defaultResponsePartition(), partitionIndex: 0 }],
        },
      ],
    };
    const { request, response } = forward<aso.Request, aso.Response>(ApiKey.AlterShareGroupOffsets, 0, v, upstream);
    t.same(
      request?.topics.map((x) => x.topicName),
      ['orders'],
    );
    t.same(
      response.responses.map((r) => [
        r.topicName,
        r.topicId.equals(ZERO_UUID),
        r.partitions.map((p) => [p.errorCode, p.errorMessage]),
      ]),
      [
        ['orders', false, [[0, null]]],
        ['secret', true, [[29, 'Topic authorization failed.']]],
      ],
    );

    const del = (groupId: string, topics: string[]) => ({
      groupId,
      topics: topics.map((topicName) => ({ topicName })),
    });
    t.equal(
      answer<dlo.Response>(
        ApiKey.DeleteShareGroupOffsets,
        0,
        runCheck(as('User:bob'), ApiKey.DeleteShareGroupOffsets, 0, del('sg', ['orders'])),
      ).errorCode,
      30,
      'READ on the group is not enough to delete',
    );
    const all = answer<dlo.Response>(
      ApiKey.DeleteShareGroupOffsets,
      0,
      runCheck(as('User:bob'), ApiKey.DeleteShareGroupOffsets, 0, del('sg-x', ['secret'])),
    );
    t.same(
      [all.errorCode, all.responses.map((r) => [r.topicName, r.errorCode])],
      [0, [['secret', 29]]],
      'every topic refused: answered by the proxy',
    );
    t.equal(runCheck(as('User:bob'), ApiKey.DeleteShareGroupOffsets, 0, del('sg-x', ['orders'])), null);
  },
);

t.test("without an authorizer only the proxy's own topics are refused", async (t) => {
  const protectedTopics = new ProtectedTopics();
  protectedTopics.register('audit', 'audit sink');
  const o: ContextOptions = {
    authorizer: null,
    principal: 'User:ANONYMOUS',
    ids: new Map([...ids(), [AUDIT_ID.toString('hex'), 'audit']]),
    protectedTopics,
  };
  const fetch = (topicId: Buffer) => ({
    ...sf.defaultRequest(),
    groupId: 'any',
    memberId: 'm',
    topics: [{ ...sf.defaultRequestFetchTopic(), topicId, partitions: [] }],
  });
  t.equal(
    runCheck(o, ApiKey.ShareFetch, 2, fetch(UNKNOWN_ID)),
    null,
    'an id the proxy has not learned goes to the broker, and the answer as it is',
  );
  t.same(
    forward<sf.Request, sf.Response>(
      ApiKey.ShareFetch,
      2,
      runCheck(o, ApiKey.ShareFetch, 2, fetch(AUDIT_ID)),
      sf.defaultResponse(),
    ).request?.topics,
    [],
    'the audit topic is taken out',
  );
  const tp = { ...sgd.defaultResponseTopicPartitions(), topicId: AUDIT_ID, topicName: 'audit', partitions: [0] };
  const group = {
    ...sgd.defaultResponseDescribedGroup(),
    groupId: 'any',
    members: [{ ...sgd.defaultResponseMember(), assignment: { topicPartitions: [tp] } }],
  };
  const { response } = forward<unknown, sgd.Response>(
    ApiKey.ShareGroupDescribe,
    1,
    runCheck(o, ApiKey.ShareGroupDescribe, 1, { groupIds: ['any'], includeAuthorizedOperations: false }),
    { ...sgd.defaultResponse(), groups: [group] },
  );
  t.same(
    response.groups.map((g) => [g.errorCode, g.members.length]),
    [[29, 0]],
    'a group assigned the audit topic is not described',
  );
});
