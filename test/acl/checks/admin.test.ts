// Cluster administration checks (src/acl/checks/admin.ts).
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import { Operation } from '../../../src/acl/model.js';
import { clusterCheck, denyElectLeaders } from '../../../src/acl/checks/admin.js';
import { fakeAuthz, wireRequest, wireResponse } from '../../helpers/fake-authz.js';

t.test('one operation on the cluster, else the API error response (31)', async (t) => {
  const spec = apiSpec(ApiKey.DescribeLogDirs);
  const req = wireRequest(spec, 4, spec.defaultRequest());
  const check = clusterCheck(ApiKey.DescribeLogDirs, Operation.DESCRIBE);
  t.equal(check(fakeAuthz(['DESCRIBE:CLUSTER:kafka-cluster']), 4, req), null);
  const v = check(fakeAuthz([]), 4, req);
  if (v?.kind !== 'answer') return t.fail('expected an answer');
  t.equal(v.response.errorCode, 31);
  wireResponse(spec, 4, v.response);
});

t.test('ElectLeaders denied: 31 on the request and on every partition it names', async (t) => {
  const spec = apiSpec(ApiKey.ElectLeaders);
  const req = wireRequest(spec, 2, {
    ...spec.defaultRequest(),
    topicPartitions: [{ topic: 'a', partitions: [0, 1], _tagged: undefined }],
  });
  const v = clusterCheck(ApiKey.ElectLeaders, Operation.ALTER, denyElectLeaders)(fakeAuthz([]), 2, req);
  if (v?.kind !== 'answer') return t.fail('expected an answer');
  t.equal(v.response.errorCode, 31);
  t.same(
    v.response.replicaElectionResults[0]!.partitionResult.map((p) => [p.partitionId, p.errorCode]),
    [
      [0, 31],
      [1, 31],
    ],
  );
  wireResponse(spec, 2, v.response);
});
