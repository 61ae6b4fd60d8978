// Which requests the proxy treats as held at the broker (moved to an upstream connection of the
// client's own) and how long it lets the broker hold them, per Kafka's purgatories and its
// coordinators' replicated writes.
import t from 'tap';
import { API_POLICY } from '../../src/proxy/api-table.js';
import { ApiKey } from '../../src/protocol/generated/index.js';

const parks = (apiKey: number, request: unknown = {}) => API_POLICY.get(apiKey)!.parks?.(request) ?? false;
const holdMs = (apiKey: number, request: unknown) => API_POLICY.get(apiKey)!.holdMs?.(request) ?? 0;

t.test('held at the broker', async (t) => {
  t.ok(parks(ApiKey.Produce, { acks: -1, timeoutMs: 30000 }), 'Produce acks=all waits for the followers');
  t.notOk(parks(ApiKey.Produce, { acks: 1, timeoutMs: 30000 }), 'acks=1 is answered by the leader at once');
  t.notOk(parks(ApiKey.Produce, { acks: 0, timeoutMs: 30000 }), 'acks=0 is not answered at all');
  t.ok(parks(ApiKey.Fetch, { maxWaitMs: 500 }), 'a long-poll Fetch');
  t.ok(
    parks(ApiKey.Fetch, { maxWaitMs: 0 }),
    'a Fetch that does not wait too: only an exclusive connection can be paused for one client (back-pressure)',
  );
  for (const k of [
    ApiKey.JoinGroup,
    ApiKey.SyncGroup,
    ApiKey.LeaveGroup,
    ApiKey.OffsetCommit,
    ApiKey.TxnOffsetCommit,
    ApiKey.AddPartitionsToTxn,
    ApiKey.AddOffsetsToTxn,
    ApiKey.EndTxn,
    ApiKey.DeleteGroups,
    ApiKey.OffsetDelete,
    ApiKey.ConsumerGroupHeartbeat,
    ApiKey.ShareFetch,
    ApiKey.ShareAcknowledge,
    ApiKey.ShareGroupHeartbeat,
  ]) {
    t.ok(parks(k), `api ${k} (a coordinator write or a wait) parks`);
  }
  t.ok(
    parks(ApiKey.InitProducerId, { transactionalId: 'tx' }),
    'InitProducerId for a transactional id writes __transaction_state',
  );
  t.notOk(parks(ApiKey.InitProducerId, { transactionalId: null }), 'an idempotent producer id does not');
  for (const k of [
    ApiKey.CreateTopics,
    ApiKey.DeleteTopics,
    ApiKey.CreatePartitions,
    ApiKey.DeleteRecords,
    ApiKey.ElectLeaders,
    ApiKey.ListOffsets,
  ]) {
    t.ok(parks(k, { timeoutMs: 30000 }), `api ${k} with a timeout waits for it`);
    t.notOk(parks(k, { timeoutMs: 0 }), `api ${k} without one does not`);
  }
  for (const k of [
    ApiKey.Metadata,
    ApiKey.Heartbeat,
    ApiKey.FindCoordinator,
    ApiKey.DescribeGroups,
    ApiKey.ListGroups,
    ApiKey.DescribeConfigs,
    ApiKey.OffsetFetch,
  ]) {
    t.notOk(parks(k), `api ${k} is answered at once and may share a connection`);
  }
});

t.test('how long the broker may hold a request, beyond the request timeout', async (t) => {
  t.equal(holdMs(ApiKey.Produce, { acks: -1, timeoutMs: 30000 }), 30000, 'Produce: its timeout');
  t.equal(holdMs(ApiKey.Fetch, { maxWaitMs: 500 }), 500, 'Fetch: its max wait');
  t.equal(
    holdMs(ApiKey.JoinGroup, { rebalanceTimeoutMs: 60000, sessionTimeoutMs: 10000 }),
    60000,
    'JoinGroup: the longer of its timeouts',
  );
  t.equal(holdMs(ApiKey.CreateTopics, { timeoutMs: 15000 }), 15000, 'CreateTopics: its timeout');
  t.equal(holdMs(ApiKey.Produce, { acks: -1, timeoutMs: -5 }), 0, 'a negative timeout counts as none');
  t.equal(holdMs(ApiKey.Metadata, {}), 0, 'Metadata: none');
});
