// Response packets the proxy answers itself: size prefix, the header the api version takes (or the
// one asked for), the body as the codec encodes it.
import t from 'tap';
import { responsePacket } from '../../src/proxy/responses.js';
import { decodeResponse, PRODUCE, produceResponse } from '../helpers/codec.js';

t.test('responsePacket frames a response with the header its version takes', async (t) => {
  const body = produceResponse('orders', [6]);
  for (const version of [3, 9]) {
    const p = responsePacket(PRODUCE, version, 1234, body);
    t.equal(p.readInt32BE(0), p.length - 4, 'size prefix');
    const r = decodeResponse(PRODUCE, version, p);
    t.equal(r.correlationId, 1234);
    t.match(r.body, { responses: [{ name: 'orders', partitionResponses: [{ index: 0, errorCode: 6 }] }] });
  }
  const v0header = responsePacket(PRODUCE, 9, 1, body, 0);
  t.equal(
    v0header.length,
    responsePacket(PRODUCE, 9, 1, body).length - 1,
    'an explicit header v0 has no tagged fields byte',
  );
  t.same(responsePacket(PRODUCE, 9, 1, body, 1), responsePacket(PRODUCE, 9, 1, body), 'header v1 is what v9 takes');
});
