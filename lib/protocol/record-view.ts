import type { StoredOffsetRecord } from './record-batch-decoding';
import type { Encoding } from './requests';
import type { FetchedRecord } from './responses';
import { UndecodableRecordError } from './sluice-error';
import { decodeUtf8 } from './utf8';

/**
 * A stored record as a fetch answers it (`FetchedRecord`), rendered where the bytes are:
 * by the server for its JSON answer, by the client from a batches answer. The base64
 * encoder is the caller's, the runtime's fastest (Buffer on Node), since the contract
 * has none of its own.
 */
export type Base64Encoder = (bytes: Uint8Array) => string;

/** Renders a stored record for a response; `utf8` refuses bytes that are not UTF-8 rather than mangling them. */
export function recordView(record: StoredOffsetRecord, encoding: Encoding, base64: Base64Encoder): FetchedRecord {
  const render = (bytes: Uint8Array | null, what: string): string | null => {
    if (bytes === null) return null;
    if (encoding === 'base64') return base64(bytes);
    try {
      return decodeUtf8(bytes);
    } catch {
      throw notUtf8(record.offset, what);
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

/** The refusal of a record's key, value or header (`what`) that is not UTF-8 under `encoding=utf8`. */
export function notUtf8(offset: number, what: string): UndecodableRecordError {
  return new UndecodableRecordError(`The ${what} of the record at offset ${offset} is not UTF-8; fetch with encoding=base64`, { offset });
}
