// Group offset checks (src/acl/checks/group-offsets.ts).
import t from 'tap';
import { ApiKey, apiSpec } from '../../../src/protocol/generated/index.js';
import * as offsetFetch from '../../../src/protocol/generated/offset-fetch.js';
import { checkOffsetFetch, checkOffsetDelete } from '../../../src/acl/checks/group-offsets.js';
import { fakeAuthz, wireRequest, wireResponse } from '../../helpers/fake-authz.js';

const spec = apiSpec(ApiKey.OffsetFetch);

t.test('OffsetFetch v1: a denied group puts 30 on every named partition', async (t) => {
  const req = wireRequest(spec, 1, {
    ...spec.defaultRequest(),
    groupId: 'g',
    topics: [{ name: 'a', partitionIndexes: [0, 1], _tagged: undefined }],
  });
  const v = checkOffsetFetch(fakeAuthz([]), 1, req);
  if (v?.kind !== 'answer') return t.fail('expected an answer');
  t.same(
    v.response.topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode, p.committedOffset]),
    [
      [0, 30, -1n],
      [1, 30, -1n],
    ],
  );
  wireResponse(spec, 1, v.response);
});

t.test('OffsetFetch v8: groups decided each, topics merged back in request order', async (t) => {
  const group = (groupId: string, names: string[]) => ({
    ...offsetFetch.defaultRequestGroup(),
    groupId,
    topics: names.map((name) => ({ name, partitionIndexes: [0], _tagged: undefined })),
  });
  const req = wireRequest(spec, 8, { ...spec.defaultRequest(), groups: [group('g', ['a', 'b']), group('h', ['a'])] });
  const v = checkOffsetFetch(fakeAuthz(['DESCRIBE:GROUP:g', 'DESCRIBE:TOPIC:a']), 8, req);
  if (v?.kind !== 'forward') return t.fail('expected a forward');
  t.same(
    v.request!.groups.map((g) => [g.groupId, g.topics!.map((x) => x.name)]),
    [['g', ['a']]],
  );
  const upstream = wireResponse(spec, 8, {
    ...spec.defaultResponse(),
    groups: [
      {
        ...offsetFetch.defaultResponseGroup(),
        groupId: 'g',
        topics: [
          {
            ...offsetFetch.defaultResponseTopics(),
            name: 'a',
            partitions: [{ ...offsetFetch.defaultResponsePartitions(), partitionIndex: 0, committedOffset: 7n }],
          },
        ],
      },
    ],
  });
  const out = v.response!(upstream);
  t.same(
    out.groups.map((g) => [g.groupId, g.errorCode, g.topics.map((x) => [x.name, x.partitions[0]!.errorCode])]),
    [
      [
        'g',
        0,
        [
          ['a', 0],
          ['b', 29],
        ],
      ],
      ['h', 30, []],
    ],
  );
});

t.test('OffsetDelete: DELETE on the group first', async (t) => {
  const od = apiSpec(ApiKey.OffsetDelete);
  const req = wireRequest(od, 0, {
    ...od.defaultRequest(),
    groupId: 'g',
    topics: [{ name: 'a', partitions: [{ partitionIndex: 0, _tagged: undefined }], _tagged: undefined }],
  });
  const v = checkOffsetDelete(fakeAuthz(['READ:TOPIC:a']), 0, req);
  t.equal(v?.kind === 'answer' && v.response.errorCode, 30);
  t.equal(checkOffsetDelete(fakeAuthz(['DELETE:GROUP:g', 'READ:TOPIC:a']), 0, req), null);
});
