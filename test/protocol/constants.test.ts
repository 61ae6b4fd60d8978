// Shared constant buffers: codecs hand them out as defaults, so they must stay what they say.
import t from 'tap';
import { EMPTY_BYTES, ZERO_UUID } from '../../src/protocol/constants.js';

t.test('the zero UUID and the empty bytes', async (t) => {
  t.equal(ZERO_UUID.length, 16);
  t.ok(ZERO_UUID.every((b) => b === 0));
  t.equal(EMPTY_BYTES.length, 0);
});
