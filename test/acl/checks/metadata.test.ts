// Metadata checks (src/acl/checks/metadata.ts).
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import * as metadata from '../../../src/protocol/generated/metadata.js';
import { checkDescribeCluster, checkMetadata } from '../../../src/acl/checks/metadata.js';
import { fakeAuthz, wireRequest, wireResponse } from '../../helpers/fake-authz.js';

const spec = apiSpec(ApiKey.Metadata);
const topic = (name: string) => ({ ...metadata.defaultResponseTopic(), name, topicId: Buffer.alloc(16, name.length) });

t.test('all topics: only the describable ones come back, and their ids are learned', async (t) => {
  const c = fakeAuthz(['DESCRIBE:TOPIC:a']);
  const req = wireRequest(spec, 12, { ...spec.defaultRequest(), topics: null });
  const v = checkMetadata(c, 12, req);
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.equal(v.request!.allowAutoTopicCreation, false);
  const out = v.response!(wireResponse(spec, 12, { ...spec.defaultResponse(), topics: [topic('a'), topic('bb')] }));
  t.same(
    out.topics.map((x) => x.name),
    ['a'],
  );
  t.equal(c.topicName(Buffer.alloc(16, 1)), 'a');
});

t.test('named topics: a denied one is not forwarded and comes back with 29', async (t) => {
  const req = wireRequest(spec, 9, {
    ...spec.defaultRequest(),
    topics: [
      { ...metadata.defaultRequestTopic(), name: 'a' },
      { ...metadata.defaultRequestTopic(), name: 'bb' },
    ],
    allowAutoTopicCreation: false,
  });
  const v = checkMetadata(fakeAuthz(['DESCRIBE:TOPIC:a']), 9, req);
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.same(
    v.request!.topics!.map((x) => x.name),
    ['a'],
  );
  const out = v.response!(wireResponse(spec, 9, { ...spec.defaultResponse(), topics: [topic('a')] }));
  t.same(
    out.topics.map((x) => [x.name, x.errorCode]),
    [
      ['a', 0],
      ['bb', 29],
    ],
  );
});

t.test('DescribeCluster: the bitfield only when asked for, 0 without DESCRIBE', async (t) => {
  const dc = apiSpec(ApiKey.DescribeCluster);
  t.equal(checkDescribeCluster(fakeAuthz([]), 0, wireRequest(dc, 0, dc.defaultRequest())), null);
  const v = checkDescribeCluster(
    fakeAuthz([]),
    0,
    wireRequest(dc, 0, { ...dc.defaultRequest(), includeClusterAuthorizedOperations: true }),
  );
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.equal(v.response!(dc.defaultResponse()).clusterAuthorizedOperations, 0);
});
