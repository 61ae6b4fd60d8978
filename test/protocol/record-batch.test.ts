import t from 'tap';
import { validateRecordBatches } from '../../src/protocol/record-batch.js';
import { RecordBatchError } from '../../src/protocol/errors.js';
import { recordBatch } from '../helpers/raw-client.js';

t.test('valid batches pass, with counts', async (t) => {
  const a = await recordBatch([Buffer.from('one'), Buffer.from('two')]);
  const b = await recordBatch([Buffer.from('three')]);
  const s = validateRecordBatches(Buffer.concat([a, b]));
  t.same([s.batches, s.records, s.transactional], [2, 3, false]);
});

t.test('corrupt batches are refused', async (t) => {
  const good = await recordBatch([Buffer.from('hello world')]);
  const flip = Buffer.from(good);
  flip[flip.length - 3]! ^= 0xff;
  t.throws(() => validateRecordBatches(flip), { code: 'WARDEN_ERR_RECORD_BATCH', message: /CRC32C/ });
  const magic = Buffer.from(good);
  magic[16] = 1;
  t.throws(() => validateRecordBatches(magic), /magic 1/);
  const long = Buffer.from(good);
  long.writeInt32BE(long.readInt32BE(8) + 1, 8);
  t.throws(() => validateRecordBatches(long), /exceeds/);
  const short = Buffer.from(good);
  short.writeInt32BE(10, 8);
  t.throws(() => validateRecordBatches(short), /too small/);
  t.throws(() => validateRecordBatches(Buffer.alloc(0)), RecordBatchError);
  for (let cut = 1; cut < good.length; cut++) {
    t.throws(() => validateRecordBatches(good.subarray(0, cut)), RecordBatchError, `truncated at ${cut}`);
  }
  // A valid batch followed by garbage.
  t.throws(() => validateRecordBatches(Buffer.concat([good, Buffer.alloc(5)])), RecordBatchError);
});
