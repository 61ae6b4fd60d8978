// failClosed end to end: the audit topic's broker is down and the spool is tiny, so it fills; a
// request that needs an audit event (the first Produce to a topic on a connection, or one allowed
// through a cluster-level grant) is then refused with TOPIC_AUTHORIZATION_FAILED instead of going
// unaudited. Once the broker is back the spool drains and the same requests succeed.
import t from 'tap';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startHarness } from '../helpers/proxy.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as produceCodec from '../../src/protocol/generated/produce.js';
import type * as offsetForLeaderEpoch from '../../src/protocol/generated/offset-for-leader-epoch.js';
import { MODERN_LIB, MODERN_MOCK } from '../helpers/kcat.js';

t.test('a full spool refuses what it cannot audit, and recovers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-full-'));
  const topics = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`t${i}`, 1]));
  writeFileSync(
    join(dir, 'acls.yaml'),
    'acls:\n  - { resourceType: TOPIC, resourceName: t, patternType: PREFIXED, principal: "User:ANONYMOUS", operation: WRITE }\n',
  );
  const h = await startHarness({
    cluster: { brokers: 3, topics: { ...topics, _audit: 1 } },
    upstream: { metadataRefreshMs: 500 },
    config: {
      acl: { file: join(dir, 'acls.yaml') },
      audit: {
        spool: { dir: join(dir, 'spool'), maxBytes: 6000, onFull: 'failClosed' },
        sinks: [{ type: 'kafka', topic: '_audit', lingerMs: 10 }],
      },
    },
  });
  t.teardown(() => h.stop());
  for (let i = 0; i < 30; i++) await h.cluster.command(`leader t${i} 0 1`);
  await h.cluster.command('leader _audit 0 2');
  await h.cluster.command('down 2');
  const c = await RawClient.connect(`127.0.0.1:${h.base + 11}`);
  t.teardown(() => c.close());
  const batch = await recordBatch([Buffer.from('v')]);
  const produce = async (topic: string) =>
    (
      await c.request<produceCodec.Response>(ApiKey.Produce, 7, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: batch }] }],
      })
    ).responses[0]!.partitionResponses[0]!.errorCode;
  const codes: number[] = [];
  for (let i = 0; i < 30; i++) codes.push(await produce(`t${i}`));
  const firstRefused = codes.indexOf(29);
  t.ok(firstRefused > 0, `allowed while the spool had room (${firstRefused} topics), then refused`);
  t.ok(
    codes.slice(firstRefused).every((x) => x === 29),
    'every later first-produce is refused with 29',
  );
  t.ok(h.proxy.audit!.stats.refused > 0, 'and counted');
  t.ok(
    h.logs.some((l) => l.msg === 'audit spool full: requests that need an audit event are refused (failClosed)'),
    'and logged',
  );
  t.equal(await produce('t0'), 0, 'a produce that needs no new event (t0 was audited already) still goes through');

  await h.cluster.command('up 2');
  const end = Date.now() + 20_000;
  while ((h.proxy.audit!.pending()['kafka:_audit'] ?? 1) > 0 && Date.now() < end)
    await new Promise((r) => setTimeout(r, 100));
  t.equal(h.proxy.audit!.pending()['kafka:_audit'], 0, 'the spool drained once the broker was back');
  t.equal(await produce('t29'), 0, 'and the refused topic can be written now, with its audit event');
});

t.test(
  'a cluster-level grant is refused too when it cannot be audited (OffsetForLeaderEpoch through CLUSTER_ACTION)',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-audit-full-cluster-'));
    // ANONYMOUS has CLUSTER_ACTION and nothing on any topic: every allowed answer comes from the cluster grant.
    writeFileSync(
      join(dir, 'acls.yaml'),
      'acls:\n  - { resourceType: CLUSTER, resourceName: kafka-cluster, principal: "User:ANONYMOUS", operation: CLUSTER_ACTION }\n',
    );
    const h = await startHarness({
      cluster: {
        brokers: 3,
        topics: { orders: 1, _audit: 1 },
        binary: MODERN_MOCK,
        env: { LD_LIBRARY_PATH: MODERN_LIB },
      },
      upstream: { metadataRefreshMs: 500 },
      config: {
        acl: { file: join(dir, 'acls.yaml') },
        audit: {
          spool: { dir: join(dir, 'spool'), maxBytes: 6000, onFull: 'failClosed' },
          sinks: [{ type: 'kafka', topic: '_audit', lingerMs: 10 }],
        },
      },
    });
    t.teardown(() => h.stop());
    await h.cluster.command('leader orders 0 1');
    await h.cluster.command('leader _audit 0 2');
    await h.cluster.command('down 2');
    const c = await RawClient.connect(`127.0.0.1:${h.base + 11}`);
    t.teardown(() => c.close());
    const epoch = async () =>
      (
        await c.request<offsetForLeaderEpoch.Response>(ApiKey.OffsetForLeaderEpoch, 2, {
          replicaId: -1,
          topics: [{ topic: 'orders', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }],
        })
      ).topics[0]!.partitions[0]!.errorCode;
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) codes.push(await epoch());
    const firstRefused = codes.indexOf(29);
    t.ok(
      firstRefused > 0,
      `answered while the spool had room (${firstRefused} requests, each grant recorded), then refused: ${codes.join(',')}`,
    );
    t.ok(
      codes.slice(0, firstRefused).every((x) => x !== 29) && codes.slice(firstRefused).every((x) => x === 29),
      'every request after the spool filled is refused with 29',
    );

    await h.cluster.command('up 2');
    const end = Date.now() + 20_000;
    while ((h.proxy.audit!.pending()['kafka:_audit'] ?? 1) > 0 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    t.equal(h.proxy.audit!.pending()['kafka:_audit'], 0, 'the spool drained once the broker was back');
    t.not(await epoch(), 29, 'and the grant applies again, audited');
  },
);
