import type { StoredRecord } from '../protocol/record-batch-decoding';

// The record types are the contract's: the client decodes stored batches into them too.
export type {
  StoredOffsetRecord as OffsetRecord,
  StoredRecord as LogRecord,
  StoredRecordHeader as RecordHeader,
} from '../protocol/record-batch-decoding';

/** Bytes a record counts toward fetch `maxBytes`: key, value and headers. */
export function recordSize(record: StoredRecord): number {
  let size = (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0);
  for (const header of record.headers) size += Buffer.byteLength(header.key) + (header.value?.byteLength ?? 0);
  return size;
}
