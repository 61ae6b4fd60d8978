import t from 'tap';
import { Writer } from '../../src/protocol/writer.js';
import {
  decodeRequestHeader,
  encodeRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
  responseHeaderLength,
} from '../../src/protocol/headers.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { DecodeError } from '../../src/protocol/errors.js';

t.test('header versions follow the flexible versions of each API', async (t) => {
  t.equal(requestHeaderVersion(ApiKey.Metadata, 8), 1);
  t.equal(requestHeaderVersion(ApiKey.Metadata, 9), 2);
  t.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
  t.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0, 'ControlledShutdown v0 has no client id');
  t.equal(requestHeaderVersion(ApiKey.SaslHandshake, 1), 1, 'never flexible');
  t.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1);
  t.equal(responseHeaderVersion(ApiKey.Fetch, 11), 0);
  t.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0, 'ApiVersions responses always use header v0');
  t.equal(requestHeaderVersion(9999, 0), 1, 'unknown api keys are read as v1');
});

t.test('request header v2 keeps the int16 client id length', async (t) => {
  const w = new Writer();
  encodeRequestHeader(w, ApiKey.Metadata, 12, 77, 'rdkafka', [{ tag: 3, data: Buffer.from([1, 2]) }]);
  const b = w.finish();
  t.equal(b.readInt16BE(8), 7, 'int16 length');
  const h = decodeRequestHeader(Buffer.from(b));
  t.match(h, { apiKey: 3, apiVersion: 12, correlationId: 77, clientId: 'rdkafka', flexible: true });
  t.same(h.tagged?.[0]?.data, Buffer.from([1, 2]), 'unknown header tags kept');
  t.equal(h.bodyOffset, b.length);
});

t.test('null client id and truncated headers', async (t) => {
  const w = new Writer();
  encodeRequestHeader(w, ApiKey.Produce, 3, 1, null);
  const b = Buffer.from(w.finish());
  t.equal(decodeRequestHeader(b).clientId, null);
  for (let i = 0; i < b.length; i++)
    t.throws(() => decodeRequestHeader(b.subarray(0, i)), DecodeError, `truncated at ${i}`);
});

t.test('response header length', async (t) => {
  const flex = Buffer.from([0, 0, 0, 1, 1, 5, 1, 9]);
  t.equal(responseHeaderLength(ApiKey.Metadata, 12, flex), 8, 'correlation id + one tagged field');
  t.equal(responseHeaderLength(ApiKey.Metadata, 1, flex), 4);
});

t.test('response header length of a frame shorter than its correlation id (found by fuzzing)', async (t) => {
  // The codec fuzz target's crash input: a 3-byte DeleteGroups v0 response frame. Header v0 used
  // to be reported as 4 bytes long whatever the frame, a header that ends past the frame's end.
  const short = Buffer.from([0xf7, 0x00, 0x01]);
  t.throws(() => responseHeaderLength(ApiKey.DeleteGroups, 0, short), DecodeError, 'header v0');
  t.throws(() => responseHeaderLength(ApiKey.Metadata, 12, short), DecodeError, 'header v1');
  t.throws(() => responseHeaderLength(ApiKey.Metadata, 1, Buffer.alloc(0)), DecodeError, 'empty frame');
  t.equal(responseHeaderLength(ApiKey.DeleteGroups, 0, Buffer.from([0, 0, 0, 1])), 4, 'exactly the correlation id');
});
