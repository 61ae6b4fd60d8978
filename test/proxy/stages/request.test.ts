// Reading a request: the version gate before the header, the lazy body, trailing bytes, replacement.
import t from 'tap';
import { ApiKey } from '../../../src/protocol/generated/index.js';
import { readRequest } from '../../../src/proxy/stages/request.js';
import { OPEN_GATE, headerOf, packetOf, requestOf } from '../../helpers/stage-fakes.js';
import { metadata, produce } from '../../helpers/requests.js';

const topics = (...names: string[]) => names.map((name) => ({ name, topicId: Buffer.alloc(16) }));

t.test('the body is decoded on first use, once', async (t) => {
  const req = requestOf(ApiKey.Metadata, 12, metadata(topics('a')));
  t.equal(req.apiKey, ApiKey.Metadata);
  t.equal(req.apiVersion, 12);
  t.equal(req.header.correlationId, 7);
  t.equal(req.header.clientId, 'test');
  t.equal(req.spec.name, 'Metadata');
  const body = req.body;
  t.equal(req.body, body, 'the same decoded object');
  t.same(
    (body as { topics: Array<{ name: string }> }).topics.map((x) => x.name),
    ['a'],
  );
});

t.test(
  'a request as sent goes upstream as the same bytes; a replaced body is re-encoded under the same header',
  async (t) => {
    const packet = packetOf(ApiKey.Metadata, 12, metadata(topics('a', 'b')), 99, 'app');
    const req = readRequest(packet, OPEN_GATE, 1000);
    t.equal(req.upstreamPacket(), packet, 'the client buffer itself, not a copy');
    req.replaceBody(metadata(topics('b')));
    const out = req.upstreamPacket();
    t.equal(out.readInt32BE(0), out.length - 4, 'size-prefixed');
    t.match(headerOf(out), { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 99, clientId: 'app' });
    const again = readRequest(out, OPEN_GATE, 1000);
    t.same(
      (again.body as { topics: Array<{ name: string }> }).topics.map((x) => x.name),
      ['b'],
    );
  },
);

t.test('bytes after the last field are dropped, as the broker ignores them', async (t) => {
  const packet = packetOf(ApiKey.Metadata, 12, metadata(null));
  const padded = Buffer.concat([packet, Buffer.from([0, 0, 0, 0])]);
  padded.writeInt32BE(padded.length - 4, 0);
  const req = readRequest(padded, OPEN_GATE, 1000);
  t.equal(req.trailingBytes, 0, 'unknown until the body is decoded');
  void req.body;
  t.equal(req.trailingBytes, 4);
  const out = req.upstreamPacket();
  t.same(out, packet, 'what the client meant, with the size fixed');
});

t.test(
  'the version gate: the proxy range, the broker range, ACL checks; ApiVersions answers any version',
  async (t) => {
    const packet = packetOf(ApiKey.Metadata, 12, metadata(null));
    const broker = {
      ...OPEN_GATE,
      cluster: { versionsOf: () => ({ ranges: new Map([[ApiKey.Metadata, [0, 11] as [number, number]]]) }) },
    };
    t.throws(
      () => readRequest(packet, broker as never, 1000),
      { code: 'WARDEN_ERR_UNSUPPORTED_VERSION' },
      'a version the broker does not serve',
    );
    const noMetadata = { ...OPEN_GATE, cluster: { versionsOf: () => ({ ranges: new Map() }) } };
    t.throws(
      () => readRequest(packet, noMetadata as never, 1000),
      { code: 'WARDEN_ERR_UNSUPPORTED_VERSION' },
      'an API the broker does not serve',
    );
    const internal = packetOf(ApiKey.Metadata, 12, metadata(null));
    internal.writeInt16BE(ApiKey.LeaderAndIsr, 4);
    t.throws(() => readRequest(internal, OPEN_GATE, 1000), { code: 'WARDEN_ERR_API_REFUSED' }, 'a broker-internal API');
    const v99 = packetOf(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    v99.writeInt16BE(99, 6);
    t.equal(readRequest(v99, broker as never, 1000).apiVersion, 99, 'ApiVersions passes the gate at any version');
  },
);

t.test('the element budget bounds decoding; Produce record batches are validated with the body', async (t) => {
  const many = metadata(topics(...Array.from({ length: 50 }, (_, i) => `t${i}`)));
  const req = readRequest(packetOf(ApiKey.Metadata, 12, many), OPEN_GATE, 10);
  t.throws(
    () => req.body,
    { message: /more elements than limits.maxRequestElements/ },
    'more elements than the budget',
  );
  const bad = produce('orders');
  bad.topicData[0]!.partitionData[0]!.records = Buffer.from('not a record batch, not at all');
  const p = readRequest(packetOf(ApiKey.Produce, 9, bad), OPEN_GATE, 1000);
  t.throws(() => p.body, 'a malformed record batch fails the decode');
  const nul = produce('orders');
  nul.topicData[0]!.partitionData[0]!.records = null;
  t.throws(() => readRequest(packetOf(ApiKey.Produce, 9, nul), OPEN_GATE, 1000).body, {
    code: 'WARDEN_ERR_RECORD_BATCH',
  });
});
