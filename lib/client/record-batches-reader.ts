import { SluiceError } from '../core/errors';
import { SluiceApiError } from './sluice-http-client';
import { decodeBatchAt } from '../format/batch-codec';
import { recordView } from '../records/record-encoding';
import { RECORD_BATCHES_HEADERS } from '../protocol/record-batches';
import type { Encoding, FetchedRecord, FetchResponse } from './types';

/** Base offset (8 bytes) and batch length (4): what a batch's size is read from. */
const LENGTH_PREFIX_BYTES = 12;

/**
 * A batches answer (lib/protocol/record-batches.ts) as the JSON answer would have been:
 * each batch decoded and its CRC-32C checked here, as a Kafka consumer does, and only the
 * records from `from` up to the answer's `nextOffset` kept. A batch that does not decode
 * throws CORRUPT_RECORD; `utf8` refuses records that are not UTF-8 (UNDECODABLE_RECORD),
 * as the server's JSON answer does.
 */
export function fetchResponseFromBatches(body: Uint8Array, headers: Headers, where: { topic: string; partition: number; from?: number; encoding: Encoding }): FetchResponse {
  try {
    return decodeAnswer(body, headers, where);
  } catch (error) {
    // The answer came (200), but what it holds cannot be read: the server's error for the same finding.
    if (error instanceof SluiceError) throw new SluiceApiError(200, error.code, error.message, error.retriable, error.details);
    throw error;
  }
}

function decodeAnswer(body: Uint8Array, headers: Headers, where: { topic: string; partition: number; from?: number; encoding: Encoding }): FetchResponse {
  const number = (name: string) => {
    const text = headers.get(name);
    const value = text === null || !/^\d+$/.test(text) ? NaN : Number(text);
    if (!Number.isSafeInteger(value)) throw new SluiceApiError(200, 'INVALID_RESPONSE', `A batches answer's ${name} header is not an offset: ${headers.get(name)}`, false);
    return value;
  };
  const nextOffset = number(RECORD_BATCHES_HEADERS.nextOffset);
  const highWatermark = number(RECORD_BATCHES_HEADERS.highWatermark);
  const logStartOffset = number(RECORD_BATCHES_HEADERS.logStartOffset);
  const from = where.from ?? logStartOffset;
  const records: FetchedRecord[] = [];
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let at = 0; at < body.byteLength; ) {
    if (body.byteLength - at < LENGTH_PREFIX_BYTES) throw new SluiceError('CORRUPT_RECORD', `A batches answer ends with ${body.byteLength - at} bytes, too few for a batch`);
    const baseOffset = Number(view.getBigInt64(at));
    const end = at + LENGTH_PREFIX_BYTES + view.getInt32(at + 8);
    if (end > body.byteLength || end <= at) throw new SluiceError('CORRUPT_RECORD', `A batch at byte ${at} of a batches answer runs past its end`);
    for (const record of decodeBatchAt(body.subarray(at, end), baseOffset)) {
      if (record.offset >= from && record.offset < nextOffset) records.push(recordView(record, where.encoding));
    }
    at = end;
  }
  return {
    topic: where.topic,
    partition: where.partition,
    encoding: where.encoding,
    records,
    nextOffset,
    highWatermark,
    logStartOffset,
    ...(headers.get(RECORD_BATCHES_HEADERS.closed) === 'true' && { closed: true as const }),
  };
}
