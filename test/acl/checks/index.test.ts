// The per-API authorization table, checked as a decision matrix (docs/kafka-semantics.md
// sections 5-6) and through the request/response shapes each check rewrites.
import t from 'tap';
import { Authorizer } from '../../../src/acl/authorizer.js';
import { API_CHECKS, authorizedOperations, type Verdict } from '../../../src/acl/checks/index.js';
import { Operation, PatternType, Permission, ResourceType, type AclBinding } from '../../../src/acl/model.js';
import { ApiKey, API_SPECS } from '../../../src/protocol/generated/index.js';
import { proxyVersionRange } from '../../../src/proxy/api-table.js';
import { encodeRecordBatch } from '../../../src/protocol/record-batch.js';
import * as produceCodec from '../../../src/protocol/generated/produce.js';
import * as fetch from '../../../src/protocol/generated/fetch.js';
import * as listOffsets from '../../../src/protocol/generated/list-offsets.js';
import * as createTopics from '../../../src/protocol/generated/create-topics.js';
import * as joinGroup from '../../../src/protocol/generated/join-group.js';
import { contextFor, runWith, type ContextOptions } from '../../helpers/authz.js';
import {
  acl,
  createTopicsRequest,
  fetchPartition,
  fetchRequest,
  initProducerIdRequest,
  listOffsetsRequest,
  metadataRequest,
  metadataResponse,
  metadataTopic,
} from '../../helpers/acl-fixtures.js';

const DEFAULTS: Record<number, () => object> = {
  [ApiKey.Produce]: produceCodec.defaultRequest,
  [ApiKey.Fetch]: fetch.defaultRequest,
  [ApiKey.ListOffsets]: listOffsets.defaultRequest,
  [ApiKey.CreateTopics]: createTopics.defaultRequest,
  [ApiKey.JoinGroup]: joinGroup.defaultRequest,
};
const sampleRequest = (apiKey: number, _version: number) => DEFAULTS[apiKey]!();

const { TOPIC, GROUP, TRANSACTIONAL_ID } = ResourceType;
const { LITERAL, PREFIXED } = PatternType;
const { ALLOW, DENY } = Permission;

// alice: literal and prefixed allows; bob: a prefixed ALL with a literal deny; everyone: DESCRIBE on `public`.
const ACLS: AclBinding[] = [
  acl('User:alice', Operation.READ, TOPIC, 'orders'),
  acl('User:alice', Operation.WRITE, TOPIC, 'app-', PREFIXED),
  acl('User:alice', Operation.READ, GROUP, 'app-', PREFIXED),
  acl('User:alice', Operation.WRITE, TRANSACTIONAL_ID, 'tx-alice'),
  acl('User:bob', Operation.ALL, TOPIC, 'app-', PREFIXED),
  acl('User:bob', Operation.WRITE, TOPIC, 'app-secret', LITERAL, DENY),
  acl('User:bob', Operation.READ, GROUP, '*'),
  acl('User:bob', Operation.READ, GROUP, 'app-admins', LITERAL, DENY),
  acl('User:*', Operation.DESCRIBE, TOPIC, 'public'),
  acl('User:alice', Operation.READ, TOPIC, 'hosted', LITERAL, ALLOW, '10.0.0.1'),
];

const PRINCIPALS = ['User:admin', 'User:alice', 'User:bob', 'User:ANONYMOUS'] as const;
const TOPICS = ['orders', 'app-x', 'app-secret', 'public', 'other'] as const;
const TOPIC_OPS = [
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
] as const;
const ALL_TOPIC_OPS = TOPIC_OPS.join(' ');

/**
 * What the semantics document says each principal may do on each topic, written out by hand.
 * `other` has no ACLs at all; the second table is with allowEveryoneIfNoAclFound.
 */
const EXPECTED: Record<string, Record<string, string>> = {
  'User:admin': Object.fromEntries(TOPICS.map((n) => [n, ALL_TOPIC_OPS])), // super user, before any deny
  'User:alice': {
    orders: 'READ DESCRIBE',
    'app-x': 'WRITE DESCRIBE',
    'app-secret': 'WRITE DESCRIBE',
    public: 'DESCRIBE',
    other: '',
  },
  // ALL via app-; the WRITE deny on app-secret does not take DESCRIBE away (implication is for ALLOW
  // only, and the ALL allow covers DESCRIBE directly).
  'User:bob': {
    orders: '',
    'app-x': ALL_TOPIC_OPS,
    'app-secret': 'READ CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS',
    public: 'DESCRIBE',
    other: '',
  },
  'User:ANONYMOUS': { orders: '', 'app-x': '', 'app-secret': '', public: 'DESCRIBE', other: '' },
};

/** The decision path a connection uses (src/acl/decision.ts), for one principal and no audit trail. */
const context = (
  authorizer: Authorizer,
  principal: string,
  more: Omit<ContextOptions, 'authorizer' | 'principal'> = {},
) => contextFor({ authorizer, principal, ...more });

/** The API that exercises each topic operation, and how to read the topic's error code from the verdict. */
const TOPIC_API: Partial<
  Record<
    (typeof TOPIC_OPS)[number],
    { apiKey: number; version: number; request: (topic: string) => unknown; code: (v: Verdict) => number }
  >
> = {
  WRITE: {
    apiKey: ApiKey.Produce,
    version: 9,
    request: (topic) => ({
      ...sampleRequest(ApiKey.Produce, 9),
      transactionalId: null,
      acks: -1,
      topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.alloc(0) }] }],
    }),
    code: (v) =>
      v === null
        ? 0
        : (v as { response: { responses: Array<{ partitionResponses: Array<{ errorCode: number }> }> } }).response
            .responses[0]!.partitionResponses[0]!.errorCode,
  },
  READ: {
    apiKey: ApiKey.Fetch,
    version: 12,
    request: (topic) => fetchRequest(topic),
    code: (v) =>
      v === null
        ? 0
        : (v as { response: { responses: Array<{ partitions: Array<{ errorCode: number }> }> } }).response.responses[0]!
            .partitions[0]!.errorCode,
  },
  DESCRIBE: {
    apiKey: ApiKey.ListOffsets,
    version: 5,
    request: (topic) => listOffsetsRequest(topic),
    code: (v) =>
      v === null
        ? 0
        : (v as { response: { topics: Array<{ partitions: Array<{ errorCode: number }> }> } }).response.topics[0]!
            .partitions[0]!.errorCode,
  },
  DELETE: {
    apiKey: ApiKey.DeleteRecords,
    version: 2,
    request: (topic) => ({
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 1n }] }],
      timeoutMs: 1000,
    }),
    code: (v) =>
      v === null
        ? 0
        : (v as { response: { topics: Array<{ partitions: Array<{ errorCode: number }> }> } }).response.topics[0]!
            .partitions[0]!.errorCode,
  },
  ALTER: {
    apiKey: ApiKey.CreatePartitions,
    version: 3,
    request: (topic) => ({
      topics: [{ name: topic, count: 6, assignments: null }],
      timeoutMs: 1000,
      validateOnly: false,
    }),
    code: (v) =>
      v === null ? 0 : (v as { response: { results: Array<{ errorCode: number }> } }).response.results[0]!.errorCode,
  },
  CREATE: {
    apiKey: ApiKey.CreateTopics,
    version: 5,
    request: (topic) => createTopicsRequest(topic),
    // Allowed v5+ requests are forwarded with a response filter (configs hidden without DESCRIBE_CONFIGS).
    code: (v) =>
      v === null || v.kind === 'forward'
        ? 0
        : (v as { response: { topics: Array<{ errorCode: number }> } }).response.topics[0]!.errorCode,
  },
  DESCRIBE_CONFIGS: {
    apiKey: ApiKey.DescribeConfigs,
    version: 4,
    request: (topic) => ({
      resources: [{ resourceType: 2, resourceName: topic, configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    }),
    code: (v) =>
      v === null ? 0 : (v as { response: { results: Array<{ errorCode: number }> } }).response.results[0]!.errorCode,
  },
  ALTER_CONFIGS: {
    apiKey: ApiKey.IncrementalAlterConfigs,
    version: 1,
    request: (topic) => ({ resources: [{ resourceType: 2, resourceName: topic, configs: [] }], validateOnly: false }),
    code: (v) =>
      v === null
        ? 0
        : (v as { response: { responses: Array<{ errorCode: number }> } }).response.responses[0]!.errorCode,
  },
};

t.test('decision matrix: principals x topic operations x topics, decisions and error codes', async (t) => {
  const a = new Authorizer({ superUsers: ['User:admin'] });
  a.replace(ACLS);
  let cases = 0;
  for (const p of PRINCIPALS) {
    const c = context(a, p);
    for (const topic of TOPICS) {
      const allowed = new Set(EXPECTED[p]![topic]!.split(' ').filter(Boolean));
      for (const op of TOPIC_OPS) {
        const want = allowed.has(op);
        t.equal(
          a.authorize(p, '127.0.0.1', Operation[op], TOPIC, topic).allowed,
          want,
          `${p} ${op} ${topic}: ${want ? 'allowed' : 'denied'}`,
        );
        const api = TOPIC_API[op]!;
        t.equal(
          api.code(runWith(c, api.apiKey, api.version, api.request(topic))),
          want ? 0 : 29,
          `${p} ${op} ${topic} through ${API_SPECS.get(api.apiKey)!.name}: error ${want ? 0 : 29}`,
        );
        cases++;
      }
    }
  }
  t.equal(cases, PRINCIPALS.length * TOPICS.length * TOPIC_OPS.length);
});

t.test('with allowEveryoneIfNoAclFound only resources without any ACL open up', async (t) => {
  const a = new Authorizer({ superUsers: ['User:admin'], allowEveryoneIfNoAclFound: true });
  a.replace(ACLS);
  for (const p of ['User:alice', 'User:bob', 'User:ANONYMOUS']) {
    t.ok(a.authorize(p, '127.0.0.1', Operation.WRITE, TOPIC, 'other').allowed, `${p} may write "other" (no ACLs)`);
    t.notOk(
      a.authorize(p, '127.0.0.1', Operation.WRITE, TOPIC, 'public').allowed,
      `${p} may not write "public" (has ACLs, none match)`,
    );
  }
  t.notOk(
    a.authorize('User:bob', '127.0.0.1', Operation.READ, TOPIC, 'orders').allowed,
    'bob may not read orders: it has ACLs',
  );
});

t.test('host: an ACL for one client address applies to that address only', async (t) => {
  const a = new Authorizer();
  a.replace(ACLS);
  t.ok(a.authorize('User:alice', '10.0.0.1', Operation.READ, TOPIC, 'hosted').allowed);
  t.notOk(a.authorize('User:alice', '127.0.0.1', Operation.READ, TOPIC, 'hosted').allowed);
});

t.test('groups (30), transactional ids (53) and the cluster (31)', async (t) => {
  const a = new Authorizer({ superUsers: ['User:admin'] });
  a.replace(ACLS);
  const join = (group: string) => ({ ...sampleRequest(ApiKey.JoinGroup, 5), groupId: group });
  const code = (v: Verdict) => (v === null ? 0 : (v as { response: { errorCode: number } }).response.errorCode);
  const cases: Array<[string, string, number]> = [
    ['User:alice', 'app-1', 0],
    ['User:alice', 'ops', 30],
    ['User:bob', 'anything', 0],
    ['User:bob', 'app-admins', 30],
    ['User:ANONYMOUS', 'app-1', 30],
    ['User:admin', 'app-admins', 0],
  ];
  for (const [p, g, want] of cases)
    t.equal(code(runWith(context(a, p), ApiKey.JoinGroup, 5, join(g))), want, `${p} joins ${g}: ${want}`);
  t.equal(
    runWith(context(a, 'User:alice'), ApiKey.InitProducerId, 4, initProducerIdRequest('tx-alice')),
    null,
    'alice may use tx-alice',
  );
  t.equal(
    code(runWith(context(a, 'User:alice'), ApiKey.InitProducerId, 4, initProducerIdRequest('tx-bob'))),
    53,
    'but not tx-bob',
  );
  t.equal(
    runWith(context(a, 'User:alice'), ApiKey.InitProducerId, 4, initProducerIdRequest(null)),
    null,
    'an idempotent producer with WRITE on some topic',
  );
  t.equal(
    code(runWith(context(a, 'User:ANONYMOUS'), ApiKey.InitProducerId, 4, initProducerIdRequest(null))),
    31,
    'CLUSTER_AUTHORIZATION_FAILED without',
  );
  const logDirs = { topics: null };
  t.equal(
    code(runWith(context(a, 'User:bob'), ApiKey.DescribeLogDirs, 4, logDirs)),
    31,
    'DescribeLogDirs needs DESCRIBE on the cluster',
  );
  t.equal(runWith(context(a, 'User:admin'), ApiKey.DescribeLogDirs, 4, logDirs), null);
});

t.test(
  'a mixed Produce: denied topics answered locally, the allowed part forwarded, results merged in request order',
  async (t) => {
    const a = new Authorizer();
    a.replace(ACLS);
    const topic = (name: string, parts: number[]) => ({
      name,
      partitionData: parts.map((index) => ({ index, records: Buffer.alloc(0) })),
    });
    const req = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [topic('orders', [0, 1]), topic('app-a', [0]), topic('public', [2]), topic('app-b', [0])],
    };
    const v = runWith(context(a, 'User:alice'), ApiKey.Produce, 9, req);
    if (v === null || v.kind !== 'forward') throw new Error('expected a split');
    t.same(
      (v.request as typeof req).topicData.map((x) => x.name),
      ['app-a', 'app-b'],
      'only the allowed topics go upstream',
    );
    const upstream = {
      throttleTimeMs: 0,
      responses: ['app-b', 'app-a'].map((name) => ({
        name,
        partitionResponses: [
          {
            index: 0,
            errorCode: 0,
            baseOffset: 7n,
            logAppendTimeMs: -1n,
            logStartOffset: 0n,
            recordErrors: [],
            errorMessage: null,
          },
        ],
      })),
    };
    const merged = v.response!(upstream as never) as unknown as typeof upstream;
    t.same(
      merged.responses.map((r) => [r.name, r.partitionResponses.map((p) => [p.index, p.errorCode])]),
      [
        [
          'orders',
          [
            [0, 29],
            [1, 29],
          ],
        ],
        ['app-a', [[0, 0]]],
        ['public', [[2, 29]]],
        ['app-b', [[0, 0]]],
      ],
    );
    t.same(
      runWith(context(a, 'User:alice'), ApiKey.Produce, 9, { ...req, acks: 0 }),
      { kind: 'close', reason: 'acks_zero_denied' },
      'a denied acks=0 produce closes the connection',
    );
    const txnBatch = encodeRecordBatch([{ key: null, value: Buffer.from('t') }]);
    txnBatch[22]! |= 0x10; // the transactional attribute bit
    const txnTopic = { name: 'app-a', partitionData: [{ index: 0, records: txnBatch }] };
    const code53 = (v: Verdict) =>
      (v as { response: { responses: Array<{ partitionResponses: Array<{ errorCode: number }> }> } }).response
        .responses[0]!.partitionResponses[0]!.errorCode;
    t.equal(
      code53(
        runWith(context(a, 'User:alice'), ApiKey.Produce, 9, {
          ...req,
          transactionalId: 'tx-other',
          topicData: [txnTopic],
        }),
      ),
      53,
      'a transactional batch without WRITE on its id: 53',
    );
    t.equal(
      code53(
        runWith(context(a, 'User:alice'), ApiKey.Produce, 9, { ...req, transactionalId: null, topicData: [txnTopic] }),
      ),
      53,
      'a transactional batch without a transactional id: 53',
    );
    t.equal(
      runWith(context(a, 'User:alice'), ApiKey.Produce, 9, {
        ...req,
        transactionalId: 'tx-alice',
        topicData: [txnTopic],
      }),
      null,
      'with WRITE on tx-alice it goes through',
    );
    t.equal(
      runWith(context(a, 'User:alice'), ApiKey.Produce, 9, {
        ...req,
        transactionalId: 'tx-other',
        topicData: [topic('app-a', [0])],
      }),
      null,
      'the id of a request without transactional batches is not checked (as Kafka)',
    );
  },
);

t.test('Metadata: all-topics requests omit, named ones get 29 with a zero id, bitfields from the ACLs', async (t) => {
  const a = new Authorizer();
  a.replace(ACLS);
  const c = context(a, 'User:alice');
  const id = (n: number) => Buffer.alloc(16, n);
  const mtopic = (name: string, n: number) =>
    metadataTopic(name, { topicId: id(n), topicAuthorizedOperations: -2147483648 });
  const upstream = () =>
    metadataResponse([mtopic('orders', 1), mtopic('secret', 2), mtopic('app-x', 3)], {
      clusterAuthorizedOperations: -2147483648,
    });
  const all = runWith(
    c,
    ApiKey.Metadata,
    12,
    metadataRequest(null, { allowAutoTopicCreation: true, includeTopicAuthorizedOperations: true }),
  );
  if (all === null || all.kind !== 'forward') throw new Error('expected a forward');
  t.equal(
    (all.request as { allowAutoTopicCreation: boolean }).allowAutoTopicCreation,
    false,
    'no auto-creation without CREATE',
  );
  const res = all.response!(upstream()) as ReturnType<typeof upstream>;
  t.same(
    res.topics.map((x) => x.name),
    ['orders', 'app-x'],
    'secret is omitted',
  );
  t.equal(
    res.topics[0]!.topicAuthorizedOperations,
    (1 << Operation.READ) | (1 << Operation.DESCRIBE),
    'orders: READ and DESCRIBE',
  );
  t.equal(
    res.topics[1]!.topicAuthorizedOperations,
    (1 << Operation.WRITE) | (1 << Operation.DESCRIBE),
    'app-x: WRITE and DESCRIBE',
  );
  const named = runWith(
    c,
    ApiKey.Metadata,
    12,
    metadataRequest([
      { name: 'secret', topicId: id(0) },
      { name: 'orders', topicId: id(0) },
    ]),
  );
  if (named === null || named.kind !== 'forward') throw new Error('expected a forward');
  t.same(
    (named.request as { topics: Array<{ name: string }> }).topics.map((x) => x.name),
    ['orders'],
    'the denied name is not sent upstream',
  );
  const nres = named.response!({ ...upstream(), topics: [mtopic('orders', 1)] }) as ReturnType<typeof upstream>;
  t.same(
    nres.topics.map((x) => [x.name, x.errorCode, x.topicId.equals(Buffer.alloc(16))]),
    [
      ['secret', 29, true],
      ['orders', 0, false],
    ],
  );
  t.equal(c.topicName(id(1)), 'orders', 'topic ids are learned from Metadata');
  t.equal(
    authorizedOperations(context(a, 'User:bob'), GROUP, 'g'),
    (1 << Operation.READ) | (1 << Operation.DESCRIBE),
    'bob on a group: READ and the DESCRIBE it implies',
  );
});

// Found by test/kafka/authz-equivalence.test.ts against Kafka 4.4's StandardAuthorizer.
t.test('Authorized operations as Kafka computes them: missing topics get theirs, groups have configs', async (t) => {
  const a = new Authorizer();
  a.replace([
    acl('User:carol', Operation.READ, TOPIC, 'pre-', PREFIXED),
    acl('User:carol', Operation.ALL, GROUP, 'grp-', PREFIXED),
  ]);
  const c = context(a, 'User:carol');
  const missing = runWith(
    c,
    ApiKey.Metadata,
    12,
    metadataRequest(
      [
        { name: 'pre-ghost', topicId: Buffer.alloc(16) },
        { name: 'other', topicId: Buffer.alloc(16) },
      ],
      { includeTopicAuthorizedOperations: true },
    ),
  );
  // What the upstream (a super user) answers for a topic it does not have: 3, with its own bitfield.
  const ghost = () => metadataTopic('pre-ghost', { errorCode: 3, topicAuthorizedOperations: 3576 });
  if (missing === null || missing.kind !== 'forward') throw new Error('expected a forward');
  const res = missing.response!(metadataResponse([ghost()], { clusterAuthorizedOperations: -2147483648 })) as {
    topics: Array<{ name: string; errorCode: number; topicAuthorizedOperations: number }>;
  };
  t.same(
    res.topics.map((x) => [x.name, x.errorCode, x.topicAuthorizedOperations]),
    [
      ['pre-ghost', 3, (1 << Operation.READ) | (1 << Operation.DESCRIBE)],
      ['other', 29, -2147483648],
    ],
    "a missing topic the caller may describe: 3 with the caller's bitfield, not the upstream's; a refused one keeps the default",
  );
  // Auto-creation asked for without CREATE: the missing topic is 29, with no bitfield at all.
  const auto = runWith(
    c,
    ApiKey.Metadata,
    12,
    metadataRequest([{ name: 'pre-ghost', topicId: Buffer.alloc(16) }], {
      allowAutoTopicCreation: true,
      includeTopicAuthorizedOperations: true,
    }),
  );
  if (auto === null || auto.kind !== 'forward') throw new Error('expected a forward');
  const ares = auto.response!(metadataResponse([ghost()], { clusterAuthorizedOperations: -2147483648 })) as {
    topics: Array<{ errorCode: number; topicAuthorizedOperations: number }>;
  };
  t.same(
    [ares.topics[0]!.errorCode, ares.topics[0]!.topicAuthorizedOperations],
    [29, -2147483648],
    "refused for want of CREATE: 29 and the default bitfield, not the upstream's",
  );
  // DescribeTopicPartitions: the same bitfield rule, and no cursor when the proxy answers alone.
  const dtp = runWith(c, ApiKey.DescribeTopicPartitions, 0, {
    topics: [{ name: 'pre-ghost' }, { name: 'other' }],
    responsePartitionLimit: 10,
    cursor: null,
  });
  if (dtp === null || dtp.kind !== 'forward') throw new Error('expected a forward');
  const dres = dtp.response!({ throttleTimeMs: 0, nextCursor: null, topics: [ghost()] }) as {
    topics: Array<{ name: string; errorCode: number; topicAuthorizedOperations: number }>;
  };
  t.same(
    dres.topics.map((x) => [x.name, x.errorCode, x.topicAuthorizedOperations]),
    [
      ['pre-ghost', 3, (1 << Operation.READ) | (1 << Operation.DESCRIBE)],
      ['other', 29, -2147483648],
    ],
    "DescribeTopicPartitions: a missing describable topic gets the caller's bitfield",
  );
  const alone = runWith(c, ApiKey.DescribeTopicPartitions, 0, {
    topics: [{ name: 'other' }],
    responsePartitionLimit: 10,
    cursor: null,
  }) as { kind: string; response: { nextCursor: unknown } };
  t.same([alone.kind, alone.response.nextCursor], ['answer', null], 'answered by the proxy: a null cursor, as Kafka');
  const ops = [
    Operation.READ,
    Operation.DELETE,
    Operation.DESCRIBE,
    Operation.DESCRIBE_CONFIGS,
    Operation.ALTER_CONFIGS,
  ].reduce((b, o) => b | (1 << o), 0);
  t.equal(ops, 3400, "Kafka's bitfield of a group with ALL");
  t.equal(
    authorizedOperations(c, GROUP, 'grp-a'),
    ops,
    'ALL on a group: READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS',
  );
});

t.test('Fetch by topic id: unknown ids get UNKNOWN_TOPIC_ID, known ones are checked by name', async (t) => {
  const a = new Authorizer();
  a.replace(ACLS);
  const ids = new Map([
    [Buffer.alloc(16, 1).toString('hex'), 'orders'],
    [Buffer.alloc(16, 2).toString('hex'), 'secret'],
  ]);
  const c = context(a, 'User:alice', { ids });
  const ft = (n: number) => ({
    topic: '',
    topicId: Buffer.alloc(16, n),
    partitions: [{ ...fetchPartition(), replicaDirectoryId: Buffer.alloc(16) }],
  });
  const req = { ...sampleRequest(ApiKey.Fetch, 13), replicaId: -1, topics: [ft(1), ft(2), ft(3)] };
  const v = runWith(c, ApiKey.Fetch, 13, req);
  if (v === null || v.kind !== 'forward') throw new Error('expected a split');
  t.same(
    (v.request as typeof req).topics.map((x) => x.topicId[0]),
    [1],
    'only the readable topic goes upstream',
  );
  const merged = v.response!({
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: [{ topic: '', topicId: Buffer.alloc(16, 1), partitions: [] }],
  }) as { responses: Array<{ topicId: Buffer; partitions: Array<{ errorCode: number }> }> };
  t.same(
    merged.responses.map((r) => [r.topicId[0], r.partitions.map((p) => p.errorCode)]),
    [
      [1, []],
      [2, [29]],
      [3, [100]],
    ],
  );
  const session = runWith(c, ApiKey.Fetch, 13, { ...req, topics: [ft(1)], sessionId: 0, sessionEpoch: 0 });
  t.equal(
    (session as { request: { sessionEpoch: number } }).request.sessionEpoch,
    -1,
    'a fetch session is not created: every fetch names (and checks) all its partitions',
  );
  t.equal(
    runWith(c, ApiKey.Fetch, 13, { ...req, topics: [ft(1)], sessionId: 0, sessionEpoch: -1 }),
    null,
    'a sessionless fetch of allowed topics goes as it is',
  );
  const follower = runWith(c, ApiKey.Fetch, 13, { ...req, replicaId: 2 });
  t.equal(
    (follower as { response: { responses: Array<{ partitions: Array<{ errorCode: number }> }> } }).response
      .responses[0]!.partitions[0]!.errorCode,
    29,
    'a follower fetch needs CLUSTER_ACTION (29 per partition, as Kafka)',
  );
});

t.test('ListGroups, OffsetFetch v8 and AddPartitionsToTxn', async (t) => {
  const a = new Authorizer();
  a.replace(ACLS);
  const c = context(a, 'User:alice');
  const lg = runWith(c, ApiKey.ListGroups, 4, { statesFilter: [], typesFilter: [] });
  const groups = (lg as { response: (r: unknown) => { groups: Array<{ groupId: string }> } }).response({
    throttleTimeMs: 0,
    errorCode: 0,
    groups: ['app-1', 'ops', 'app-2'].map((groupId) => ({
      groupId,
      protocolType: 'consumer',
      groupState: 'Stable',
      groupType: 'classic',
    })),
  });
  t.same(
    groups.groups.map((g) => g.groupId),
    ['app-1', 'app-2'],
    'ListGroups shows only describable groups',
  );
  const of = runWith(c, ApiKey.OffsetFetch, 8, {
    groupId: '',
    topics: null,
    requireStable: false,
    groups: [
      { groupId: 'ops', memberId: null, memberEpoch: -1, topics: null },
      {
        groupId: 'app-1',
        memberId: null,
        memberEpoch: -1,
        topics: [
          { name: 'orders', partitionIndexes: [0] },
          { name: 'secret', partitionIndexes: [0, 1] },
        ],
      },
    ],
  });
  if (of === null || of.kind !== 'forward') throw new Error('expected a split');
  t.same(
    (of.request as { groups: Array<{ groupId: string; topics: Array<{ name: string }> }> }).groups.map((g) => [
      g.groupId,
      g.topics.map((x) => x.name),
    ]),
    [['app-1', ['orders']]],
  );
  const ofRes = of.response!({
    throttleTimeMs: 0,
    errorCode: 0,
    topics: [],
    groups: [
      {
        groupId: 'app-1',
        errorCode: 0,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
            ],
          },
        ],
      },
    ],
  }) as {
    groups: Array<{
      groupId: string;
      errorCode: number;
      topics: Array<{ name: string; partitions: Array<{ errorCode: number }> }>;
    }>;
  };
  t.same(
    ofRes.groups.map((g) => [
      g.groupId,
      g.errorCode,
      g.topics.map((x) => [x.name, x.partitions.map((p) => p.errorCode)]),
    ]),
    [
      ['ops', 30, []],
      [
        'app-1',
        0,
        [
          ['orders', [0]],
          ['secret', [29, 29]],
        ],
      ],
    ],
  );
  const apt = runWith(c, ApiKey.AddPartitionsToTxn, 3, {
    transactions: [],
    v3AndBelowTransactionalId: 'tx-alice',
    v3AndBelowProducerId: 1n,
    v3AndBelowProducerEpoch: 0,
    v3AndBelowTopics: [
      { name: 'app-1', partitions: [0] },
      { name: 'orders', partitions: [0, 1] },
    ],
  });
  t.same(
    (
      apt as {
        response: {
          resultsByTopicV3AndBelow: Array<{ name: string; resultsByPartition: Array<{ partitionErrorCode: number }> }>;
        };
      }
    ).response.resultsByTopicV3AndBelow.map((r) => [r.name, r.resultsByPartition.map((p) => p.partitionErrorCode)]),
    [
      ['app-1', [55]],
      ['orders', [29, 29]],
    ],
    'a denied topic: 29, the rest OPERATION_NOT_ATTEMPTED',
  );
});

t.test('with ACLs on, an API or version without a check is not served', async (t) => {
  t.same(
    proxyVersionRange(ApiKey.AddPartitionsToTxn, true)?.[1],
    3,
    'AddPartitionsToTxn v4+ (broker-to-broker) has no client check',
  );
  t.ok((proxyVersionRange(ApiKey.AddPartitionsToTxn, false)?.[1] ?? 0) > 3, 'served without ACLs');
  t.not(proxyVersionRange(ApiKey.DescribeAcls, true), null, 'the ACL admin APIs are answered locally');
  for (const key of API_CHECKS.keys()) t.ok(API_SPECS.has(key), `check for a known api key ${key}`);
});

t.test('no way around a check: sessions, topic ids, duplicate groups, cursors, regexes, configs', async (t) => {
  const a = new Authorizer();
  a.replace([...ACLS, acl('User:alice', Operation.DESCRIBE, TRANSACTIONAL_ID, 'tx-alice')]);
  const secretId = Buffer.alloc(16, 9);
  const publicId = Buffer.alloc(16, 8);
  const ids = new Map([
    [secretId.toString('hex'), 'secret'],
    [publicId.toString('hex'), 'public'],
  ]);
  const c = context(a, 'User:alice', { ids });

  // Fetch sessions: never created, never used.
  const fetchReq = (over: object) => ({
    ...sampleRequest(ApiKey.Fetch, 12),
    replicaId: -1,
    topics: [{ topic: 'orders', topicId: Buffer.alloc(16), partitions: [] }],
    ...over,
  });
  const reopened = runWith(c, ApiKey.Fetch, 12, fetchReq({ sessionId: 5, sessionEpoch: 0 })) as {
    kind: string;
    request: { sessionId: number; sessionEpoch: number };
  };
  t.same(
    [reopened.kind, reopened.request.sessionId, reopened.request.sessionEpoch],
    ['forward', 0, -1],
    'a new session under an old id is sent sessionless too',
  );
  const incremental = runWith(c, ApiKey.Fetch, 12, fetchReq({ sessionId: 5, sessionEpoch: 3, topics: [] })) as {
    kind: string;
    response: { errorCode: number };
  };
  t.same(
    [incremental.kind, incremental.response.errorCode],
    ['answer', 70],
    'an incremental fetch gets FETCH_SESSION_ID_NOT_FOUND',
  );
  const split = runWith(
    c,
    ApiKey.Fetch,
    12,
    fetchReq({
      topics: [
        { topic: 'orders', topicId: Buffer.alloc(16), partitions: [] },
        { topic: 'secret', topicId: Buffer.alloc(16), partitions: [] },
      ],
    }),
  ) as { response: (r: unknown) => { responses: Array<{ topic: string }> } };
  const merged = split.response({
    ...fetch0(),
    responses: ['orders', 'secret-from-a-session'].map((topic) => ({
      topic,
      topicId: Buffer.alloc(16),
      partitions: [],
    })),
  });
  t.same(
    merged.responses.map((r) => r.topic),
    ['orders', 'secret'],
    'upstream results the request did not name are dropped',
  );

  // Metadata by id: the id decides, the name cannot vouch for it; a denied id keeps its name hidden.
  const md = (topics: Array<{ name: string | null; topicId: Buffer }>) =>
    metadataRequest(topics, { includeClusterAuthorizedOperations: true });
  const spoof = runWith(
    c,
    ApiKey.Metadata,
    12,
    md([
      { name: 'public', topicId: secretId },
      { name: null, topicId: Buffer.alloc(16, 7) },
      { name: null, topicId: publicId },
    ]),
  ) as {
    request: { topics: Array<{ topicId: Buffer }> };
    response: (r: unknown) => {
      topics: Array<{ name: string | null; errorCode: number }>;
      clusterAuthorizedOperations: number;
    };
  };
  t.same(
    spoof.request.topics.map((x) => x.topicId[0]),
    [8],
    'only the public id goes upstream',
  );
  const mres = spoof.response(
    metadataResponse([metadataTopic('public', { topicId: publicId })], {
      clusterId: null,
      clusterAuthorizedOperations: 123,
    }),
  );
  t.same(
    mres.topics.map((x) => [x.name, x.errorCode]),
    [
      [null, 29],
      [null, 100],
      ['public', 0],
    ],
    'secret by id: 29 without its name; an unknown id: UNKNOWN_TOPIC_ID',
  );
  t.equal(mres.clusterAuthorizedOperations, 0, 'no cluster bitfield without DESCRIBE on the cluster');
  // v1-3 always ask for auto-creation: a topic alice may describe but not create is looked up
  // through an all-topics request (which creates nothing); missing, it is 29.
  const v3 = runWith(c, ApiKey.Metadata, 3, {
    topics: [
      { name: 'public', topicId: Buffer.alloc(16) },
      { name: 'orders', topicId: Buffer.alloc(16) },
    ],
  }) as {
    request: { topics: unknown };
    response: (r: unknown) => { topics: Array<{ name: string | null; errorCode: number }> };
  };
  t.equal(v3.request.topics, null, 'a v3 request that could auto-create is sent as all-topics');
  const v3res = v3.response({
    throttleTimeMs: 0,
    brokers: [],
    clusterId: null,
    controllerId: 1,
    topics: [metadataTopic('orders'), metadataTopic('secret')],
  });
  t.same(
    v3res.topics.map((x) => [x.name, x.errorCode]),
    [
      ['public', 29],
      ['orders', 0],
    ],
    'only the named topics come back; the missing one is 29',
  );

  // OffsetFetch v8 with one group id twice: each occurrence is filtered on its own.
  const of = runWith(c, ApiKey.OffsetFetch, 8, {
    groupId: '',
    topics: null,
    requireStable: false,
    groups: [
      { groupId: 'app-1', memberId: null, memberEpoch: -1, topics: [{ name: 'orders', partitionIndexes: [0] }] },
      { groupId: 'app-1', memberId: null, memberEpoch: -1, topics: null },
    ],
  }) as { response: (r: unknown) => { groups: Array<{ topics: Array<{ name: string }> }> } };
  const part = { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 };
  const ofRes = of.response({
    throttleTimeMs: 0,
    errorCode: 0,
    topics: [],
    groups: [
      { groupId: 'app-1', errorCode: 0, topics: [{ name: 'orders', partitions: [part] }] },
      {
        groupId: 'app-1',
        errorCode: 0,
        topics: [
          { name: 'orders', partitions: [part] },
          { name: 'secret', partitions: [part] },
        ],
      },
    ],
  });
  t.same(
    ofRes.groups.map((g) => g.topics.map((x) => x.name)),
    [['orders'], ['orders']],
    'the all-topics occurrence is filtered too',
  );

  // DescribeTransactions hides the topics of a transaction; DescribeTopicPartitions hides a cursor.
  const dt = runWith(c, ApiKey.DescribeTransactions, 0, { transactionalIds: ['tx-alice'] }) as {
    response: (r: unknown) => { transactionStates: Array<{ topics: Array<{ topic: string }> }> };
  };
  const dtRes = dt.response({
    throttleTimeMs: 0,
    transactionStates: [
      {
        errorCode: 0,
        transactionalId: 'tx-alice',
        transactionState: 'Ongoing',
        transactionTimeoutMs: 1,
        transactionStartTimeMs: 0n,
        producerId: 1n,
        producerEpoch: 0,
        topics: ['orders', 'secret'].map((topic) => ({ topic, partitions: [0] })),
      },
    ],
  });
  t.same(
    dtRes.transactionStates[0]!.topics.map((x) => x.topic),
    ['orders'],
  );
  const dtp = runWith(c, ApiKey.DescribeTopicPartitions, 0, {
    topics: [],
    responsePartitionLimit: 10,
    cursor: null,
  }) as {
    response: (r: unknown) => { nextCursor: unknown };
  };
  t.equal(
    dtp.response({ throttleTimeMs: 0, topics: [], nextCursor: { topicName: 'secret', partitionIndex: 0 } }).nextCursor,
    null,
    'a cursor naming a hidden topic is dropped',
  );

  // A regex subscription, CreateTopics configs, internal topics in a transaction.
  const cgh = runWith(c, ApiKey.ConsumerGroupHeartbeat, 1, {
    groupId: 'app-1',
    memberId: 'm',
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 1,
    subscribedTopicNames: null,
    subscribedTopicRegex: '.*',
    serverAssignor: null,
    topicPartitions: null,
  }) as { response: { errorCode: number } };
  t.equal(cgh.response.errorCode, 29, 'a regex subscription is refused to a non-super user');
  // The upstream's answer to a CreateTopics of app-new, configs included; the check decides who sees them.
  const createdAppNew = () => ({
    throttleTimeMs: 0,
    topics: [
      {
        name: 'app-new',
        topicId: Buffer.alloc(16),
        errorCode: 0,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: 1,
        replicationFactor: 1,
        configs: [],
      },
    ],
  });
  const ct = runWith(context(a, 'User:bob'), ApiKey.CreateTopics, 5, createTopicsRequest('app-new')) as {
    response: (r: unknown) => { topics: Array<{ topicConfigErrorCode: number; configs: unknown }> };
  };
  const created = ct.response(createdAppNew());
  t.same(
    [created.topics[0]!.topicConfigErrorCode, created.topics[0]!.configs],
    [0, []],
    'bob (ALL on app-) sees the configs',
  );
  const hidden = (
    runWith(context(a, 'User:alice'), ApiKey.CreateTopics, 5, {
      ...sampleRequest(ApiKey.CreateTopics, 5),
      topics: [],
    }) as {
      response: (r: unknown) => { topics: Array<{ topicConfigErrorCode: number; configs: unknown }> };
    }
  ).response(createdAppNew());
  // An empty list, not null: what Kafka 4.4 answers (test/kafka/authz-equivalence.test.ts).
  t.same(
    [hidden.topics[0]!.topicConfigErrorCode, hidden.topics[0]!.configs],
    [29, []],
    'alice (no DESCRIBE_CONFIGS) does not',
  );
  const open = new Authorizer({ allowEveryoneIfNoAclFound: true });
  const apt = runWith(context(open, 'User:bob'), ApiKey.AddPartitionsToTxn, 3, {
    transactions: [],
    v3AndBelowTransactionalId: 'x',
    v3AndBelowProducerId: 1n,
    v3AndBelowProducerEpoch: 0,
    v3AndBelowTopics: [
      { name: '__consumer_offsets', partitions: [0] },
      { name: 'mine', partitions: [0] },
    ],
  }) as {
    response: { resultsByTopicV3AndBelow: Array<{ resultsByPartition: Array<{ partitionErrorCode: number }> }> };
  };
  t.same(
    apt.response.resultsByTopicV3AndBelow.map((r) => r.resultsByPartition[0]!.partitionErrorCode),
    [29, 55],
    'an internal topic is never added to a transaction, even where everything is allowed',
  );
});

function fetch0() {
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [] as unknown[] };
}

t.test("Kafka's rules for its internal topics, whatever the ACLs allow", async (t) => {
  const open = new Authorizer({ allowEveryoneIfNoAclFound: true });
  const code = (v: Verdict) =>
    v === null || v.kind === 'forward' ? 0 : v.kind === 'close' ? -1 : firstCode((v as { response: unknown }).response);
  const produce = (topic: string, acks = -1) => ({
    transactionalId: null,
    acks,
    timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records: Buffer.alloc(0) }] }],
  });
  for (const topic of ['__consumer_offsets', '__transaction_state', '__share_group_state']) {
    t.equal(
      code(runWith(context(open, 'User:bob'), ApiKey.Produce, 9, produce(topic))),
      17,
      `Produce to ${topic}: INVALID_TOPIC_EXCEPTION`,
    );
    t.equal(
      code(runWith(context(open, 'User:bob', { clientId: '__admin_client' }), ApiKey.Produce, 9, produce(topic))),
      0,
      `unless the client id is __admin_client (${topic})`,
    );
    t.equal(
      code(
        runWith(context(open, 'User:bob'), ApiKey.DeleteRecords, 2, {
          topics: [{ name: topic, partitions: [{ partitionIndex: 0, offset: 1n }] }],
          timeoutMs: 1000,
        }),
      ),
      17,
      `DeleteRecords on ${topic}: 17, for any client id`,
    );
  }
  t.equal(
    code(runWith(context(open, 'User:bob'), ApiKey.Produce, 9, produce('__consumer_offsets', 0))),
    -1,
    'an acks=0 Produce to one closes the connection, as any produce error does',
  );
  const a = new Authorizer();
  a.replace(ACLS);
  t.equal(
    code(
      runWith(
        context(a, 'User:alice', { clientId: '__admin_client' }),
        ApiKey.Produce,
        9,
        produce('__consumer_offsets'),
      ),
    ),
    29,
    'authorization comes first: 29 without WRITE',
  );
  t.equal(
    code(runWith(context(open, 'User:bob'), ApiKey.Produce, 9, produce('__consumer_offsets_not'))),
    0,
    'a look-alike name is a plain topic',
  );
  t.equal(
    code(runWith(context(open, 'User:bob'), ApiKey.CreateTopics, 5, createTopicsRequest('__cluster_metadata'))),
    42,
    "CreateTopics of KRaft's metadata log: INVALID_REQUEST",
  );
  // Kafka's broker has no rule of its own for deleting internal topics or adding partitions: the ACLs decide.
  t.equal(
    code(
      runWith(context(open, 'User:bob'), ApiKey.DeleteTopics, 4, {
        topics: [],
        topicNames: ['__consumer_offsets'],
        timeoutMs: 1000,
      }),
    ),
    0,
    'DeleteTopics of one: as the ACLs say',
  );
  t.equal(
    code(
      runWith(context(open, 'User:bob'), ApiKey.CreatePartitions, 3, {
        topics: [{ name: '__consumer_offsets', count: 60, assignments: null }],
        timeoutMs: 1000,
        validateOnly: false,
      }),
    ),
    0,
    'CreatePartitions of one: as the ACLs say',
  );
});

/** The first non-zero error code anywhere in a response. */
function firstCode(o: unknown): number {
  if (Array.isArray(o)) {
    for (const x of o) {
      const c = firstCode(x);
      if (c !== 0) return c;
    }
  } else if (o !== null && typeof o === 'object' && !Buffer.isBuffer(o)) {
    for (const [k, x] of Object.entries(o)) {
      if ((k === 'errorCode' || k === 'partitionErrorCode') && typeof x === 'number' && x !== 0) return x;
      const c = firstCode(x);
      if (c !== 0) return c;
    }
  }
  return 0;
}
