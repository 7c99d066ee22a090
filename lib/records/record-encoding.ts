import { UndecodableRecordError, ValidationError } from '../core/errors';
import { decodeUtf8 } from '../format/utf8';
import { LIMITS } from '../protocol/limits';
import type { OffsetRecord, RecordHeader } from './log-record';
import type { Encoding, ProduceRequest } from '../protocol/requests';

/** A record from a produce request, decoded to bytes but not yet placed in a partition. */
export interface IncomingRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  partition?: number;
  timestamp?: number;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeText(text: string, encoding: Encoding, field: string): Uint8Array {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  if (!BASE64.test(text)) throw new ValidationError(`${field}: is not valid base64`, { field });
  return Buffer.from(text, 'base64');
}

/** Decodes and size-checks every record of a produce request. */
export function incomingRecords(request: ProduceRequest): IncomingRecord[] {
  return request.records.map((record, i) => {
    const at = `records[${i}]`;
    const key = record.key == null ? null : decodeText(record.key, request.encoding, `${at}.key`);
    const value = record.value === null ? null : decodeText(record.value, request.encoding, `${at}.value`);
    if (key && key.byteLength > LIMITS.recordKeyMaxBytes) {
      throw new ValidationError(`${at}.key: must be at most ${LIMITS.recordKeyMaxBytes} bytes`, { field: `${at}.key`, limit: LIMITS.recordKeyMaxBytes });
    }
    if (value && value.byteLength > LIMITS.recordValueMaxBytes) {
      throw new ValidationError(`${at}.value: must be at most ${LIMITS.recordValueMaxBytes} bytes`, {
        field: `${at}.value`,
        limit: LIMITS.recordValueMaxBytes,
      });
    }
    const headers = (record.headers ?? []).map((h, j) => ({
      key: h.key,
      value: h.value === null ? null : decodeText(h.value, request.encoding, `${at}.headers[${j}].value`),
    }));
    return { key, value, headers, partition: record.partition, timestamp: record.timestamp };
  });
}

export interface RecordView {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

/** Renders a stored record for a response; `utf8` refuses bytes that are not UTF-8 rather than mangling them. */
export function recordView(record: OffsetRecord, encoding: Encoding): RecordView {
  const render = (bytes: Uint8Array | null, what: string): string | null => {
    if (bytes === null) return null;
    if (encoding === 'base64') return Buffer.from(bytes).toString('base64');
    try {
      return decodeUtf8(bytes);
    } catch {
      throw new UndecodableRecordError(`The ${what} of the record at offset ${record.offset} is not UTF-8; fetch with encoding=base64`, {
        offset: record.offset,
      });
    }
  };
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    key: render(record.key, 'key'),
    value: render(record.value, 'value'),
    headers: record.headers.map((h) => ({ key: h.key, value: render(h.value, `header '${h.key}'`) })),
  };
}
