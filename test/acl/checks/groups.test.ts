// Group checks (src/acl/checks/groups.ts).
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import * as describeGroups from '../../../src/protocol/generated/describe-groups.js';
import * as listGroups from '../../../src/protocol/generated/list-groups.js';
import { Operation } from '../../../src/acl/model.js';
import {
  checkDescribeGroups,
  checkFindCoordinator,
  checkListGroups,
  groupCheck,
} from '../../../src/acl/checks/groups.js';
import { fakeAuthz, wireRequest, wireResponse } from '../../helpers/fake-authz.js';

t.test('a request about one group: READ on it, else 30 in the API error response', async (t) => {
  const spec = apiSpec(ApiKey.Heartbeat);
  const req = wireRequest(spec, 4, { ...spec.defaultRequest(), groupId: 'g' });
  const check = groupCheck(ApiKey.Heartbeat, Operation.READ);
  t.equal(check(fakeAuthz(['READ:GROUP:g']), 4, req), null);
  const v = check(fakeAuthz([]), 4, req);
  t.equal(v?.kind === 'answer' && v.response.errorCode, 30);
});

t.test('FindCoordinator v4: each key by its type; a transactional key needs DESCRIBE on the id', async (t) => {
  const spec = apiSpec(ApiKey.FindCoordinator);
  const req = wireRequest(spec, 4, { ...spec.defaultRequest(), keyType: 1, coordinatorKeys: ['tx-a', 'tx-b'] });
  const v = checkFindCoordinator(fakeAuthz(['DESCRIBE:TRANSACTIONAL_ID:tx-a']), 4, req);
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.same(v.request!.coordinatorKeys, ['tx-a']);
  const out = v.response!(
    wireResponse(spec, 4, {
      ...spec.defaultResponse(),
      coordinators: [
        { key: 'tx-a', nodeId: 1, host: 'h', port: 9092, errorCode: 0, errorMessage: null, _tagged: undefined },
      ],
    }),
  );
  t.same(
    out.coordinators.map((x) => [x.key, x.errorCode, x.nodeId]),
    [
      ['tx-a', 0, 1],
      ['tx-b', 53, -1],
    ],
  );
});

t.test('DescribeGroups with authorized operations: the bitfield comes from the ACLs', async (t) => {
  const spec = apiSpec(ApiKey.DescribeGroups);
  const req = wireRequest(spec, 5, { ...spec.defaultRequest(), groups: ['g'], includeAuthorizedOperations: true });
  const v = checkDescribeGroups(fakeAuthz(['DESCRIBE:GROUP:g', 'READ:GROUP:g']), 5, req);
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  const out = v.response!(
    wireResponse(spec, 5, {
      ...spec.defaultResponse(),
      groups: [{ ...describeGroups.defaultResponseDescribedGroup(), groupId: 'g' }],
    }),
  );
  t.equal(out.groups[0]!.authorizedOperations, (1 << Operation.READ) | (1 << Operation.DESCRIBE));
});

t.test('ListGroups without DESCRIBE on the cluster lists the groups the caller may describe', async (t) => {
  const spec = apiSpec(ApiKey.ListGroups);
  t.equal(checkListGroups(fakeAuthz(['DESCRIBE:CLUSTER:kafka-cluster'])), null);
  const v = checkListGroups(fakeAuthz(['DESCRIBE:GROUP:mine']));
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  const upstream = wireResponse(spec, 4, {
    ...spec.defaultResponse(),
    groups: ['mine', 'theirs'].map((groupId) => ({ ...listGroups.defaultResponseListedGroup(), groupId })),
  });
  t.same(
    v.response!(upstream).groups.map((g) => g.groupId),
    ['mine'],
  );
});
