// The proxy answers ApiVersions itself: the intersection of the broker's ranges and the versions
// the proxy decodes, never an API it refuses; Kafka's answers for unsupported versions and bad
// KIP-511 software names.
import t from 'tap';
import { startHarness } from '../helpers/proxy.js';
import { RawClient } from '../helpers/raw-client.js';
import { ApiKey, API_SPECS } from '../../src/protocol/generated/index.js';
import { Writer } from '../../src/protocol/writer.js';
import {
  supportedVersions,
  apiVersionsResponse,
  apiVersionsMax,
  servableFeatures,
} from '../../src/proxy/api-versions.js';
import { API_POLICY } from '../../src/proxy/api-table.js';
import type * as apiVersions from '../../src/protocol/generated/api-versions.js';
import type { BrokerVersions } from '../../src/proxy/upstream-request.js';

t.test('supportedVersions intersects broker and proxy ranges', async (t) => {
  const broker: BrokerVersions = {
    ranges: new Map([
      [ApiKey.Produce, [0, 12]],
      [ApiKey.Metadata, [0, 2]],
      [ApiKey.LeaderAndIsr, [0, 7]],
      [ApiKey.Fetch, [4, 99]],
    ]),
    v3: null,
  };
  const got = new Map(supportedVersions(broker).map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
  t.same(
    got.get(ApiKey.Produce),
    [3, 12],
    'Produce: from v3 (magic 2) to v12 (v13 names topics by id, not served yet)',
  );
  t.same(got.get(ApiKey.Metadata), [0, 2], "Metadata: the broker's range");
  t.same(got.get(ApiKey.Fetch), [4, API_SPECS.get(ApiKey.Fetch)!.maxVersion], 'Fetch: capped at what we decode');
  t.notOk(got.has(ApiKey.LeaderAndIsr), 'broker-internal APIs are never offered');
  t.notOk(got.has(ApiKey.DescribeCluster), 'APIs the broker lacks are not offered');
  t.same(got.get(ApiKey.ApiVersions), [0, apiVersionsMax()], "ApiVersions is the proxy's own");
  for (const key of got.keys()) t.ok(API_POLICY.has(key), `${key} is in the API table`);
});

t.test('transaction.version 2 is passed on only with the versions it needs (KIP-890)', async (t) => {
  const features = [
    { name: 'transaction.version', minVersionLevel: 0, maxVersionLevel: 2, _tagged: undefined },
    { name: 'group.version', minVersionLevel: 0, maxVersionLevel: 1, _tagged: undefined },
  ];
  const broker44: BrokerVersions = {
    ranges: new Map([
      [ApiKey.Produce, [3, 13]],
      [ApiKey.TxnOffsetCommit, [0, 6]],
      [ApiKey.EndTxn, [0, 5]],
    ]),
    v3: null,
  };
  const offered = supportedVersions(broker44);
  const max = new Map(offered.map((k) => [k.apiKey, k.maxVersion]));
  t.same(
    [max.get(ApiKey.Produce), max.get(ApiKey.TxnOffsetCommit), max.get(ApiKey.EndTxn)],
    [12, 5, 5],
    'a Kafka 4.4 broker gets the KIP-890 versions offered',
  );
  const v3 = { supportedFeatures: [], finalizedFeatures: features };
  t.same(servableFeatures(v3, offered).finalizedFeatures, features, 'so transaction.version 2 goes through unchanged');
  // An upstream (or a proxy build) that stops below them: clients must keep to transactions v1.
  const older = offered.map((k) => (k.apiKey === ApiKey.Produce ? { ...k, maxVersion: 11 } : k));
  const got = servableFeatures(v3, older).finalizedFeatures;
  t.equal(got.find((f) => f.name === 'transaction.version')?.maxVersionLevel, 1, 'transaction.version lowered to 1');
  t.equal(got.find((f) => f.name === 'group.version')?.maxVersionLevel, 1, 'other features untouched');
  const noTxnOffsets = offered.filter((k) => k.apiKey !== ApiKey.TxnOffsetCommit);
  t.equal(
    servableFeatures(v3, noTxnOffsets).finalizedFeatures.find((f) => f.name === 'transaction.version')?.maxVersionLevel,
    1,
    'also without TxnOffsetCommit v5',
  );
});

t.test('unsupported version and invalid software names, as Kafka answers them', async (t) => {
  const { body, bodyVersion } = apiVersionsResponse(99, null, null);
  t.equal(body.errorCode, 35, 'UNSUPPORTED_VERSION');
  t.equal(bodyVersion, 0, 'in a v0 body');
  t.same(
    body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]),
    [[ApiKey.ApiVersions, 0, apiVersionsMax()]],
  );
  for (const name of ['-bad', 'bad-', 'sp ace', '']) {
    const r = apiVersionsResponse(
      3,
      { clientSoftwareName: name, clientSoftwareVersion: '1.0', _tagged: undefined },
      null,
    );
    t.equal(r.body.errorCode, 42, `INVALID_REQUEST for name "${name}"`);
  }
  const ok = apiVersionsResponse(
    3,
    { clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '3.7.0', _tagged: undefined },
    null,
  );
  t.equal(ok.body.errorCode, 0);
});

t.test('through the proxy in front of a real broker', async (t) => {
  const h = await startHarness({ cluster: { brokers: 1 } });
  t.teardown(() => h.stop());
  const c = await RawClient.connect(h.bootstrap);
  const v0 = await c.request<apiVersions.Response>(ApiKey.ApiVersions, 0, {});
  const ranges = new Map(v0.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
  t.same(ranges.get(ApiKey.Produce), [3, 7], 'Produce 3-7: the legacy broker speaks 0-7, the proxy 3+');
  t.same(
    ranges.get(ApiKey.Metadata)![1],
    h.proxy.cluster.versionsOf(null)!.ranges.get(ApiKey.Metadata)![1],
    'Metadata capped at the broker',
  );
  t.notOk(ranges.has(ApiKey.LeaderAndIsr));
  const v3 = await c.request<apiVersions.Response>(ApiKey.ApiVersions, 3, {
    clientSoftwareName: 'warden-test',
    clientSoftwareVersion: '1.0',
  });
  t.equal(v3.errorCode, 0);
  // An ApiVersions version beyond ours: UNSUPPORTED_VERSION in a v0 body, header v0.
  const w = new Writer();
  w.int32(0);
  w.int16(ApiKey.ApiVersions);
  w.int16(99);
  w.int32(7);
  w.nullableString('x');
  w.uvarint(0);
  w.uvarint(0);
  const p = Buffer.from(w.finish());
  p.writeInt32BE(p.length - 4, 0);
  const raw = new Promise<Buffer>((resolve) => c.socket.once('data', (d: Buffer) => resolve(d)));
  c.writeRaw(p);
  const res = await raw;
  t.equal(res.readInt32BE(4), 7, 'correlation id');
  t.equal(res.readInt16BE(8), 35, 'UNSUPPORTED_VERSION');
  t.equal(res.readInt32BE(10), 1, 'one entry (v0 int32 array length)');
  t.equal(res.readInt16BE(14), ApiKey.ApiVersions);
  c.close();
});

t.test('with ACLs enforced, APIs and versions without an authorization check are not advertised', async (t) => {
  const ranges = new Map<number, [number, number]>();
  for (const [key, spec] of API_SPECS) ranges.set(key, [spec.minVersion, spec.maxVersion]);
  const broker: BrokerVersions = { ranges, v3: null } as unknown as BrokerVersions;
  const open = new Map(supportedVersions(broker, false).map((k) => [k.apiKey, k.maxVersion]));
  const enforced = new Map(supportedVersions(broker, true).map((k) => [k.apiKey, k.maxVersion]));
  for (const key of [
    ApiKey.ShareGroupHeartbeat,
    ApiKey.ShareGroupDescribe,
    ApiKey.ShareFetch,
    ApiKey.ShareAcknowledge,
    ApiKey.DescribeShareGroupOffsets,
    ApiKey.AlterShareGroupOffsets,
    ApiKey.DeleteShareGroupOffsets,
  ]) {
    t.equal(
      enforced.get(key),
      open.get(key),
      `${API_SPECS.get(key)!.name}: share groups are served with ACLs, at the versions served without`,
    );
  }
  t.same(
    [open.get(ApiKey.ShareFetch), open.get(ApiKey.ShareGroupHeartbeat)],
    [2, 1],
    "Kafka 4.4's share-group versions (4.0's v0 previews are gone)",
  );
  t.equal(enforced.get(ApiKey.AddPartitionsToTxn), 3, 'AddPartitionsToTxn stops at v3 (v4+ is broker-to-broker)');
  t.ok(
    enforced.has(ApiKey.DescribeAcls) && enforced.has(ApiKey.CreateAcls) && enforced.has(ApiKey.DeleteAcls),
    'the ACL admin APIs are served',
  );
  t.ok(enforced.has(ApiKey.Produce) && enforced.has(ApiKey.Fetch) && enforced.has(ApiKey.Metadata));
});

// Transactions V2 (KIP-890 part 2): a client that sees the broker's finalized transaction.version
// 2 adds partitions to a transaction by producing at v12, without AddPartitionsToTxn, and ends it
// with EndTxn v5. Offering EndTxn v5 but Produce only up to v11 made it send transactional
// produces at v11 for partitions never added, which Kafka refuses (TRANSACTION_ABORTABLE).
t.test('transaction.version 2: Produce v12 is offered wherever EndTxn v5 is', async (t) => {
  const broker: BrokerVersions = {
    ranges: new Map([
      [ApiKey.Produce, [3, 13]],
      [ApiKey.EndTxn, [0, 5]],
      [ApiKey.AddPartitionsToTxn, [0, 5]],
    ]),
    v3: null,
  };
  for (const acl of [false, true]) {
    const got = new Map(supportedVersions(broker, acl).map((k) => [k.apiKey, k.maxVersion]));
    t.equal(got.get(ApiKey.EndTxn), 5, `EndTxn v5 (acl ${acl})`);
    t.equal(got.get(ApiKey.Produce), 12, `Produce v12 (acl ${acl}); v13 names topics by id`);
  }
  // v12 is v11 on the wire.
  const spec = API_SPECS.get(ApiKey.Produce)!;
  const req = {
    transactionalId: 'tx',
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 't', partitionData: [{ index: 0, records: null }] }],
  };
  const w11 = new Writer();
  spec.encodeRequest(w11, 11, req as never);
  const w12 = new Writer();
  spec.encodeRequest(w12, 12, req as never);
  t.same(Buffer.from(w12.finish()), Buffer.from(w11.finish()), 'the same bytes as v11');
});

t.test('transaction.version is reported at 1 at most where transactions V2 cannot be served', async (t) => {
  // A broker with transactions V2 finalized whose Produce stops at v11 (as the proxy's own did).
  const ranges = new Map<number, [number, number]>([
    [ApiKey.Produce, [0, 11]],
    [ApiKey.EndTxn, [0, 5]],
    [ApiKey.TxnOffsetCommit, [0, 6]],
    [ApiKey.InitProducerId, [0, 5]],
  ]);
  const feature = (name: string, level: number) => ({
    name,
    minVersionLevel: level,
    maxVersionLevel: level,
    _tagged: undefined,
  });
  const v3 = {
    errorCode: 0,
    apiKeys: [],
    throttleTimeMs: 0,
    supportedFeatures: [
      { name: 'transaction.version', minVersion: 0, maxVersion: 2, _tagged: undefined },
      { name: 'metadata.version', minVersion: 7, maxVersion: 29, _tagged: undefined },
    ],
    finalizedFeaturesEpoch: 12n,
    finalizedFeatures: [
      feature('transaction.version', 2),
      feature('metadata.version', 29),
      feature('group.version', 1),
    ],
    zkMigrationReady: false,
  } satisfies apiVersions.Response;
  const { body } = apiVersionsResponse(
    3,
    { clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '4.4.0', _tagged: undefined },
    { ranges, v3 } as unknown as BrokerVersions,
  );
  const produceMax = body.apiKeys.find((k) => k.apiKey === ApiKey.Produce)!.maxVersion;
  t.equal(produceMax, 11, 'Produce up to v11 offered');
  t.same(
    body.finalizedFeatures.map((f) => [f.name, f.minVersionLevel, f.maxVersionLevel]),
    [
      ['transaction.version', 1, 1],
      ['metadata.version', 29, 29],
      ['group.version', 1, 1],
    ],
    'finalized transaction.version 1; the other features as the broker reports them',
  );
  t.same(
    body.supportedFeatures.map((f) => [f.name, f.minVersion, f.maxVersion]),
    [
      ['transaction.version', 0, 1],
      ['metadata.version', 7, 29],
    ],
    'supported up to 1',
  );
  t.equal(body.finalizedFeaturesEpoch, 12n);
  t.equal(v3.finalizedFeatures[0]!.maxVersionLevel, 2, "the broker's cached answer is left alone");
});
