import { crc32c } from '@node-rs/crc32';
import { RecordBatchError } from './errors.js';
import { Writer } from './writer.js';

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
    if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD)
      throw new RecordBatchError(`record batch length ${batchLength} is too small`);
    const total = batchLength + LOG_OVERHEAD;
    if (total > left)
      throw new RecordBatchError(`record batch length ${batchLength} exceeds the ${left - LOG_OVERHEAD} bytes left`);
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

/** One record to encode: a key (or null) and a value. */
export interface RecordInput {
  key: Buffer | null;
  value: Buffer;
}

/**
 * Encodes records as one uncompressed magic-2 record batch (Kafka's DefaultRecordBatch): no
 * producer id, no headers, offsets and timestamps as deltas from the first record.
 */
export function encodeRecordBatch(records: readonly RecordInput[], timestampMs = Date.now()): Buffer {
  if (records.length === 0) throw new RecordBatchError('a record batch needs at least one record');
  const w = new Writer(BATCH_HEADER_SIZE + records.reduce((n, r) => n + r.value.length + (r.key?.length ?? 0) + 16, 0));
  w.int64(0n); // base offset: the broker assigns offsets
  w.int32(0); // batch length, patched below
  w.int32(-1); // partition leader epoch
  w.int8(2); // magic
  w.uint32(0); // CRC32C, patched below
  w.int16(0); // attributes: no compression, create time, not transactional
  w.int32(records.length - 1); // last offset delta
  w.int64(BigInt(timestampMs)); // base timestamp
  w.int64(BigInt(timestampMs)); // max timestamp
  w.int64(-1n); // producer id
  w.int16(-1); // producer epoch
  w.int32(-1); // base sequence
  w.int32(records.length);
  records.forEach((r, i) => {
    const body = new Writer(r.value.length + (r.key?.length ?? 0) + 16);
    body.int8(0); // record attributes
    body.varint(0); // timestamp delta
    body.varint(i); // offset delta
    if (r.key === null) body.varint(-1);
    else {
      body.varint(r.key.length);
      body.raw(r.key);
    }
    body.varint(r.value.length);
    body.raw(r.value);
    body.varint(0); // headers
    const rec = body.finish();
    w.varint(rec.length);
    w.raw(rec);
  });
  const buf = Buffer.from(w.finish());
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, LENGTH_OFFSET);
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES_OFFSET)) >>> 0, CRC_OFFSET);
  return buf;
}

/** True when any batch of an already validated record set has the transactional attribute bit. */
export function hasTransactionalBatch(buf: Buffer): boolean {
  let pos = 0;
  while (pos + BATCH_HEADER_SIZE <= buf.length) {
    if ((buf.readInt16BE(pos + ATTRIBUTES_OFFSET) & TRANSACTIONAL_FLAG) !== 0) return true;
    pos += LOG_OVERHEAD + buf.readInt32BE(pos + LENGTH_OFFSET);
  }
  return false;
}
