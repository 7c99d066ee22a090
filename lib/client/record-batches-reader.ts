// Node's alone, so this module is loaded on first use and a browser bundle holds a stub
// instead (infra/build-client.ts): the one place in lib/client that imports a node: module.
import * as zlib from 'node:zlib';
import { type Decompress, inflate, type SyncInflate } from '../protocol/batch-compression';
import { BATCH_LENGTH_PREFIX_BYTES, decodeBatchAt } from '../protocol/record-batch-decoding';
import { RECORD_BATCHES_HEADERS } from '../protocol/record-batches';
import { recordView } from '../protocol/record-view';
import { CompressionUnsupportedError, CorruptRecordError, SluiceError } from '../protocol/sluice-error';
import { SluiceApiError } from './sluice-http-client';
import type { Encoding, FetchedRecord, FetchResponse } from './types';

/**
 * A records section inflated with node:zlib, as the server does (lib/format/compression.ts):
 * gzip, and zstd where the runtime has it (Node 22.15 or later; the package runs on Node
 * 20). Looked up through the module object, so an older Node fails on zstd batches only.
 */
const decompressOnNode: Decompress = (compression, data) => {
  const codec = compression === 'gzip' ? zlib.gunzipSync : (zlib as { zstdDecompressSync?: SyncInflate }).zstdDecompressSync;
  if (typeof codec !== 'function') {
    throw new CompressionUnsupportedError('zstd', `node:zlib has no zstdDecompressSync in Node ${process.versions.node} (needs 22.15 or later)`);
  }
  return inflate(compression, data, codec);
};

/** Base64 by Buffer, Node's native encoder: this module runs on Node only. */
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

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
    if (body.byteLength - at < BATCH_LENGTH_PREFIX_BYTES) throw new CorruptRecordError(`A batches answer ends with ${body.byteLength - at} bytes, too few for a batch`);
    const baseOffset = Number(view.getBigInt64(at));
    const end = at + BATCH_LENGTH_PREFIX_BYTES + view.getInt32(at + 8);
    if (end > body.byteLength || end <= at) throw new CorruptRecordError(`A batch at byte ${at} of a batches answer runs past its end`);
    for (const record of decodeBatchAt(body.subarray(at, end), baseOffset, decompressOnNode)) {
      if (record.offset >= from && record.offset < nextOffset) records.push(recordView(record, where.encoding, base64));
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
