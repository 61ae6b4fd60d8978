// Address rewriting for every response kind that carries broker addresses. The mock brokers do not
// implement DescribeCluster, so these responses are built with the codec from Kafka's spec (not
// recorded from a broker); Metadata, FindCoordinator and NodeEndpoints are also exercised against
// real brokers in test/integration.
import t from 'tap';
import { Writer } from '../../src/protocol/writer.js';
import { Reader } from '../../src/protocol/reader.js';
import { apiSpec, ApiKey, type ApiKeyCode, type ResponseOf } from '../../src/protocol/generated/index.js';
import { encodeResponseHeader, responseHeaderLength } from '../../src/protocol/headers.js';
import { rewriteResponse, rewritesAddresses, type AddressBook } from '../../src/proxy/rewrite.js';
import * as metadata from '../../src/protocol/generated/metadata.js';
import * as findCoordinator from '../../src/protocol/generated/find-coordinator.js';
import * as describeCluster from '../../src/protocol/generated/describe-cluster.js';
import * as produce from '../../src/protocol/generated/produce.js';
import * as fetch from '../../src/protocol/generated/fetch.js';
import type { UpstreamNode } from '../../src/proxy/broker-map.js';

const UPSTREAM = { host: '10.1.2.3', port: 9092 };
const learned: UpstreamNode[] = [];
const book: AddressBook = {
  addressFor: (id) => ({ host: 'proxy.example', port: id === 99 ? null : 19100 + id }),
  learn: (nodes) => learned.push(...nodes),
};

function packet<K extends ApiKeyCode>(apiKey: K, version: number, body: ResponseOf<K>): Buffer {
  const w = new Writer();
  w.int32(0);
  encodeResponseHeader(w, apiKey, version, 42);
  apiSpec(apiKey).encodeResponse(w, version, body);
  const b = Buffer.from(w.finish());
  b.writeInt32BE(b.length - 4, 0);
  return b;
}
function decode<K extends ApiKeyCode>(apiKey: K, version: number, p: Buffer): ResponseOf<K> {
  const f = p.subarray(4);
  t.equal(f.readInt32BE(0), 42, 'correlation id kept');
  return apiSpec(apiKey).decodeResponse(new Reader(f, responseHeaderLength(apiKey, version, f)), version);
}
function rewrite<K extends ApiKeyCode>(apiKey: K, version: number, body: ResponseOf<K>): ResponseOf<K> {
  const p = packet(apiKey, version, body);
  const out = rewriteResponse(apiKey, version, p, book, { addresses: true });
  t.ok(out, 'rewritten');
  t.equal(out!.readInt32BE(0), out!.length - 4, 'size prefix matches');
  t.equal(out!.toString('latin1').includes(UPSTREAM.host), false, 'upstream host gone from the bytes');
  return decode(apiKey, version, out!);
}

t.test('Metadata brokers, every version', async (t) => {
  for (let v = 0; v <= 12; v++) {
    const m = metadata.defaultResponse();
    m.brokers = [
      { nodeId: 1, ...UPSTREAM, rack: null, _tagged: undefined },
      { nodeId: 2, host: UPSTREAM.host, port: 9093, rack: 'r1', _tagged: undefined },
    ];
    const out = rewrite(ApiKey.Metadata, v, m);
    t.same(
      out.brokers.map((b) => [b.nodeId, b.host, b.port]),
      [
        [1, 'proxy.example', 19101],
        [2, 'proxy.example', 19102],
      ],
      `v${v}`,
    );
  }
  t.ok(
    learned.some((n) => n.nodeId === 2 && n.port === 9093),
    'upstream brokers are learned from responses',
  );
});

t.test('FindCoordinator v0-3 top level and v4+ coordinators', async (t) => {
  for (let v = 0; v <= 3; v++) {
    const m = findCoordinator.defaultResponse();
    Object.assign(m, { nodeId: 3, ...UPSTREAM });
    const out = rewrite(ApiKey.FindCoordinator, v, m);
    t.same([out.host, out.port], ['proxy.example', 19103], `v${v}`);
  }
  for (let v = 4; v <= 6; v++) {
    const m = findCoordinator.defaultResponse();
    m.coordinators = [
      { key: 'g1', nodeId: 1, ...UPSTREAM, errorCode: 0, errorMessage: null, _tagged: undefined },
      { key: 'g2', nodeId: 2, ...UPSTREAM, errorCode: 0, errorMessage: null, _tagged: undefined },
    ];
    const out = rewrite(ApiKey.FindCoordinator, v, m);
    t.same(
      out.coordinators.map((c) => [c.key, c.host, c.port]),
      [
        ['g1', 'proxy.example', 19101],
        ['g2', 'proxy.example', 19102],
      ],
      `v${v}`,
    );
  }
});

t.test('DescribeCluster brokers', async (t) => {
  for (let v = 0; v <= 1; v++) {
    const m = describeCluster.defaultResponse();
    m.brokers = [{ brokerId: 2, ...UPSTREAM, rack: null, _tagged: undefined }];
    const out = rewrite(ApiKey.DescribeCluster, v, m);
    t.same([out.brokers[0]!.host, out.brokers[0]!.port], ['proxy.example', 19102], `v${v}`);
  }
});

t.test('KIP-951 NodeEndpoints of Produce v10+ and Fetch v16+', async (t) => {
  for (let v = 10; v <= 11; v++) {
    const m = produce.defaultResponse();
    m.nodeEndpoints = [{ nodeId: 2, ...UPSTREAM, rack: null, _tagged: undefined }];
    const out = rewrite(ApiKey.Produce, v, m);
    t.same([out.nodeEndpoints[0]!.host, out.nodeEndpoints[0]!.port], ['proxy.example', 19102], `Produce v${v}`);
  }
  for (let v = 16; v <= 17; v++) {
    const m = fetch.defaultResponse();
    m.nodeEndpoints = [{ nodeId: 3, ...UPSTREAM, rack: 'x', _tagged: undefined }];
    const out = rewrite(ApiKey.Fetch, v, m);
    t.same(
      [out.nodeEndpoints[0]!.host, out.nodeEndpoints[0]!.port, out.nodeEndpoints[0]!.rack],
      ['proxy.example', 19103, 'x'],
      `Fetch v${v}`,
    );
  }
});

t.test('responses without addresses are not touched', async (t) => {
  const m = produce.defaultResponse();
  t.equal(
    rewriteResponse(ApiKey.Produce, 10, packet(ApiKey.Produce, 10, m), book, { addresses: true }),
    null,
    'no NodeEndpoints: original bytes',
  );
});

t.test('a node the proxy has no port for is never sent to its upstream address', async (t) => {
  const m = metadata.defaultResponse();
  m.brokers = [{ nodeId: 99, ...UPSTREAM, rack: null, _tagged: undefined }];
  const out = rewrite(ApiKey.Metadata, 1, m);
  t.same(
    [out.brokers[0]!.host, out.brokers[0]!.port],
    ['proxy.example', 0],
    'port 0: unreachable rather than a bypass',
  );
});

t.test('a Metadata controller id naming no broker becomes a live broker (as KRaft brokers answer)', async (t) => {
  const body = {
    ...metadata.defaultResponse(),
    controllerId: 0,
    brokers: [3, 2].map((nodeId) => ({ nodeId, host: UPSTREAM.host, port: UPSTREAM.port, rack: null })),
  };
  t.equal(rewrite(ApiKey.Metadata, 9, body).controllerId, 2, 'mock cluster controller 0 -> lowest live broker 2');
  const fine = { ...body, controllerId: 3 };
  t.equal(rewrite(ApiKey.Metadata, 9, fine).controllerId, 3, 'a real controller id is kept');
});

t.test('DescribeConfigs: broker configs that hold broker addresses are withheld', async (t) => {
  const { defaultResponse: defaultDescribeConfigsResponse } =
    await import('../../src/protocol/generated/describe-configs.js');
  const cfg = (name: string, value: string) => ({
    name,
    value,
    readOnly: true,
    isDefault: false,
    configSource: 4,
    isSensitive: false,
    synonyms: [{ name, value, source: 4 }],
    configType: 2,
    documentation: null,
  });
  const body = {
    ...defaultDescribeConfigsResponse(),
    results: [
      {
        errorCode: 0,
        errorMessage: null,
        resourceType: 4,
        resourceName: '1',
        configs: [cfg('advertised.listeners', `PLAINTEXT://${UPSTREAM.host}:9092`), cfg('num.io.threads', '8')],
      },
      {
        errorCode: 0,
        errorMessage: null,
        resourceType: 2,
        resourceName: 'listeners',
        configs: [cfg('retention.ms', '1000')],
      },
    ],
  };
  for (const v of [1, 4]) {
    const out = rewrite(ApiKey.DescribeConfigs, v, body) as {
      results: Array<{
        configs: Array<{
          name: string;
          value: string | null;
          isSensitive: boolean;
          synonyms: Array<{ value: string | null }>;
        }>;
      }>;
    };
    const adv = out.results[0]!.configs[0]!;
    t.same([adv.value, adv.isSensitive], [null, true], `v${v}: advertised.listeners withheld, marked sensitive`);
    if (v >= 1)
      t.same(
        adv.synonyms.map((s) => s.value),
        [null],
        'synonyms too',
      );
    t.equal(out.results[0]!.configs[1]!.value, '8', 'other broker configs pass');
    t.equal(out.results[1]!.configs[0]!.value, '1000', 'topic configs pass');
  }
});

t.test('DescribeConfigs: a broker answering every family of withheld config, v0 to v4', async (t) => {
  const { defaultResponse: defaultDescribeConfigsResponse } =
    await import('../../src/protocol/generated/describe-configs.js');
  const cfg = (name: string, value: string, synonyms: Array<[string, string]> = [[name, value]]) => ({
    name,
    value,
    readOnly: true,
    isDefault: false,
    configSource: 4,
    isSensitive: false,
    synonyms: synonyms.map(([n, v]) => ({ name: n, value: v, source: 4 })),
    configType: 2,
    documentation: null,
  });
  const h = UPSTREAM.host;
  const withheld = [
    // addresses (zookeeper.connect went through before: the first case of the issue)
    cfg('zookeeper.connect', `${h}:2181/kafka`),
    cfg('listeners', `PLAINTEXT://${h}:9092,CONTROLLER://${h}:9093`),
    cfg('controller.quorum.bootstrap.servers', `${h}:9093`),
    cfg('max.connections.per.ip.overrides', `${h}:100`),
    // URLs, paths to secrets, secrets, the identity provider
    cfg('sasl.oauthbearer.jwks.endpoint.url', `https://${h}/jwks`),
    cfg('ssl.keystore.location', '/etc/kafka/secrets/broker.jks', [
      ['listener.name.internal.ssl.keystore.location', '/etc/kafka/secrets/internal.jks'],
      ['ssl.keystore.location', '/etc/kafka/secrets/broker.jks'],
    ]),
    cfg(
      'sasl.jaas.config',
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret";',
    ),
    cfg('sasl.oauthbearer.expected.issuer', 'idp-realm-kafka'),
    // an unknown (vendor) config whose value is a listener
    cfg('confluent.metadata.server.listeners', `http://${h}:8090`),
  ];
  const passed = [
    cfg('num.io.threads', '8'),
    cfg('listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'),
    cfg('inter.broker.listener.name', 'PLAINTEXT'),
    cfg('log.dirs', '/var/lib/kafka/data'),
  ];
  const body = {
    ...defaultDescribeConfigsResponse(),
    results: [
      { errorCode: 0, errorMessage: null, resourceType: 4, resourceName: '1', configs: [...withheld, ...passed] },
    ],
  };
  for (const v of [0, 1, 2, 3, 4]) {
    // rewrite() also checks that the upstream host is gone from every byte of the response
    const out = rewrite(ApiKey.DescribeConfigs, v, body) as {
      results: Array<{
        configs: Array<{
          name: string;
          value: string | null;
          isSensitive: boolean;
          synonyms: Array<{ value: string | null }>;
        }>;
      }>;
    };
    const byName = new Map(out.results[0]!.configs.map((c) => [c.name, c]));
    for (const w of withheld) {
      const c = byName.get(w.name)!;
      t.same([c.value, c.isSensitive], [null, true], `v${v}: ${w.name} withheld, marked sensitive`);
      t.ok(
        c.synonyms.every((s) => s.value === null),
        `v${v}: ${w.name}: no synonym value`,
      );
    }
    for (const p of passed) {
      const c = byName.get(p.name)!;
      t.same([c.value, c.isSensitive], [p.value, false], `v${v}: ${p.name} passes`);
    }
    t.notMatch(
      JSON.stringify(out),
      /admin-secret|\/etc\/kafka\/secrets|idp-realm|https?:\/\//,
      `v${v}: no secret, path or URL left`,
    );
  }
  const noneToHide = {
    ...defaultDescribeConfigsResponse(),
    results: [{ errorCode: 0, errorMessage: null, resourceType: 4, resourceName: '1', configs: passed }],
  };
  t.equal(
    rewriteResponse(ApiKey.DescribeConfigs, 4, packet(ApiKey.DescribeConfigs, 4, noneToHide), book, {
      addresses: true,
    }),
    null,
    'nothing to withhold: the original bytes',
  );
});

t.test('which responses are decoded for their addresses, by API and version', async (t) => {
  const cases: Array<[ApiKeyCode, number, boolean]> = [
    [ApiKey.Produce, 9, false],
    [ApiKey.Produce, 10, true],
    [ApiKey.Fetch, 15, false],
    [ApiKey.Fetch, 16, true],
    [ApiKey.Metadata, 0, true],
    [ApiKey.FindCoordinator, 0, true],
    [ApiKey.DescribeCluster, 0, true],
    [ApiKey.DescribeConfigs, 0, true],
    [ApiKey.ShareFetch, 0, true],
    [ApiKey.ListOffsets, 7, false],
    [ApiKey.ApiVersions, 3, false],
  ];
  for (const [key, v, want] of cases) t.equal(rewritesAddresses(key, v), want, `api ${key} v${v}`);
  const m = produce.defaultResponse();
  m.nodeEndpoints = [{ nodeId: 1, ...UPSTREAM, rack: null, _tagged: undefined }];
  const p = packet(ApiKey.Produce, 10, m);
  t.equal(rewriteResponse(ApiKey.Produce, 10, p, book, { addresses: false }), null, 'addresses: false leaves them');
});
