import t from 'tap';
import {
  API_SPECS,
  ApiKey,
  GROUP_ID,
  REQUEST_TIMEOUT_MS,
  TRANSACTIONAL_ID,
  apiSpec,
  isApiKey,
  requestTrait,
} from '../../src/protocol/generated/index.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';

t.test('apiSpec is the spec API_SPECS holds, typed for its messages', async (t) => {
  for (const [key, spec] of API_SPECS) {
    t.ok(isApiKey(key), `${spec.name} is a key`);
    if (isApiKey(key)) t.equal(apiSpec(key), spec, `${spec.name}: one spec object`);
  }
  t.same(
    [...API_SPECS.keys()],
    [...API_SPECS.keys()].sort((a, b) => a - b),
    'in key order',
  );
  t.notOk(isApiKey(-1));
  t.notOk(isApiKey(10_000));
  t.notOk(isApiKey(Number.NaN));
});

t.test('a typed spec round-trips its own request', async (t) => {
  const spec = apiSpec(ApiKey.JoinGroup);
  const req = {
    ...spec.defaultRequest(),
    groupId: 'g',
    sessionTimeoutMs: 45_000,
    rebalanceTimeoutMs: 300_000,
    protocolType: 'consumer',
  };
  const w = new Writer(64);
  spec.encodeRequest(w, 9, req);
  const back = spec.decodeRequest(new Reader(w.finish(), 0), 9);
  t.equal(back.groupId, 'g');
  t.equal(back.rebalanceTimeoutMs, 300_000);
});

t.test('request traits read the field on the APIs that have it', async (t) => {
  const produce = { ...apiSpec(ApiKey.Produce).defaultRequest(), timeoutMs: 1500, transactionalId: 'tx' };
  t.equal(requestTrait(REQUEST_TIMEOUT_MS, ApiKey.Produce, produce), 1500);
  t.equal(requestTrait(TRANSACTIONAL_ID, ApiKey.Produce, produce), 'tx');
  t.equal(requestTrait(GROUP_ID, ApiKey.Produce, produce), undefined, 'Produce names no group');
  const hb = { ...apiSpec(ApiKey.Heartbeat).defaultRequest(), groupId: 'grp' };
  t.equal(requestTrait(GROUP_ID, ApiKey.Heartbeat, hb), 'grp');
  t.equal(requestTrait(REQUEST_TIMEOUT_MS, ApiKey.Heartbeat, hb), undefined);
  const init = { ...apiSpec(ApiKey.InitProducerId).defaultRequest(), transactionalId: null };
  t.equal(requestTrait(TRANSACTIONAL_ID, ApiKey.InitProducerId, init), null, 'an idempotent producer has none');
  t.notOk(ApiKey.OffsetFetch in GROUP_ID, 'OffsetFetch v8+ names its groups in a list, so it has no one group id');
  t.ok(ApiKey.ListOffsets in REQUEST_TIMEOUT_MS, 'ListOffsets v10+ has TimeoutMs');
});
