// The wire layer's errors: stable codes to tell them apart, names for logs, and the fields that
// describe a refused frame.
import t from 'tap';
import {
  DecodeBudgetError,
  DecodeError,
  EncodeError,
  FrameTooLargeError,
  RecordBatchError,
  UnsupportedApiError,
  WardenError,
} from '../../src/protocol/errors.js';

t.test('every error carries its code and its class name', async (t) => {
  const cases: Array<[WardenError, string, string]> = [
    [new DecodeError('short'), 'WARDEN_ERR_DECODE', 'DecodeError'],
    [new DecodeError('odd', 'WARDEN_ERR_X'), 'WARDEN_ERR_X', 'DecodeError'],
    [new DecodeBudgetError(), 'WARDEN_ERR_REQUEST_TOO_COMPLEX', 'DecodeBudgetError'],
    [new EncodeError('too long'), 'WARDEN_ERR_ENCODE', 'EncodeError'],
    [new UnsupportedApiError(99, 3), 'WARDEN_ERR_UNSUPPORTED_API', 'UnsupportedApiError'],
    [new RecordBatchError('bad crc'), 'WARDEN_ERR_RECORD_BATCH', 'RecordBatchError'],
    [new WardenError('WARDEN_ERR_Y', 'y'), 'WARDEN_ERR_Y', 'WardenError'],
  ];
  for (const [e, code, name] of cases) {
    t.type(e, WardenError);
    t.type(e, Error);
    t.equal(e.code, code);
    t.equal(e.name, name);
  }
  t.type(new DecodeBudgetError(), DecodeError, 'a budget refusal is a decode error');
  t.equal(new UnsupportedApiError(99, 3).message, 'api key 99 version 3 is not supported');
});

t.test('a frame too large or negative says which, with the size and the limit', async (t) => {
  const big = new FrameTooLargeError(2000, 1000);
  t.equal(big.code, 'WARDEN_ERR_FRAME_TOO_LARGE');
  t.equal(big.message, 'frame size 2000 exceeds the limit of 1000 bytes');
  t.equal(big.size, 2000);
  t.equal(big.limit, 1000);
  const neg = new FrameTooLargeError(-5, 1000);
  t.equal(neg.code, 'WARDEN_ERR_FRAME_NEGATIVE_SIZE');
  t.equal(neg.message, 'frame size -5 is negative');
});
