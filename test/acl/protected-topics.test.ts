// The proxy's own topics (the audit Kafka sink's): every API that names a topic refuses them to
// every principal, super users included, with and without an authorizer; only the principals named
// in protectedTopics.principals are exempt, and the ACLs decide for them. Without an authorizer
// the checks keep a broker's behaviour otherwise (fetch sessions, topic ids only the broker knows).
import t from 'tap';
import { Authorizer } from '../../src/acl/authorizer.js';
import { ProtectedTopics } from '../../src/acl/protected-topics.js';
import { API_CHECKS, authorizedOperations, type Verdict } from '../../src/acl/checks/index.js';
import { CLUSTER_NAME, Operation, ResourceType } from '../../src/acl/model.js';
import { API_POLICY, proxyVersionRange } from '../../src/proxy/api-table.js';
import { ApiKey, API_SPECS } from '../../src/protocol/generated/index.js';
import { parseConfig } from '../../src/config/load.js';
import * as g from '../helpers/requests.js';
import { allow, auditTrail, decisionsFor, runCheck, type ContextOptions } from '../helpers/authz.js';

const AUDIT = '_kafka_warden_audit';
const AUDIT_ID = Buffer.alloc(16, 0xaa);
const ORDERS_ID = Buffer.alloc(16, 0x01);
const ids = () =>
  new Map([
    [AUDIT_ID.toString('hex'), AUDIT],
    [ORDERS_ID.toString('hex'), 'orders'],
  ]);
const idOf = (topic: string) => (topic === AUDIT ? AUDIT_ID : ORDERS_ID);
const registry = (principals: string[] = ['User:reader']) => {
  const p = new ProtectedTopics(principals);
  p.register(AUDIT, 'audit sink');
  return p;
};

// admin is a super user; reader is exempt and may read the audit topic; bob has ALL on every topic and the cluster.
const aclAuthorizer = () => {
  const a = new Authorizer({ superUsers: ['User:admin', 'User:reader-admin'] });
  a.replace([
    allow('User:reader', Operation.READ, ResourceType.TOPIC, AUDIT),
    allow('User:reader', Operation.READ, ResourceType.GROUP, 'g'),
    allow('User:bob', Operation.ALL, ResourceType.TOPIC, '*'),
    allow('User:bob', Operation.ALL, ResourceType.GROUP, '*'),
    allow('User:bob', Operation.ALL, ResourceType.CLUSTER, CLUSTER_NAME),
    allow('User:bob', Operation.ALL, ResourceType.TRANSACTIONAL_ID, '*'),
  ]);
  return a;
};

/** The error of a single-topic request's verdict: 0 when it goes upstream, -1 when the connection closes. */
function firstError(v: Verdict): number {
  if (v === null || v.kind === 'forward') return 0;
  if (v.kind === 'close') return -1;
  const seen: number[] = [];
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (o !== null && typeof o === 'object' && !Buffer.isBuffer(o)) {
      for (const [k, x] of Object.entries(o)) {
        if ((k === 'errorCode' || k === 'partitionErrorCode') && typeof x === 'number' && x !== 0) seen.push(x);
        else walk(x);
      }
    }
  };
  walk(v.response);
  return seen[0] ?? 0;
}

/** Every API that names a topic, with a request naming one topic; the operation Kafka checks. */
const APIS: Array<{ name: string; apiKey: number; version: number; request: (topic: string) => unknown }> = [
  { name: 'Produce', apiKey: ApiKey.Produce, version: 9, request: g.produce },
  { name: 'Fetch by name', apiKey: ApiKey.Fetch, version: 12, request: g.fetchByName },
  { name: 'Fetch by id', apiKey: ApiKey.Fetch, version: 13, request: (topic) => g.fetchById(idOf(topic)) },
  {
    name: 'follower Fetch',
    apiKey: ApiKey.Fetch,
    version: 12,
    request: (topic) => ({ ...(g.fetchByName(topic) as object), replicaId: 1 }),
  },
  { name: 'ListOffsets', apiKey: ApiKey.ListOffsets, version: 5, request: g.listOffsets },
  { name: 'OffsetForLeaderEpoch', apiKey: ApiKey.OffsetForLeaderEpoch, version: 4, request: g.offsetForLeaderEpoch },
  { name: 'DeleteTopics by name', apiKey: ApiKey.DeleteTopics, version: 4, request: g.deleteTopicsByName },
  {
    name: 'DeleteTopics by id',
    apiKey: ApiKey.DeleteTopics,
    version: 6,
    request: (topic) => g.deleteTopicsById(idOf(topic)),
  },
  { name: 'CreatePartitions', apiKey: ApiKey.CreatePartitions, version: 3, request: g.createPartitions },
  { name: 'DeleteRecords', apiKey: ApiKey.DeleteRecords, version: 2, request: g.deleteRecords },
  { name: 'AlterConfigs', apiKey: ApiKey.AlterConfigs, version: 2, request: g.alterConfigs },
  {
    name: 'IncrementalAlterConfigs',
    apiKey: ApiKey.IncrementalAlterConfigs,
    version: 1,
    request: g.incrementalAlterConfigs,
  },
  { name: 'DescribeConfigs', apiKey: ApiKey.DescribeConfigs, version: 4, request: g.describeConfigs },
  { name: 'CreateTopics', apiKey: ApiKey.CreateTopics, version: 5, request: g.createTopics },
  { name: 'OffsetCommit', apiKey: ApiKey.OffsetCommit, version: 8, request: g.offsetCommit },
  { name: 'OffsetFetch', apiKey: ApiKey.OffsetFetch, version: 7, request: g.offsetFetch },
  { name: 'OffsetDelete', apiKey: ApiKey.OffsetDelete, version: 0, request: g.offsetDelete },
  { name: 'TxnOffsetCommit', apiKey: ApiKey.TxnOffsetCommit, version: 3, request: g.txnOffsetCommit },
  { name: 'AddPartitionsToTxn', apiKey: ApiKey.AddPartitionsToTxn, version: 3, request: g.addPartitionsToTxn },
  { name: 'DescribeProducers', apiKey: ApiKey.DescribeProducers, version: 0, request: g.describeProducers },
  {
    name: 'DescribeTopicPartitions',
    apiKey: ApiKey.DescribeTopicPartitions,
    version: 0,
    request: g.describeTopicPartitions,
  },
  {
    name: 'ConsumerGroupHeartbeat',
    apiKey: ApiKey.ConsumerGroupHeartbeat,
    version: 0,
    request: g.consumerGroupHeartbeat,
  },
];

t.test(
  'every API naming the audit topic is refused to a super user, and to bob who has ALL on everything; other topics are not',
  async (t) => {
    for (const principal of ['User:admin', 'User:bob']) {
      for (const api of APIS) {
        const o: ContextOptions = { authorizer: aclAuthorizer(), principal, ids: ids(), protectedTopics: registry() };
        t.equal(
          firstError(runCheck(o, api.apiKey, api.version, api.request(AUDIT))),
          29,
          `${principal} ${api.name} ${AUDIT}: 29`,
        );
        t.equal(
          firstError(runCheck(o, api.apiKey, api.version, api.request('orders'))),
          0,
          `${principal} ${api.name} orders: allowed`,
        );
      }
    }
  },
);

t.test('without an authorizer (no acl section) the same requests are refused, and nothing else is', async (t) => {
  for (const api of APIS) {
    const o: ContextOptions = {
      authorizer: null,
      principal: 'User:ANONYMOUS',
      ids: ids(),
      protectedTopics: registry(),
    };
    t.equal(firstError(runCheck(o, api.apiKey, api.version, api.request(AUDIT))), 29, `${api.name} ${AUDIT}: 29`);
    t.equal(firstError(runCheck(o, api.apiKey, api.version, api.request('orders'))), 0, `${api.name} orders: allowed`);
  }
});

t.test('a named principal is exempt; the ACLs decide for it as for any topic', async (t) => {
  const reader: ContextOptions = {
    authorizer: aclAuthorizer(),
    principal: 'User:reader',
    ids: ids(),
    protectedTopics: registry(),
  };
  t.equal(
    firstError(runCheck(reader, ApiKey.Fetch, 12, g.fetchByName(AUDIT))),
    0,
    'reader reads the audit topic (READ ACL)',
  );
  t.equal(firstError(runCheck(reader, ApiKey.Produce, 9, g.produce(AUDIT))), 29, 'but may not write it: no WRITE ACL');
  const readerAdmin: ContextOptions = {
    ...reader,
    principal: 'User:reader-admin',
    protectedTopics: registry(['User:reader-admin']),
  };
  t.equal(
    firstError(runCheck(readerAdmin, ApiKey.Produce, 9, g.produce(AUDIT))),
    0,
    'a named super user may do anything with it',
  );
  t.equal(
    decisionsFor({ authorizer: null, principal: 'User:reader', protectedTopics: registry() }).decisions,
    null,
    'without an authorizer nothing is checked for a named principal',
  );
  t.equal(
    decisionsFor({ authorizer: null, principal: 'User:ANONYMOUS', protectedTopics: new ProtectedTopics() }).decisions,
    null,
    'nor for anyone when the proxy owns no topic',
  );
});

t.test('denials are audited like any denial, marked, for super users too', async (t) => {
  const trail = auditTrail();
  runCheck(
    {
      authorizer: aclAuthorizer(),
      principal: 'User:admin',
      ids: ids(),
      protectedTopics: registry(),
      audit: trail.audit,
    },
    ApiKey.Produce,
    9,
    g.produce(AUDIT),
    12,
  );
  runCheck(
    { authorizer: null, principal: 'User:ANONYMOUS', ids: ids(), protectedTopics: registry(), audit: trail.audit },
    ApiKey.Fetch,
    12,
    g.fetchByName(AUDIT),
    13,
  );
  runCheck(
    { authorizer: null, principal: 'User:ANONYMOUS', ids: ids(), protectedTopics: registry(), audit: trail.audit },
    ApiKey.Fetch,
    12,
    g.fetchByName('orders'),
    14,
  );
  const events = (await trail.events()).filter((e) => e.data.authorizationInfo !== undefined);
  t.same(
    events.map((e) => [
      e.data.authenticationInfo.principal,
      e.data.methodName,
      e.data.authorizationInfo!.granted,
      e.data.authorizationInfo!.operation,
      e.data.authorizationInfo!.resourceName,
      e.data.authorizationInfo!.protectedTopic ?? false,
      e.data.authorizationInfo!.superUserAuthorization ?? false,
    ]),
    [
      ['User:admin', 'kafka.Produce', false, 'Write', AUDIT, true, false],
      ['User:ANONYMOUS', 'kafka.Fetch', false, 'Read', AUDIT, true, false],
    ],
    'two denials; the allowed fetch of orders without an authorizer records nothing',
  );
  await trail.audit.stop(100);
});

t.test('Metadata: the audit topic is hidden (no DESCRIBE), never forwarded by name, never auto-created', async (t) => {
  for (const authorizer of [aclAuthorizer(), null]) {
    const o: ContextOptions = {
      authorizer,
      principal: authorizer === null ? 'User:ANONYMOUS' : 'User:admin',
      ids: ids(),
      protectedTopics: registry(),
    };
    const topic = (name: string, id: Buffer) => ({
      errorCode: 0,
      name,
      topicId: id,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: 0,
    });
    const upstream = (topics: unknown[]) => ({
      throttleTimeMs: 0,
      brokers: [],
      clusterId: 'c',
      controllerId: 1,
      clusterAuthorizedOperations: 0,
      topics,
    });
    const all = runCheck(o, ApiKey.Metadata, 12, g.metadata(null)) as {
      response: (r: unknown) => { topics: Array<{ name: string }> };
    };
    t.same(
      all.response(upstream([topic('orders', ORDERS_ID), topic(AUDIT, AUDIT_ID)])).topics.map((x) => x.name),
      ['orders'],
      'left out of all-topics listings',
    );
    const named = runCheck(
      o,
      ApiKey.Metadata,
      12,
      g.metadata(
        [
          { name: AUDIT, topicId: Buffer.alloc(16) },
          { name: 'orders', topicId: Buffer.alloc(16) },
        ],
        true,
      ),
    ) as {
      request: { topics: Array<{ name: string }>; allowAutoTopicCreation: boolean };
      response: (r: unknown) => { topics: Array<{ name: string | null; errorCode: number; topicId: Buffer }> };
    };
    t.same(
      named.request.topics.map((x) => x.name),
      ['orders'],
      'by name: not sent upstream (so not auto-created)',
    );
    const res = named.response(upstream([topic('orders', ORDERS_ID)]));
    t.same(
      res.topics.map((x) => [x.name, x.errorCode, x.topicId.equals(Buffer.alloc(16))]),
      [
        [AUDIT, 29, true],
        ['orders', 0, false],
      ],
      'answered 29 with a zero id',
    );
    const byId = runCheck(o, ApiKey.Metadata, 12, g.metadata([{ name: null, topicId: AUDIT_ID }])) as {
      response: (r: unknown) => { topics: Array<{ name: string | null; errorCode: number }> };
    };
    t.same(
      byId.response(upstream([])).topics.map((x) => [x.name, x.errorCode]),
      [[null, 29]],
      'by id: 29 without its name',
    );
    const c = decisionsFor(o).decisions!.forRequest(null);
    t.equal(authorizedOperations(c, ResourceType.TOPIC, AUDIT), 0, 'no operation at all in the bitfield');
  }
});

t.test('cluster-level grants do not reach the audit topic', async (t) => {
  const bob: ContextOptions = {
    authorizer: aclAuthorizer(),
    principal: 'User:bob',
    ids: ids(),
    protectedTopics: registry(),
  };
  const mixed = runCheck(bob, ApiKey.CreateTopics, 5, {
    ...(g.createTopics(AUDIT) as object),
    topics: [
      ...(g.createTopics(AUDIT) as { topics: unknown[] }).topics,
      ...(g.createTopics('fresh') as { topics: unknown[] }).topics,
    ],
  }) as {
    kind: string;
    request: { topics: Array<{ name: string }> };
  };
  t.same(
    [mixed.kind, mixed.request.topics.map((x) => x.name)],
    ['forward', ['fresh']],
    'CreateTopics: CREATE on the cluster creates fresh, not the audit topic',
  );
  const del = runCheck(bob, ApiKey.DeleteTopics, 6, {
    topics: [g.deleteTopicsById(AUDIT_ID).topics[0], { name: 'orders', topicId: Buffer.alloc(16) }],
    topicNames: [],
    timeoutMs: 1000,
  }) as { kind: string; request: { topics: Array<{ name: string | null }> } };
  t.same(
    [del.kind, del.request.topics.map((x) => x.name)],
    ['forward', ['orders']],
    'DeleteTopics: DELETE on the cluster deletes orders, not the audit topic named by id',
  );
});

t.test('without an authorizer fetch sessions stay; the audit topic never enters one', async (t) => {
  const o: ContextOptions = { authorizer: null, principal: 'User:ANONYMOUS', ids: ids(), protectedTopics: registry() };
  const incremental = { ...(g.fetchByName('orders') as object), sessionId: 9, sessionEpoch: 3 };
  t.equal(runCheck(o, ApiKey.Fetch, 12, incremental), null, 'an incremental fetch of other topics goes as it is');
  const withAudit = {
    ...(g.fetchByName(AUDIT) as object),
    topics: [
      ...(g.fetchByName('orders') as { topics: unknown[] }).topics,
      ...(g.fetchByName(AUDIT) as { topics: unknown[] }).topics,
    ],
    sessionId: 9,
    sessionEpoch: 4,
  };
  const v = runCheck(o, ApiKey.Fetch, 12, withAudit) as {
    kind: string;
    request: { sessionId: number; sessionEpoch: number; topics: Array<{ topic: string }> };
    response: (r: unknown) => { responses: Array<{ topic: string; partitions: Array<{ errorCode: number }> }> };
  };
  t.same(
    [v.kind, v.request.sessionId, v.request.sessionEpoch, v.request.topics.map((x) => x.topic)],
    ['forward', 9, 4, ['orders']],
    'the session goes on without the audit topic',
  );
  const part = {
    partitionIndex: 0,
    errorCode: 0,
    highWatermark: 5n,
    lastStableOffset: 5n,
    logStartOffset: 0n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: Buffer.alloc(0),
  };
  const res = v.response({
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 9,
    responses: [
      { topic: 'payments', topicId: Buffer.alloc(16), partitions: [part] },
      { topic: AUDIT, topicId: Buffer.alloc(16), partitions: [part] },
    ],
  });
  t.same(
    res.responses.map((r) => [r.topic, r.partitions[0]!.errorCode]),
    [
      ['payments', 0],
      [AUDIT, 29],
    ],
    "the session's other partitions stay; the audit topic only as the refusal",
  );
  const onlyAudit = runCheck(o, ApiKey.Fetch, 12, {
    ...(g.fetchByName(AUDIT) as object),
    sessionId: 9,
    sessionEpoch: 5,
  }) as { kind: string; request: { topics: unknown[] } };
  t.same(
    [onlyAudit.kind, onlyAudit.request.topics.length],
    ['forward', 0],
    'a session epoch always reaches the broker',
  );
  t.equal(
    runCheck(o, ApiKey.Fetch, 13, g.fetchById(Buffer.alloc(16, 0x77))),
    null,
    'an id the proxy has not learned goes to the broker (as without the proxy)',
  );
  const acl: ContextOptions = {
    authorizer: aclAuthorizer(),
    principal: 'User:bob',
    ids: ids(),
    protectedTopics: registry(),
  };
  t.equal(
    (runCheck(acl, ApiKey.Fetch, 12, incremental) as { kind: string }).kind,
    'answer',
    'with ACLs on, sessions are still refused (FETCH_SESSION_ID_NOT_FOUND)',
  );
});

t.test(
  'Metadata by an id only the broker knows, without an authorizer: forwarded, and checked by the name it comes back with',
  async (t) => {
    const o: ContextOptions = {
      authorizer: null,
      principal: 'User:ANONYMOUS',
      ids: new Map(),
      protectedTopics: registry(),
    };
    const unknown = Buffer.alloc(16, 0x55);
    const v = runCheck(
      o,
      ApiKey.Metadata,
      12,
      g.metadata([
        { name: null, topicId: unknown },
        { name: null, topicId: ORDERS_ID },
      ]),
    ) as {
      request: { topics: Array<{ topicId: Buffer }> };
      response: (r: unknown) => { topics: Array<{ name: string | null; errorCode: number }> };
    };
    t.equal(v.request.topics.length, 2, 'both ids go upstream');
    const topic = (name: string, id: Buffer) => ({
      errorCode: 0,
      name,
      topicId: id,
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: 0,
    });
    const res = v.response({
      throttleTimeMs: 0,
      brokers: [],
      clusterId: 'c',
      controllerId: 1,
      clusterAuthorizedOperations: 0,
      topics: [topic(AUDIT, unknown), topic('orders', ORDERS_ID)],
    });
    t.same(
      res.topics.map((x) => [x.name, x.errorCode]),
      [
        [null, 29],
        ['orders', 0],
      ],
      'the one that turns out to be the audit topic is refused without its name',
    );
  },
);

t.test(
  'ConsumerGroupHeartbeat: a regex subscription (super user, or no authorizer) never gets the audit topic assigned',
  async (t) => {
    for (const o of [
      { authorizer: aclAuthorizer(), principal: 'User:admin', ids: ids(), protectedTopics: registry() },
      { authorizer: null, principal: 'User:ANONYMOUS', ids: ids(), protectedTopics: registry() },
    ] as ContextOptions[]) {
      const v = runCheck(o, ApiKey.ConsumerGroupHeartbeat, 0, {
        ...(g.consumerGroupHeartbeat('orders') as object),
        subscribedTopicNames: null,
        subscribedTopicRegex: '.*',
      }) as { kind: string; response: (r: unknown) => { assignment: { topicPartitions: Array<{ topicId: Buffer }> } } };
      t.equal(v.kind, 'forward', `${o.principal}: the regex goes upstream`);
      const res = v.response({
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        memberId: 'm',
        memberEpoch: 1,
        heartbeatIntervalMs: 1000,
        assignment: {
          topicPartitions: [AUDIT_ID, ORDERS_ID, Buffer.alloc(16, 0x33)].map((topicId) => ({
            topicId,
            partitions: [0],
          })),
        },
      });
      t.same(
        res.assignment.topicPartitions.map((x) => x.topicId[0]),
        [0x01, 0x33],
        'the audit topic is dropped from the assignment; others stay',
      );
    }
    const bob = runCheck(
      { authorizer: aclAuthorizer(), principal: 'User:bob', ids: ids(), protectedTopics: registry() },
      ApiKey.ConsumerGroupHeartbeat,
      0,
      { ...(g.consumerGroupHeartbeat('orders') as object), subscribedTopicNames: null, subscribedTopicRegex: '.*' },
    );
    t.equal(firstError(bob), 29, 'a regex stays refused for anyone else with ACLs on');
  },
);

t.test(
  'share groups and broker-to-broker AddPartitionsToTxn refuse the audit topic without an authorizer too',
  async (t) => {
    const o: ContextOptions = {
      authorizer: null,
      principal: 'User:ANONYMOUS',
      ids: ids(),
      protectedTopics: registry(),
    };
    t.equal(
      firstError(runCheck(o, ApiKey.ShareGroupHeartbeat, 1, g.shareGroupHeartbeat(AUDIT))),
      29,
      'ShareGroupHeartbeat subscribing to it',
    );
    t.equal(runCheck(o, ApiKey.ShareGroupHeartbeat, 1, g.shareGroupHeartbeat('orders')), null, 'and not to others');
    const sf = runCheck(o, ApiKey.ShareFetch, 1, g.shareFetch([AUDIT_ID, ORDERS_ID])) as {
      kind: string;
      request: { topics: Array<{ topicId: Buffer }>; shareSessionEpoch: number };
      response: (r: unknown) => { responses: Array<{ topicId: Buffer; partitions: Array<{ errorCode: number }> }> };
    };
    t.same(
      [sf.kind, sf.request.topics.map((x) => x.topicId[0]), sf.request.shareSessionEpoch],
      ['forward', [0x01], 2],
      'ShareFetch: the rest of the share session goes on',
    );
    t.same(
      sf
        .response({ throttleTimeMs: 0, errorCode: 0, errorMessage: null, responses: [], nodeEndpoints: [] })
        .responses.map((r) => [r.topicId[0], r.partitions[0]!.errorCode]),
      [[0xaa, 29]],
    );
    t.equal(runCheck(o, ApiKey.ShareFetch, 1, g.shareFetch([ORDERS_ID])), null);
    const ack = runCheck(o, ApiKey.ShareAcknowledge, 1, g.shareAcknowledge([AUDIT_ID])) as {
      kind: string;
      request: { topics: unknown[] };
    };
    t.same([ack.kind, ack.request.topics.length], ['forward', 0], 'ShareAcknowledge');
    t.equal(
      firstError(runCheck(o, ApiKey.AddPartitionsToTxn, 4, g.addPartitionsToTxnV4(AUDIT))),
      29,
      'AddPartitionsToTxn v4+ (broker-to-broker)',
    );
    t.equal(runCheck(o, ApiKey.AddPartitionsToTxn, 4, g.addPartitionsToTxnV4('orders')), null);
  },
);

t.test(
  'every API the proxy forwards has a check, so that no request passes unchecked without an authorizer either',
  async (t) => {
    for (const [key, policy] of API_POLICY) {
      if (policy.local) continue;
      t.ok(API_CHECKS.has(key), `${API_SPECS.get(key)!.name} has a check`);
    }
    t.equal(
      proxyVersionRange(ApiKey.AddPartitionsToTxn, true)?.[1],
      3,
      'AddPartitionsToTxn v4+ still not served with ACLs on',
    );
    t.ok(proxyVersionRange(ApiKey.AddPartitionsToTxn, false)![1] > 3, 'and served without');
  },
);

t.test("the registry: the audit Kafka sinks' topics, and the configuration's exempt principals", async (t) => {
  const base = {
    upstream: { bootstrap: ['127.0.0.1:9092'] },
    listeners: [{ name: 'p', securityProtocol: 'PLAINTEXT', port: 1, brokerPortBase: 10, advertisedHost: 'h' }],
  };
  const none = ProtectedTopics.fromConfig(parseConfig(base));
  t.equal(none.size, 0, 'no Kafka sink: no protected topic');
  const sinks = [{ type: 'file', path: '/tmp/a.jsonl' }, { type: 'kafka' }, { type: 'kafka', topic: 'other-audit' }];
  const cfg = parseConfig({
    ...base,
    audit: { spool: { dir: '/tmp/s' }, sinks },
    protectedTopics: { principals: ['User:reader'] },
  });
  const p = ProtectedTopics.fromConfig(cfg);
  t.same([...p.entries().keys()].sort(), [AUDIT, 'other-audit'], 'the default topic and a named one');
  t.ok(p.restricts('User:admin', AUDIT) && !p.restricts('User:reader', AUDIT) && !p.restricts('User:admin', 'orders'));
  t.same(parseConfig(base).protectedTopics, { principals: [] }, 'the section defaults to no exempt principal');
  t.throws(
    () => parseConfig({ ...base, protectedTopics: { principals: ['reader'] } }),
    /principals look like User:name/,
  );
});
