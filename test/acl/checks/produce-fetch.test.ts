// Produce and Fetch checks (src/acl/checks/produce-fetch.ts).
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import * as produce from '../../../src/protocol/generated/produce.js';
import * as fetch from '../../../src/protocol/generated/fetch.js';
import { checkFetch, checkProduce } from '../../../src/acl/checks/produce-fetch.js';
import { fakeAuthz, wireRequest, wireResponse } from '../../helpers/fake-authz.js';

const topicData = (name: string) => ({
  ...produce.defaultRequestTopicProduceData(),
  name,
  partitionData: [{ index: 0, records: null, _tagged: undefined }],
});

t.test('Produce: WRITE per topic, internal topics 17 unless __admin_client, acks=0 closes', async (t) => {
  const spec = apiSpec(ApiKey.Produce);
  const req = wireRequest(spec, 9, {
    ...spec.defaultRequest(),
    acks: -1,
    topicData: [topicData('a'), topicData('__consumer_offsets'), topicData('b')],
  });
  const c = fakeAuthz(['WRITE:TOPIC:a', 'WRITE:TOPIC:__consumer_offsets']);
  const v = checkProduce(c, 9, req);
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.same(
    v.request!.topicData.map((x) => x.name),
    ['a'],
  );
  const out = v.response!(
    wireResponse(spec, 9, {
      ...spec.defaultResponse(),
      responses: [
        {
          ...produce.defaultResponseTopicProduceResponse(),
          name: 'a',
          partitionResponses: [{ ...produce.defaultResponsePartitionProduceResponse(), index: 0 }],
        },
      ],
    }),
  );
  t.same(
    out.responses.map((r) => [r.name, r.partitionResponses[0]!.errorCode]),
    [
      ['a', 0],
      ['__consumer_offsets', 17],
      ['b', 29],
    ],
  );
  const admin = checkProduce(fakeAuthz(['WRITE:TOPIC:__consumer_offsets'], { clientId: '__admin_client' }), 9, {
    ...req,
    topicData: [topicData('__consumer_offsets')],
  });
  t.equal(admin, null, 'the admin client may write internal topics');
  const zero = checkProduce(c, 9, { ...req, acks: 0 });
  t.same(zero, { kind: 'close', reason: 'acks_zero_denied' });
});

t.test('Fetch with ACLs on: sessions are dropped, an incremental fetch is FETCH_SESSION_ID_NOT_FOUND', async (t) => {
  const spec = apiSpec(ApiKey.Fetch);
  const topic = (name: string) => ({
    ...fetch.defaultRequestTopic(),
    topic: name,
    partitions: [{ ...fetch.defaultRequestPartition(), partition: 0 }],
  });
  const req = wireRequest(spec, 12, {
    ...spec.defaultRequest(),
    replicaId: -1,
    sessionId: 5,
    sessionEpoch: 0,
    topics: [topic('a'), topic('b')],
  });
  const v = checkFetch(fakeAuthz(['READ:TOPIC:a']), 12, req);
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.same([v.request!.sessionId, v.request!.sessionEpoch, v.request!.topics.map((x) => x.topic)], [0, -1, ['a']]);
  const incremental = checkFetch(fakeAuthz(['READ:TOPIC:a']), 12, { ...req, sessionEpoch: 3 });
  t.equal(incremental?.kind === 'answer' && incremental.response.errorCode, 70);
  const follower = checkFetch(fakeAuthz([]), 12, { ...req, replicaId: 1 });
  if (follower?.kind !== 'answer') return t.fail('expected an answer');
  t.same(
    [follower.response.errorCode, follower.response.responses.flatMap((r) => r.partitions.map((p) => p.errorCode))],
    [0, [29, 29]],
    'a follower without CLUSTER_ACTION',
  );
});
