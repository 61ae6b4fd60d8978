// Every response that carries a broker address, from real brokers through the proxy: Metadata,
// FindCoordinator (each version the broker speaks) and the KIP-951 NodeEndpoints that librdkafka
// 2.15.1's mock sends with NOT_LEADER_OR_FOLLOWER on Produce v10 and Fetch v16.
import t from 'tap';
import { startHarness } from '../helpers/proxy.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { MODERN_MOCK, haveModern } from '../helpers/kcat.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as produce from '../../src/protocol/generated/produce.js';
import * as fetch from '../../src/protocol/generated/fetch.js';
import type * as findCoordinator from '../../src/protocol/generated/find-coordinator.js';
import type * as metadata from '../../src/protocol/generated/metadata.js';
import type * as apiVersions from '../../src/protocol/generated/api-versions.js';

t.test("addresses in responses from librdkafka 2.15.1 brokers are the proxy's", async (t) => {
  t.ok(haveModern, 'librdkafka 2.15.1 is built');
  const h = await startHarness({ cluster: { brokers: 3, topics: { moved: 1 }, binary: MODERN_MOCK } });
  t.teardown(() => h.stop());
  await h.cluster.command('leader moved 0 1');
  const upstreamPorts = new Set(h.cluster.brokers.map((b) => Number(b.split(':')[1])));
  const proxyPort = (n: number) => h.base + 10 + n;

  // A client of broker 2 produces to a partition led by broker 1.
  const c = await RawClient.connect(`127.0.0.1:${proxyPort(2)}`);
  t.teardown(() => c.close());
  const av = await c.request<apiVersions.Response>(ApiKey.ApiVersions, 3, {
    clientSoftwareName: 'warden-test',
    clientSoftwareVersion: '1.0',
  });
  const produceMax = av.apiKeys.find((k) => k.apiKey === ApiKey.Produce)!.maxVersion;
  const fetchMax = av.apiKeys.find((k) => k.apiKey === ApiKey.Fetch)!.maxVersion;
  t.ok(produceMax >= 10 && fetchMax >= 16, `the proxy offers Produce v${produceMax} and Fetch v${fetchMax}`);

  const pr = await c.request<produce.Response>(ApiKey.Produce, 10, {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name: 'moved', partitionData: [{ index: 0, records: await recordBatch([Buffer.from('x')]) }] }],
  });
  t.equal(pr.responses[0]!.partitionResponses[0]!.errorCode, 6, 'NOT_LEADER_OR_FOLLOWER');
  t.ok(pr.nodeEndpoints.length > 0, 'the broker sent NodeEndpoints');
  for (const e of pr.nodeEndpoints) {
    t.same(
      [e.host, e.port],
      ['127.0.0.1', proxyPort(e.nodeId)],
      `Produce v10 endpoint of node ${e.nodeId} is the proxy's`,
    );
  }

  const fr = await c.request<fetch.Response>(ApiKey.Fetch, 16, {
    ...fetch.defaultRequest(),
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 10000,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topicId: (
          await c.request<metadata.Response>(ApiKey.Metadata, 12, {
            topics: [{ topicId: Buffer.alloc(16), name: 'moved' }],
            allowAutoTopicCreation: false,
            includeTopicAuthorizedOperations: false,
          })
        ).topics[0]!.topicId,
        partitions: [
          {
            partition: 0,
            replicaDirectoryId: Buffer.alloc(16),
            _tagged: undefined,
            currentLeaderEpoch: -1,
            fetchOffset: 0n,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 10000,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
  t.ok(fr.nodeEndpoints.length > 0, 'the broker sent Fetch v16 NodeEndpoints');
  for (const e of fr.nodeEndpoints) {
    t.same(
      [e.host, e.port],
      ['127.0.0.1', proxyPort(e.nodeId)],
      `Fetch v16 endpoint of node ${e.nodeId} is the proxy's`,
    );
    t.notOk(upstreamPorts.has(e.port), 'not an upstream port');
  }

  const fcMax = av.apiKeys.find((k) => k.apiKey === ApiKey.FindCoordinator)!.maxVersion;
  for (let v = 0; v <= fcMax; v++) {
    const fc = await c.request<findCoordinator.Response>(ApiKey.FindCoordinator, v, {
      key: 'some-group',
      keyType: 0,
      coordinatorKeys: ['some-group'],
    });
    const hostPort =
      v < 4
        ? [fc.host, fc.port, fc.nodeId]
        : [fc.coordinators[0]!.host, fc.coordinators[0]!.port, fc.coordinators[0]!.nodeId];
    t.same(
      hostPort.slice(0, 2),
      ['127.0.0.1', proxyPort(hostPort[2] as number)],
      `FindCoordinator v${v} names the proxy`,
    );
  }

  const md = await c.request<metadata.Response>(ApiKey.Metadata, 12, {
    topics: null,
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  t.same(md.brokers.map((b) => b.port).sort(), [1, 2, 3].map(proxyPort), "Metadata v12 brokers are the proxy's");
});
