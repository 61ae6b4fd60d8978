// Config checks (src/acl/checks/configs.ts) on real DescribeConfigs and AlterConfigs messages.
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import * as describeConfigs from '../../../src/protocol/generated/describe-configs.js';
import { checkAlterConfigs, checkDescribeConfigs } from '../../../src/acl/checks/configs.js';
import { fakeAuthz, wireRequest, wireResponse } from '../../helpers/fake-authz.js';

const V = 4;
const spec = apiSpec(ApiKey.DescribeConfigs);
const resource = (resourceType: number, resourceName: string) => ({
  ...describeConfigs.defaultRequestResource(),
  resourceType,
  resourceName,
  configurationKeys: null,
});
const request = wireRequest(spec, V, {
  ...spec.defaultRequest(),
  resources: [resource(2, 'orders'), resource(4, '1'), resource(2, 'secret'), resource(99, 'x')],
});

t.test('each resource by its type: topic, broker (the cluster), unknown types INVALID_REQUEST', async (t) => {
  const c = fakeAuthz(['DESCRIBE_CONFIGS:TOPIC:orders', 'DESCRIBE_CONFIGS:CLUSTER:kafka-cluster']);
  const v = checkDescribeConfigs(c, V, request);
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.same(
    v.request!.resources.map((r) => r.resourceName),
    ['orders', '1'],
  );
  const upstream = wireResponse(spec, V, {
    ...spec.defaultResponse(),
    results: [
      { ...describeConfigs.defaultResponseResult(), resourceType: 4, resourceName: '1' },
      { ...describeConfigs.defaultResponseResult(), resourceType: 2, resourceName: 'orders' },
    ],
  });
  const out = v.response!(upstream);
  t.same(
    out.results.map((r) => [r.resourceName, r.errorCode]),
    [
      ['orders', 0],
      ['1', 0],
      ['secret', 29],
      ['x', 42],
    ],
  );
  t.equal(out.results[2]!.errorMessage, 'Topic authorization failed.', 'the default message of the code');
});

t.test('AlterConfigs answers locally when nothing is allowed, results in `responses`', async (t) => {
  const alter = apiSpec(ApiKey.AlterConfigs);
  const req = wireRequest(alter, 2, {
    ...alter.defaultRequest(),
    resources: [{ resourceType: 32, resourceName: 'g', configs: [], _tagged: undefined }],
  });
  const v = checkAlterConfigs(fakeAuthz([]), 2, req);
  if (v?.kind !== 'answer') return t.fail('expected an answer');
  t.same(
    v.response.responses.map((r) => [r.resourceType, r.resourceName, r.errorCode]),
    [[32, 'g', 30]],
  );
  wireResponse(alter, 2, v.response);
});
