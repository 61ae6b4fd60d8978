// Topic administration checks (src/acl/checks/topics.ts).
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import * as createTopics from '../../../src/protocol/generated/create-topics.js';
import { checkCreateTopics, checkDeleteRecords, checkDeleteTopics } from '../../../src/acl/checks/topics.js';
import { fakeAuthz, wireRequest, wireResponse } from '../../helpers/fake-authz.js';

t.test(
  'CreateTopics: CREATE per topic; __cluster_metadata is INVALID_REQUEST; configs hidden without DESCRIBE_CONFIGS',
  async (t) => {
    const spec = apiSpec(ApiKey.CreateTopics);
    const topic = (name: string) => ({
      ...createTopics.defaultRequestCreatableTopic(),
      name,
      numPartitions: 1,
      replicationFactor: 1,
    });
    const req = wireRequest(spec, 5, {
      ...spec.defaultRequest(),
      topics: [topic('a'), topic('b'), topic('__cluster_metadata')],
    });
    const v = checkCreateTopics(fakeAuthz(['CREATE:TOPIC:a', 'CREATE:TOPIC:__cluster_metadata']), 5, req);
    if (v?.kind !== 'forward') return t.fail('expected a forward');
    t.same(
      v.request!.topics.map((x) => x.name),
      ['a'],
    );
    const upstream = wireResponse(spec, 5, {
      ...spec.defaultResponse(),
      topics: [
        { ...createTopics.defaultResponseCreatableTopicResult(), name: 'a', numPartitions: 1, replicationFactor: 1 },
      ],
    });
    const out = v.response!(upstream);
    t.same(
      out.topics.map((x) => [x.name, x.errorCode, x.topicConfigErrorCode, x.numPartitions]),
      [
        ['a', 0, 29, -1],
        ['b', 29, 0, -1],
        ['__cluster_metadata', 42, 0, -1],
      ],
    );
  },
);

t.test('DeleteTopics v6 by id: an id the proxy has not learned is UNKNOWN_TOPIC_ID', async (t) => {
  const spec = apiSpec(ApiKey.DeleteTopics);
  const id = Buffer.alloc(16, 7);
  const req = wireRequest(spec, 6, {
    ...spec.defaultRequest(),
    topics: [{ name: null, topicId: id, _tagged: undefined }],
  });
  const v = checkDeleteTopics(fakeAuthz([]), 6, req);
  if (v?.kind !== 'answer') return t.fail('expected an answer');
  t.same(
    v.response.responses.map((r) => [r.name, r.errorCode]),
    [[null, 100]],
  );
});

t.test('DeleteRecords: never on an internal topic (17), even with DELETE', async (t) => {
  const spec = apiSpec(ApiKey.DeleteRecords);
  const req = wireRequest(spec, 2, {
    ...spec.defaultRequest(),
    topics: [
      {
        name: '__consumer_offsets',
        partitions: [{ partitionIndex: 0, offset: 5n, _tagged: undefined }],
        _tagged: undefined,
      },
    ],
  });
  const v = checkDeleteRecords(fakeAuthz(['DELETE:TOPIC:__consumer_offsets']), 2, req);
  if (v?.kind !== 'answer') return t.fail('expected an answer');
  t.same(
    v.response.topics[0]!.partitions.map((p) => [p.errorCode, p.lowWatermark]),
    [[17, -1n]],
  );
});
