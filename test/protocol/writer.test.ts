// Writer limits that decoded values can run into.
import t from 'tap';
import { Writer } from '../../src/protocol/writer.js';
import { Reader } from '../../src/protocol/reader.js';
import { API_SPECS, ApiKey } from '../../src/protocol/generated/index.js';
import { EncodeError, WardenError } from '../../src/protocol/errors.js';

/** A DescribeGroups v0 request body naming one group: int32 count, int16 length, the bytes. */
function describeGroupsV0(name: Buffer): Buffer {
  const w = new Writer(name.length + 6);
  w.int32(1);
  w.int16(name.length);
  w.raw(name);
  return Buffer.from(w.finish());
}

t.test(
  'a decoded string too long for its int16 length is refused with EncodeError (found by review of a fuzz property)',
  async (t) => {
    // Invalid UTF-8 decodes to U+FFFD, which takes three bytes: 11000 bytes of 0xff decode to a
    // string whose UTF-8 is 33000 bytes. Re-encoding it (the proxy does for what an ACL check
    // forwards or answers) threw a RangeError out of Buffer.writeInt16BE, which the proxy logs as an
    // internal error; it is a malformed request, refused like one.
    const spec = API_SPECS.get(ApiKey.DescribeGroups)!;
    const req = spec.decodeRequest(new Reader(describeGroupsV0(Buffer.alloc(11000, 0xff))), 0) as { groups: string[] };
    t.equal(Buffer.byteLength(req.groups[0]!), 33000);
    const w = new Writer();
    t.throws(() => spec.encodeRequest(w, 0, req as never), EncodeError);
    const thrown = (() => {
      try {
        new Writer().string(req.groups[0]!);
        return null;
      } catch (e) {
        return e;
      }
    })();
    t.ok(thrown instanceof WardenError, 'a WardenError, which the proxy answers by closing the connection');
    t.equal((thrown as WardenError | null)?.code, 'WARDEN_ERR_ENCODE');
    t.throws(() => new Writer().nullableString('x'.repeat(0x8000)), EncodeError, 'nullable strings too');
  },
);

t.test('strings up to the int16 limit and compact strings of any length still encode', async (t) => {
  const longest = 'x'.repeat(0x7fff);
  const w = new Writer();
  w.string(longest);
  t.equal(new Reader(Buffer.from(w.finish())).string(), longest);
  const c = new Writer();
  c.compactString('\ufffd'.repeat(20000));
  t.equal(
    Buffer.byteLength(new Reader(Buffer.from(c.finish())).compactString()),
    60000,
    'compact strings have a varint length',
  );
});
