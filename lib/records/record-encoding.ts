import { ValidationError } from '../core/errors';
import { decodeUtf8 } from '../format/utf8';
import { LIMITS } from '../protocol/limits';
import { notUtf8, recordView as renderRecord } from '../protocol/record-view';
import type { OffsetRecord, RecordHeader } from './log-record';
import type { Encoding, ProduceRequest } from '../protocol/requests';
import type { FetchedRecord } from '../protocol/responses';

/** A record from a produce request, decoded to bytes but not yet placed in a partition. */
export interface IncomingRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  partition?: number;
  timestamp?: number;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeText(text: string, encoding: Encoding, field: string | (() => string)): Uint8Array {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  const bytes = Buffer.from(text, 'base64');
  // Text that encoding its own bytes gives back is valid base64: two native passes, where the
  // pattern alone took longer than decoding, encoding and writing a 1,000-record call together.
  // The pattern still judges the rest (valid, but with non-zero padding bits).
  if (bytes.toString('base64') !== text && !BASE64.test(text)) {
    const name = typeof field === 'string' ? field : field();
    throw new ValidationError(`${name}: is not valid base64`, { field: name });
  }
  return bytes;
}

function decodeField(text: string, encoding: Encoding, i: number, name: 'key' | 'value'): Uint8Array {
  return encoding === 'utf8' ? Buffer.from(text, 'utf8') : decodeText(text, encoding, () => `records[${i}].${name}`);
}

/** Decodes and size-checks every record of a produce request. */
export function incomingRecords(request: ProduceRequest): IncomingRecord[] {
  return request.records.map((record, i) => {
    // Field names are built only for an error: on a 1,000-record call they were thousands of strings.
    const key = record.key == null ? null : decodeField(record.key, request.encoding, i, 'key');
    const value = record.value === null ? null : decodeField(record.value, request.encoding, i, 'value');
    if (key && key.byteLength > LIMITS.recordKeyMaxBytes) {
      throw new ValidationError(`records[${i}].key: must be at most ${LIMITS.recordKeyMaxBytes} bytes`, { field: `records[${i}].key`, limit: LIMITS.recordKeyMaxBytes });
    }
    if (value && value.byteLength > LIMITS.recordValueMaxBytes) {
      throw new ValidationError(`records[${i}].value: must be at most ${LIMITS.recordValueMaxBytes} bytes`, {
        field: `records[${i}].value`,
        limit: LIMITS.recordValueMaxBytes,
      });
    }
    const headers = record.headers
      ? record.headers.map((h, j) => ({
          key: h.key,
          value: h.value === null ? null : decodeText(h.value, request.encoding, () => `records[${i}].headers[${j}].value`),
        }))
      : [];
    return { key, value, headers, partition: record.partition, timestamp: record.timestamp };
  });
}

/** Renders a stored record for a response (lib/protocol/record-view.ts); `utf8` refuses bytes that are not UTF-8 rather than mangling them. */
export function recordView(record: OffsetRecord, encoding: Encoding): FetchedRecord {
  return renderRecord(record, encoding, base64Of);
}

/** Base64 of a view without copying its bytes first. */
function base64Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** What JSON.stringify would escape in a string: quotes, backslashes, control characters, and surrogates (lone ones are escaped; any sends the string the slow way). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * Exactly `JSON.stringify(records.map((r) => recordView(r, encoding)))`, two to three
 * times faster for a fetch's worth of records: JSON.stringify scans every character of
 * every value for escapes, while base64 never needs one and most UTF-8 text has none
 * (a regular-expression test finds out far faster). Refuses what recordView refuses.
 */
export function recordsJson(records: readonly OffsetRecord[], encoding: Encoding): string {
  const text = (bytes: Uint8Array | null, offset: number, what: string): string => {
    if (bytes === null) return 'null';
    if (encoding === 'base64') return `"${base64Of(bytes)}"`;
    try {
      return jsonString(decodeUtf8(bytes));
    } catch {
      throw notUtf8(offset, what);
    }
  };
  const parts = records.map((r) => {
    // In recordView's order, so the same field is named when several are not UTF-8.
    const key = text(r.key, r.offset, 'key');
    const value = text(r.value, r.offset, 'value');
    const headers = r.headers.map((h) => `{"key":${jsonString(h.key)},"value":${text(h.value, r.offset, `header '${h.key}'`)}}`);
    return `{"offset":${r.offset},"timestamp":${r.timestamp},"key":${key},"value":${value},"headers":[${headers.join(',')}]}`;
  });
  return `[${parts.join(',')}]`;
}
