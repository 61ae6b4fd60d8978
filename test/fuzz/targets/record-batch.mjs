// Fuzz target: validateRecordBatches over one Produce partition's record set (the bytes a client
// controls inside a Produce request; the request target reaches it too, but needs a valid request
// around it first). libFuzzer's comparison feedback gets it past the CRC32C check.
// Properties: it succeeds or throws a WardenError (RecordBatchError); a valid set's summary agrees
// with hasTransactionalBatch, which the ACL check runs over validated record sets.
import { refusedOr, withAllocationBudget, PropertyError } from './common.mjs';
import { validateRecordBatches, hasTransactionalBatch, BATCH_HEADER_SIZE } from '../../../dist/protocol/record-batch.js';

export function fuzz(data) {
  const records = Buffer.from(data);
  withAllocationBudget(records.length, () => {
    const summary = refusedOr(() => validateRecordBatches(records));
    if (summary === undefined) return;
    if (summary.batches < 1 || summary.batches * BATCH_HEADER_SIZE > records.length) throw new PropertyError(`${summary.batches} batches in ${records.length} bytes`);
    if (summary.records < 0) throw new PropertyError(`negative record total ${summary.records}`);
    if (hasTransactionalBatch(records) !== summary.transactional) throw new PropertyError('hasTransactionalBatch disagrees with validateRecordBatches');
  });
}
