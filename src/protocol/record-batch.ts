import { crc32c } from '@node-rs/crc32';
import { RecordBatchError } from './errors.js';

/** Offsets within a v2 record batch (magic 2), per Kafka's DefaultRecordBatch. */
const LENGTH_OFFSET = 8;
const MAGIC_OFFSET = 16;
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;
const PRODUCER_ID_OFFSET = 43;
const RECORDS_COUNT_OFFSET = 57;
/** Size of the batch header: everything before the first record. */
export const BATCH_HEADER_SIZE = 61;
/** Bytes counted by batchLength start after baseOffset and the length itself. */
const LOG_OVERHEAD = 12;

const TRANSACTIONAL_FLAG = 0x10;

export interface BatchSummary {
  batches: number;
  records: number;
  /** True when any batch has the transactional attribute bit. */
  transactional: boolean;
  /** Producer id of the first batch (-1 when none). */
  producerId: bigint;
}

/**
 * Validates the record batches of one Produce partition: magic 2 only (what every supported client
 * sends for Produce v3+), each batch length within the bytes, a non-negative record count, and the
 * CRC32C over attributes..end equal to the header's. Records themselves are not parsed.
 */
export function validateRecordBatches(buf: Buffer): BatchSummary {
  let pos = 0;
  let batches = 0;
  let records = 0;
  let transactional = false;
  let producerId = -1n;
  if (buf.length === 0) throw new RecordBatchError('empty record set');
  while (pos < buf.length) {
    const left = buf.length - pos;
    if (left < BATCH_HEADER_SIZE) throw new RecordBatchError(`truncated record batch header (${left} bytes)`);
    const batchLength = buf.readInt32BE(pos + LENGTH_OFFSET);
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) throw new RecordBatchError(`record batch length ${batchLength} is too small`);
    const total = batchLength + LOG_OVERHEAD;
    if (total > left) throw new RecordBatchError(`record batch length ${batchLength} exceeds the ${left - LOG_OVERHEAD} bytes left`);
    const magic = buf.readInt8(pos + MAGIC_OFFSET);
    if (magic !== 2) throw new RecordBatchError(`record batch magic ${magic} is not supported`);
    const expected = buf.readUInt32BE(pos + CRC_OFFSET);
    const actual = crc32c(buf.subarray(pos + ATTRIBUTES_OFFSET, pos + total)) >>> 0;
    if (expected !== actual) throw new RecordBatchError('record batch CRC32C mismatch');
    const count = buf.readInt32BE(pos + RECORDS_COUNT_OFFSET);
    if (count < 0) throw new RecordBatchError(`record batch has a negative record count ${count}`);
    const attributes = buf.readInt16BE(pos + ATTRIBUTES_OFFSET);
    if ((attributes & TRANSACTIONAL_FLAG) !== 0) transactional = true;
    if (batches === 0) producerId = buf.readBigInt64BE(pos + PRODUCER_ID_OFFSET);
    batches++;
    records += count;
    pos += total;
  }
  return { batches, records, transactional, producerId };
}
