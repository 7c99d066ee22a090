/** A record as stored in the log. Kafka header values may be null; keys are strings. */
export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface LogRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  timestamp: number;
}

/** A record as read back, with the offset its commit assigned. */
export interface OffsetRecord extends LogRecord {
  offset: number;
}

/** Bytes a record counts toward fetch `maxBytes`: key, value and headers. */
export function recordSize(record: LogRecord): number {
  let size = (record.key?.byteLength ?? 0) + (record.value?.byteLength ?? 0);
  for (const header of record.headers) size += Buffer.byteLength(header.key) + (header.value?.byteLength ?? 0);
  return size;
}
