// The wire cursor every decoder stands on: values, bounds, and the refusals that keep a hostile
// frame from allocating or costing more than its own bytes.
import t from 'tap';
import { Reader } from '../../src/protocol/reader.js';
import { DecodeBudgetError, DecodeError } from '../../src/protocol/errors.js';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

t.test('fixed-width integers and floats are big-endian and advance the cursor', async (t) => {
  const r = new Reader(hex('ff 8000 ffff 80000000 ffffffff 8000000000000001 3ff8000000000000 01 00'));
  t.equal(r.int8(), -1);
  t.equal(r.int16(), -32768);
  t.equal(r.uint16(), 65535);
  t.equal(r.int32(), -2147483648);
  t.equal(r.uint32(), 4294967295);
  t.equal(r.int64(), -9223372036854775807n);
  t.equal(r.float64(), 1.5);
  t.equal(r.bool(), true);
  t.equal(r.bool(), false);
  t.equal(r.remaining, 0);
  r.done();
});

t.test('a read past the end throws DecodeError naming the offset', async (t) => {
  const r = new Reader(hex('0001'));
  t.throws(() => r.int32(), {
    name: 'DecodeError',
    code: 'WARDEN_ERR_DECODE',
    message: 'need 4 bytes at offset 0, only 2 left',
  });
  t.equal(r.pos, 0, 'a failed read does not move the cursor');
  t.equal(r.int16(), 1);
});

t.test('a reader over a slice sees only its bounds', async (t) => {
  const r = new Reader(hex('aa 0007 bb'), 1, 3);
  t.equal(r.int16(), 7);
  t.throws(() => r.int8(), DecodeError);
});

t.test('uvarint and zig-zag varint', async (t) => {
  t.equal(new Reader(hex('00')).uvarint(), 0);
  t.equal(new Reader(hex('7f')).uvarint(), 127);
  t.equal(new Reader(hex('ac02')).uvarint(), 300);
  t.equal(new Reader(hex('ffffffff0f')).uvarint(), 0xffffffff);
  t.equal(new Reader(hex('01')).varint(), -1);
  t.equal(new Reader(hex('02')).varint(), 1);
  t.equal(new Reader(hex('03')).varint(), -2);
  t.equal(new Reader(hex('feffffff0f')).varint(), 2147483647);
  t.equal(new Reader(hex('ffffffff0f')).varint(), -2147483648);
  t.throws(() => new Reader(hex('8080')).uvarint(), { message: /truncated varint at offset 2/ });
  t.throws(() => new Reader(hex('ffffffff1f')).uvarint(), { message: 'varint exceeds 32 bits' });
  t.throws(() => new Reader(hex('ffffffffff01')).uvarint(), { message: /varint longer than 5 bytes/ });
});

t.test('strings: int16 and compact lengths, null forms, refusals', async (t) => {
  t.equal(new Reader(hex('0003 616263')).string(), 'abc');
  t.equal(new Reader(hex('0000')).string(), '');
  t.throws(() => new Reader(hex('ffff')).string(), { message: 'non-nullable string has length -1' });
  t.equal(new Reader(hex('ffff')).nullableString(), null);
  t.equal(new Reader(hex('0002 6869')).nullableString(), 'hi');
  t.throws(() => new Reader(hex('fffe')).nullableString(), { message: 'string has invalid length -2' });
  t.throws(() => new Reader(hex('0005 6869')).string(), DecodeError, 'length past the end');
  t.equal(new Reader(hex('04 616263')).compactString(), 'abc');
  t.equal(new Reader(hex('01')).compactString(), '');
  t.throws(() => new Reader(hex('00')).compactString(), { message: 'non-nullable compact string is null' });
  t.equal(new Reader(hex('00')).compactNullableString(), null);
  t.equal(new Reader(hex('03 6869')).compactNullableString(), 'hi');
  t.equal(new Reader(hex('0002 c3a9')).string(), 'é', 'UTF-8');
});

t.test('bytes are zero-copy views into the frame', async (t) => {
  const frame = hex('00000002 0102');
  const b = new Reader(frame).bytes();
  t.same([...b], [1, 2]);
  frame[4] = 9;
  t.equal(b[0], 9, 'the view shares memory with the frame');
  t.throws(() => new Reader(hex('ffffffff')).bytes(), { message: 'non-nullable bytes have length -1' });
  t.equal(new Reader(hex('ffffffff')).nullableBytes(), null);
  t.same([...new Reader(hex('00000001 07')).nullableBytes()!], [7]);
  t.throws(() => new Reader(hex('fffffffe')).nullableBytes(), { message: 'bytes have invalid length -2' });
  t.same([...new Reader(hex('03 0a0b')).compactBytes()], [10, 11]);
  t.throws(() => new Reader(hex('00')).compactBytes(), { message: 'non-nullable compact bytes are null' });
  t.equal(new Reader(hex('00')).compactNullableBytes(), null);
  t.same([...new Reader(hex('02 ff')).compactNullableBytes()!], [255]);
});

t.test('uuid is 16 bytes', async (t) => {
  const r = new Reader(Buffer.alloc(17, 1));
  t.equal(r.uuid().length, 16);
  t.equal(r.remaining, 1);
});

t.test('array lengths: null, counts that cannot fit, the element budget', async (t) => {
  t.equal(new Reader(hex('ffffffff')).arrayLength(1), -1);
  t.equal(new Reader(hex('00000002 0000')).arrayLength(1), 2);
  t.throws(() => new Reader(hex('fffffffe')).arrayLength(1), { message: 'array has invalid length -2' });
  t.throws(() => new Reader(hex('00000003 0000')).arrayLength(1), {
    message: 'array count 3 cannot fit in the 2 bytes left',
  });
  t.throws(() => new Reader(hex('00000001 0000')).arrayLength(4), /cannot fit/, 'minElem scales the count');
  t.equal(new Reader(hex('00')).compactArrayLength(1), -1, 'compact null');
  t.equal(new Reader(hex('03 0000')).compactArrayLength(1), 2);
  t.throws(() => new Reader(hex('05 0000')).compactArrayLength(1), /cannot fit/);

  const r = new Reader(hex('00000002 0000 00000001 00'));
  r.elementBudget = 2;
  t.equal(r.arrayLength(1), 2);
  r.pos += 2;
  const e = t.throws(() => r.arrayLength(1), 'the budget spans every array of the frame');
  t.type(e, DecodeBudgetError);
  t.equal((e as DecodeBudgetError).code, 'WARDEN_ERR_REQUEST_TOO_COMPLEX');
});

t.test('tagged fields: known tags handled in place, unknown ones kept raw', async (t) => {
  // two fields: tag 0 (2 bytes: int16 5), tag 3 (1 byte: 0x2a)
  const r = new Reader(hex('02 00 02 0005 03 01 2a'));
  const seen: number[] = [];
  const unknown = r.taggedFields((tag, sub) => {
    if (tag !== 0) return false;
    seen.push(sub.int16());
    return true;
  });
  t.same(seen, [5]);
  t.equal(unknown?.length, 1);
  t.equal(unknown![0]!.tag, 3);
  t.same([...unknown![0]!.data], [0x2a]);
  r.done();

  t.equal(new Reader(hex('00')).taggedFields(null), undefined, 'no tagged fields');
  const all = new Reader(hex('01 07 01 ff')).taggedFields(null);
  t.same(
    all?.map((f) => f.tag),
    [7],
    'with no handler every tag is unknown',
  );
});

t.test('tagged fields: refusals', async (t) => {
  t.throws(() => new Reader(hex('02 03 00 03 00')).taggedFields(null), {
    message: 'tagged fields out of order: 3 after 3',
  });
  t.throws(() => new Reader(hex('01 00 02 0005')).taggedFields(() => true), {
    message: 'tagged field 0 has 2 trailing bytes',
  });
  t.throws(() => new Reader(hex('05 00 00')).taggedFields(null), /cannot fit/, 'a count that cannot fit');
  t.throws(() => new Reader(hex('01 00 09 00')).taggedFields(null), /need 9 bytes/, 'a size past the end');

  const r = new Reader(hex('01 00 05 00000001 00'));
  r.elementBudget = 1;
  t.throws(
    () =>
      r.taggedFields((_tag, sub) => {
        sub.arrayLength(1);
        return true;
      }),
    DecodeBudgetError,
    'a tagged field draws on the same element budget',
  );
});

t.test('tagged field handlers hand the budget they used back to the parent', async (t) => {
  const r = new Reader(hex('01 00 05 00000001 00'));
  r.elementBudget = 10;
  r.taggedFields((_tag, sub) => {
    sub.arrayLength(1);
    sub.int8();
    return true;
  });
  t.equal(r.elementBudget, 8, 'one for the tag section, one for the array inside it');
});

t.test('done refuses trailing bytes; inspect shows the cursor', async (t) => {
  const r = new Reader(hex('0102030405'));
  r.int16();
  t.throws(() => r.done(), { message: '3 trailing bytes after the message' });
  t.equal(r.inspect(1), '02|03');
  t.equal(r.inspect(), '0102|030405');
});
