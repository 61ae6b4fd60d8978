// Fuzz target: validateRecordBatches over one Produce partition's record set (the bytes a client
// controls inside a Produce request; the request target reaches it too, but needs a valid request
// around it first).
// Everything after a batch's CRC32C is covered by it, so a mutation there almost always ends at
// the CRC check. A batch whose CRC field is 0 therefore gets its correct CRC filled in before the
// validation (a real CRC of 0 is one in four billion): the fuzzer reaches the checks behind the
// CRC by zeroing four bytes, and still exercises the mismatch with any other value.
// Properties: it succeeds or throws a WardenError (RecordBatchError); a valid set's summary agrees
// with hasTransactionalBatch, which the ACL check runs over validated record sets.
import { crc32c } from '@node-rs/crc32';
import { refusedOr, withAllocationBudget, PropertyError } from './common.mjs';
import {
  validateRecordBatches,
  hasTransactionalBatch,
  BATCH_HEADER_SIZE,
} from '../../../dist/protocol/record-batch.js';

/** Fills in the CRC32C of each batch whose CRC field is 0, walking the batches by their lengths. */
export function fillZeroCrcs(buf) {
  let pos = 0;
  while (pos + BATCH_HEADER_SIZE <= buf.length) {
    const total = buf.readInt32BE(pos + 8) + 12;
    if (total < BATCH_HEADER_SIZE || pos + total > buf.length) return;
    if (buf.readUInt32BE(pos + 17) === 0)
      buf.writeUInt32BE(crc32c(buf.subarray(pos + 21, pos + total)) >>> 0, pos + 17);
    pos += total;
  }
}

export function fuzz(data) {
  const records = Buffer.from(data);
  fillZeroCrcs(records);
  withAllocationBudget(records.length, () => {
    const summary = refusedOr(() => validateRecordBatches(records));
    if (summary === undefined) return;
    if (summary.batches < 1 || summary.batches * BATCH_HEADER_SIZE > records.length)
      throw new PropertyError(`${summary.batches} batches in ${records.length} bytes`);
    if (summary.records < 0) throw new PropertyError(`negative record total ${summary.records}`);
    if (hasTransactionalBatch(records) !== summary.transactional)
      throw new PropertyError('hasTransactionalBatch disagrees with validateRecordBatches');
  });
}
