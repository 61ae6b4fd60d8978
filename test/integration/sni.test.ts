// SNI routing: one TLS port for every broker; the name a client asks for, broker-<id>.<domain>,
// selects the broker, and brokers are advertised under those names.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { startHarness } from '../helpers/proxy.js';
import { makePki } from '../helpers/certs.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as metadata from '../../src/protocol/generated/metadata.js';
import type * as produceCodec from '../../src/protocol/generated/produce.js';

t.test('SNI selects the broker on one port', async (t) => {
  const pki = await makePki();
  const h = await startHarness({
    cluster: { brokers: 3, topics: { routed: 3 } },
    extraListeners: (base) => [
      {
        name: 'sni',
        securityProtocol: 'SSL',
        host: '127.0.0.1',
        port: base + 20,
        advertisedHost: 'kafka.test',
        tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
        sni: { domain: 'kafka.test' },
      },
    ],
  });
  t.teardown(() => h.stop());
  for (let p = 0; p < 3; p++) await h.cluster.command(`leader routed ${p} ${p + 1}`);
  const port = h.base + 20;
  const opts = (servername: string) => ({
    servername,
    ca: readFileSync(pki.caFile),
    checkServerIdentity: () => undefined,
  });
  const boot = await RawClient.connectTls(`127.0.0.1:${port}`, opts('bootstrap.kafka.test'));
  const md = await boot.request<metadata.Response>(ApiKey.Metadata, 1, { topics: null });
  t.same(
    md.brokers.map((b) => [b.host, b.port]).sort(),
    [1, 2, 3].map((n) => [`broker-${n}.kafka.test`, port]),
    'brokers advertised by name on the one port',
  );
  boot.close();
  const produce = async (c: RawClient, partition: number) =>
    (
      await c.request<produceCodec.Response>(ApiKey.Produce, 7, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 1000,
        topicData: [
          { name: 'routed', partitionData: [{ index: partition, records: await recordBatch([Buffer.from('x')]) }] },
        ],
      })
    ).responses[0]!.partitionResponses[0]!.errorCode;
  const b2 = await RawClient.connectTls(`127.0.0.1:${port}`, opts('broker-2.kafka.test'));
  t.equal(await produce(b2, 1), 0, 'broker-2 name reaches broker 2 (the leader of partition 1)');
  t.equal(await produce(b2, 0), 6, 'and not broker 1: NOT_LEADER_OR_FOLLOWER for partition 0');
  b2.close();
  const b1 = await RawClient.connectTls(`127.0.0.1:${port}`, opts('broker-1.kafka.test'));
  t.equal(await produce(b1, 0), 0, 'broker-1 name reaches broker 1');
  b1.close();
});
