import { ValidationError } from '../core/errors';
import { LIMITS } from '../protocol/limits';
import type { IncomingRecord } from '../records/record-encoding';
import type { OffsetRecord } from '../records/log-record';

/**
 * How a stream's bytes sit in the log (docs/design.md, "Durable Streams"): a JSON
 * stream keeps one record per message, so offsets fall on message boundaries and a read
 * answers whole messages; any other stream keeps one record per append (a larger one
 * split at the record size limit), so a read answers the appends' bytes concatenated.
 */

/** The records of one append's body. A JSON array is one level of messages (protocol 9.1.2); `[]` is refused on append, allowed on create. */
export function recordsOfBody(body: Uint8Array, json: boolean, purpose: 'create' | 'append'): IncomingRecord[] {
  if (body.byteLength === 0) return [];
  if (!json) {
    const records: IncomingRecord[] = [];
    for (let at = 0; at < body.byteLength; at += LIMITS.recordValueMaxBytes) {
      records.push({ key: null, value: body.subarray(at, at + LIMITS.recordValueMaxBytes), headers: [] });
    }
    return records;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    throw new ValidationError(`body: not valid JSON (${(error as Error).message})`, { field: 'body' });
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  if (messages.length === 0 && purpose === 'append') throw new ValidationError('body: an empty JSON array appends nothing; send at least one message', { field: 'body' });
  return messages.map((message) => {
    const value = Buffer.from(JSON.stringify(message));
    if (value.byteLength > LIMITS.recordValueMaxBytes) {
      throw new ValidationError(`body: a JSON message must be at most ${LIMITS.recordValueMaxBytes} bytes`, { field: 'body', limit: LIMITS.recordValueMaxBytes });
    }
    return { key: null, value, headers: [] };
  });
}

/** A read's body: a JSON array of the messages, or the bytes one after another. */
export function bodyOfRecords(records: readonly OffsetRecord[], json: boolean): Buffer {
  if (json) return Buffer.from(`[${records.map((r) => Buffer.from(r.value ?? new Uint8Array()).toString('utf8')).join(',')}]`);
  return Buffer.concat(records.map((r) => r.value ?? new Uint8Array()));
}
