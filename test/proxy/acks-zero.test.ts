// acks=0 Produce rewritten in place to acks=1 (and the answer's first error read), at every
// Produce version the proxy forwards and with transactional ids whose length prefix differs.
import t from 'tap';
import { ACKS_ZERO_AS, produceError, rewriteAcks } from '../../src/proxy/acks-zero.js';
import { responsePacket } from '../../src/proxy/responses.js';
import { decodeRequest, encodeRequest, PRODUCE, produceRequest, produceResponse } from '../helpers/codec.js';

const ids: Array<string | null> = [null, '', 'tx-1', 'é'.repeat(100)]; // the last: a two-byte compact length

t.test('rewriteAcks changes the acks field only, whatever the version and transactional id', async (t) => {
  t.equal(ACKS_ZERO_AS, 1);
  for (let version = 3; version <= 12; version++) {
    for (const id of ids) {
      const request = produceRequest('orders', 0, id);
      const packet = encodeRequest(PRODUCE, version, 7, request);
      const before = decodeRequest(packet);
      rewriteAcks(packet, before.header, before.body as never, ACKS_ZERO_AS);
      const after = decodeRequest(packet);
      t.equal(after.body.acks, 1, `v${version} id ${id === null ? 'null' : id.length}`);
      t.same({ ...after.body, acks: 0 }, before.body, 'nothing else changed');
    }
  }
});

t.test('rewriteAcks refuses a request whose acks are not where it computes them', async (t) => {
  const request = produceRequest('orders', 0, 'tx');
  const packet = encodeRequest(PRODUCE, 9, 7, request);
  const { header } = decodeRequest(packet);
  const copy = Buffer.from(packet);
  t.throws(() => rewriteAcks(packet, header, { ...request, transactionalId: 'a-longer-id' }, 1), {
    code: 'WARDEN_ERR_INTERNAL',
  });
  t.throws(() => rewriteAcks(packet, header, { ...request, acks: -1 }, 1), { code: 'WARDEN_ERR_INTERNAL' });
  t.same(packet, copy, 'left untouched');
  t.throws(
    () => rewriteAcks(packet.subarray(0, 20), header, request, 1),
    { code: 'WARDEN_ERR_INTERNAL' },
    'past the end',
  );
});

t.test('produceError gives the first partition error, or 0', async (t) => {
  for (const version of [3, 8, 9, 12]) {
    t.equal(
      produceError(responsePacket(PRODUCE, version, 5, produceResponse('orders', [0, 0])), version),
      0,
      `v${version} success`,
    );
    t.equal(
      produceError(responsePacket(PRODUCE, version, 5, produceResponse('orders', [0, 29, 3])), version),
      29,
      `v${version} first error`,
    );
  }
});
