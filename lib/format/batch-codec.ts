import { CorruptRecordError } from '../errors';
import type { LogRecord } from '../records/log-record';

/**
 * Encoding of one partition's batch inside a segment object.
 *
 * Version 0 is a version byte followed by UTF-8 JSON with base64 bytes: simple and
 * self-describing. Batches carry no absolute offsets: an object is written before its
 * commit assigns offsets, so a batch's base offset lives in its index item. The
 * log-engine work replaces this with a binary, CRC-checked format (version 1); the
 * version byte lets readers tell them apart.
 */
export const BATCH_FORMAT_V0 = 0;

interface JsonRecordV0 {
  k: string | null;
  v: string | null;
  h: [string, string | null][];
  t: number;
}

export function encodeBatch(records: readonly LogRecord[]): Buffer {
  const json: JsonRecordV0[] = records.map((r) => ({
    k: r.key === null ? null : b64(r.key),
    v: r.value === null ? null : b64(r.value),
    h: r.headers.map((h) => [h.key, h.value === null ? null : b64(h.value)]),
    t: r.timestamp,
  }));
  return Buffer.concat([Buffer.from([BATCH_FORMAT_V0]), Buffer.from(JSON.stringify(json), 'utf8')]);
}

export function decodeBatch(bytes: Uint8Array): LogRecord[] {
  if (bytes.byteLength < 1) throw new CorruptRecordError('Batch is empty');
  const version = bytes[0];
  if (version !== BATCH_FORMAT_V0) throw new CorruptRecordError(`Unknown batch format version ${version}`, { version });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1).toString('utf8'));
  } catch {
    throw new CorruptRecordError('Batch is truncated or not valid JSON');
  }
  if (!Array.isArray(parsed)) throw new CorruptRecordError('Batch body is not a list of records');
  return parsed.map((raw: JsonRecordV0) => ({
    key: raw.k === null ? null : fromB64(raw.k),
    value: raw.v === null ? null : fromB64(raw.v),
    headers: raw.h.map(([key, value]) => ({ key, value: value === null ? null : fromB64(value) })),
    timestamp: raw.t,
  }));
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fromB64(text: string): Uint8Array {
  return Buffer.from(text, 'base64');
}
