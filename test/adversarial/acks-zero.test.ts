// acks=0 on a shared upstream connection: a failed acks=0 Produce closes the client that sent it,
// as a broker does, and never the pooled connection other clients' requests are in flight on.
import t from 'tap';
import { startHarness } from '../helpers/proxy.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as metadata from '../../src/protocol/generated/metadata.js';
import type * as produce from '../../src/protocol/generated/produce.js';

const h = await startHarness({
  cluster: { brokers: 1, topics: { events: 1 } },
  upstream: { pool: { mode: 'pooled', maxConnectionsPerBroker: 1 } },
});
t.teardown(() => h.stop());
const node = `127.0.0.1:${h.base + 11}`;

t.test('a failing acks=0 Produce closes its own client only', async (t) => {
  const other = await RawClient.connect(node);
  const attacker = await RawClient.connect(node);
  t.equal((await other.request<metadata.Response>(ApiKey.Metadata, 1, { topics: null })).brokers.length, 1);
  // The other client's answers are held at the broker while the attacker's acks=0 fails there.
  await h.cluster.command('delay 1 3 700 5');
  const pending = Array.from({ length: 5 }, () =>
    other.request<metadata.Response>(ApiKey.Metadata, 1, { topics: null }, 20_000),
  );
  await new Promise((r) => setTimeout(r, 100));
  const records = await recordBatch([Buffer.from('x')]);
  for (let i = 0; i < 20; i++)
    attacker.send(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: 'events', partitionData: [{ index: 99, records }] }],
    });
  const answers = await Promise.all(pending);
  t.ok(
    answers.every((a) => a.brokers.length === 1),
    'every request of the other client in flight on the shared connection is answered',
  );
  await attacker.closed;
  t.pass('the client whose acks=0 Produce failed is closed, as by a broker');
  t.ok(
    h.logs.some((l) => l.reason === 'acks_zero_failed' && l.errorCode === 3),
    'with the partition error logged (UNKNOWN_TOPIC_OR_PARTITION)',
  );
  const ok = await other.request<produce.Response>(ApiKey.Produce, 7, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: 'events', partitionData: [{ index: 0, records }] }],
  });
  t.equal(ok.responses[0]!.partitionResponses[0]!.errorCode, 0, 'the other client goes on');
  other.close();
});

t.test('a successful acks=0 Produce gets no answer and keeps the connection', async (t) => {
  const c = await RawClient.connect(node);
  const records = await recordBatch([Buffer.from('fine')]);
  for (let i = 0; i < 10; i++)
    c.send(ApiKey.Produce, 7, {
      transactionalId: null,
      acks: 0,
      timeoutMs: 1000,
      topicData: [{ name: 'events', partitionData: [{ index: 0, records }] }],
    });
  const md = await c.request<metadata.Response>(ApiKey.Metadata, 1, { topics: null });
  t.equal(md.brokers.length, 1, 'the next request is answered (nothing was sent for the acks=0 ones)');
  t.notOk(c.isClosed);
  c.close();
});
