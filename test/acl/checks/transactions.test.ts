// Producer id and transaction checks (src/acl/checks/transactions.ts).
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import * as describeTransactions from '../../../src/protocol/generated/describe-transactions.js';
import {
  checkAddOffsetsToTxn,
  checkDescribeTransactions,
  checkInitProducerId,
} from '../../../src/acl/checks/transactions.js';
import { fakeAuthz, wireRequest, wireResponse } from '../../helpers/fake-authz.js';

t.test('InitProducerId: WRITE on the transactional id, or an idempotent producer', async (t) => {
  const spec = apiSpec(ApiKey.InitProducerId);
  const tx = wireRequest(spec, 4, { ...spec.defaultRequest(), transactionalId: 'tx' });
  t.equal(checkInitProducerId(fakeAuthz(['WRITE:TRANSACTIONAL_ID:tx']), 4, tx), null);
  const v = checkInitProducerId(fakeAuthz([]), 4, tx);
  if (v?.kind !== 'answer') return t.fail('expected an answer');
  t.same([v.response.errorCode, v.response.producerId, v.response.producerEpoch], [53, -1n, -1]);
  const idem = wireRequest(spec, 4, { ...spec.defaultRequest(), transactionalId: null });
  t.equal(checkInitProducerId(fakeAuthz(['WRITE:TOPIC:orders']), 4, idem), null, 'WRITE on some topic will do');
  const d = checkInitProducerId(fakeAuthz([]), 4, idem);
  t.equal(d?.kind === 'answer' && d.response.errorCode, 31);
});

t.test('AddOffsetsToTxn: the transactional id first (53), then the group (30)', async (t) => {
  const spec = apiSpec(ApiKey.AddOffsetsToTxn);
  const req = wireRequest(spec, 3, { ...spec.defaultRequest(), transactionalId: 'tx', groupId: 'g' });
  const code = (grants: string[]) => {
    const v = checkAddOffsetsToTxn(fakeAuthz(grants), 3, req);
    return v === null ? 0 : v.kind === 'answer' ? v.response.errorCode : -1;
  };
  t.equal(code([]), 53);
  t.equal(code(['WRITE:TRANSACTIONAL_ID:tx']), 30);
  t.equal(code(['WRITE:TRANSACTIONAL_ID:tx', 'READ:GROUP:g']), 0);
});

t.test('DescribeTransactions: per id, and the topics of a transaction filtered', async (t) => {
  const spec = apiSpec(ApiKey.DescribeTransactions);
  const req = wireRequest(spec, 0, { ...spec.defaultRequest(), transactionalIds: ['a', 'b'] });
  const v = checkDescribeTransactions(fakeAuthz(['DESCRIBE:TRANSACTIONAL_ID:a', 'DESCRIBE:TOPIC:seen']), 0, req);
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.same(v.request!.transactionalIds, ['a']);
  const upstream = wireResponse(spec, 0, {
    ...spec.defaultResponse(),
    transactionStates: [
      {
        ...describeTransactions.defaultResponseTransactionState(),
        transactionalId: 'a',
        topics: [
          { topic: 'seen', partitions: [0], _tagged: undefined },
          { topic: 'hidden', partitions: [0], _tagged: undefined },
        ],
      },
    ],
  });
  const out = v.response!(upstream);
  t.same(
    out.transactionStates.map((s) => [s.transactionalId, s.errorCode, s.topics.map((x) => x.topic)]),
    [
      ['a', 0, ['seen']],
      ['b', 53, []],
    ],
  );
});
