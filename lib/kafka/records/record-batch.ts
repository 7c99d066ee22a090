import { crc32c, hex } from '../../format/crc32c';
import { MAX_DECOMPRESSED_BYTES } from '../../format/compression';
import { KafkaDecodeError } from '../wire/decode-error';
import { KafkaReader } from '../wire/reader';
import { KafkaWriter } from '../wire/writer';
import { compressionId, compressionOfId, compressRecords, decompressRecords, type KafkaCompression } from './compression';

/**
 * Kafka's RecordBatch, magic 2 (kafka.apache.org/documentation, "Record Batch"): what
 * the RECORDS fields of Produce and Fetch hold, one batch after another.
 *
 * ```
 * baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 (2)
 * crc uint32 (CRC-32C of attributes..end) | attributes int16 | lastOffsetDelta int32
 * baseTimestamp int64 | maxTimestamp int64 | producerId int64 | producerEpoch int16
 * baseSequence int32 | records count int32 | records (compressed as a whole if so)
 * ```
 *
 * attributes: bits 0-2 compression, bit 3 timestamp type (1: LogAppendTime), bit 4
 * transactional, bit 5 control batch. A record: length varint, attributes int8,
 * timestampDelta varlong, offsetDelta varint, key (varint length, -1 null), value
 * (likewise), header count varint, each header a varint-length UTF-8 key and a value.
 *
 * This is Kafka's own layout, not Sluice's stored one (lib/format/batch-codec.ts: magic
 * 1, no partitionLeaderEpoch): the gateway decodes what producers send and encodes what
 * fetchers read. Decoding bounds every length by the bytes there are, checks the CRC
 * before anything else is read, and throws KafkaDecodeError and nothing else.
 */
export type KafkaTimestampType = 'CreateTime' | 'LogAppendTime';

export interface KafkaRecordHeader {
  key: string;
  value: Buffer | null;
}

export interface KafkaRecord {
  /** baseOffset + offsetDelta. */
  offset: number;
  /** baseTimestamp + timestampDelta (ms). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: KafkaRecordHeader[];
}

export interface KafkaRecordBatch {
  baseOffset: number;
  partitionLeaderEpoch: number;
  compression: KafkaCompression;
  timestampType: KafkaTimestampType;
  isTransactional: boolean;
  isControl: boolean;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: KafkaRecord[];
}

export const RECORD_BATCH_MAGIC = 2;
/** Bytes from baseOffset through the records count. */
export const RECORD_BATCH_HEADER_BYTES = 61;
/** baseOffset and batchLength: the bytes batchLength does not count. */
export const RECORD_BATCH_LOG_OVERHEAD = 12;
const MAGIC_AT = 16;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
/** The smallest record: length, attributes, timestampDelta, offsetDelta, key, value, header count. */
const MIN_RECORD_BYTES = 7;

const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;
const INT32_MAX = 0x7fffffff;
/** Kafka's RecordBatch.NO_TIMESTAMP. */
const NO_TIMESTAMP = -1;

export interface DecodeBatchesOptions {
  /** The most bytes one batch's records may decompress to (default lib/format's 64 MiB). */
  maxDecompressedBytes?: number;
  /**
   * A Fetch answer may end with a partial batch (a broker cuts at max_bytes): skip it
   * instead of failing. Produce requests must hold whole batches.
   */
  allowPartialTail?: boolean;
}

/** Every batch in `bytes` (a RECORDS field), in order. */
export function decodeRecordBatches(bytes: Uint8Array, options: DecodeBatchesOptions = {}): KafkaRecordBatch[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const batches: KafkaRecordBatch[] = [];
  let pos = 0;
  while (pos < buffer.length) {
    if (buffer.length - pos < RECORD_BATCH_LOG_OVERHEAD + 5) {
      if (options.allowPartialTail) break;
      throw new KafkaDecodeError('truncated', `a record batch needs at least ${RECORD_BATCH_HEADER_BYTES} bytes, ${buffer.length - pos} remain`, pos);
    }
    const batchLength = buffer.readInt32BE(pos + 8);
    const magic = buffer.readInt8(pos + MAGIC_AT);
    if (magic !== RECORD_BATCH_MAGIC) throw new KafkaDecodeError('unsupported-format', `record batch magic ${magic}: only magic 2 is read`, pos + MAGIC_AT);
    if (batchLength < RECORD_BATCH_HEADER_BYTES - RECORD_BATCH_LOG_OVERHEAD) {
      throw new KafkaDecodeError('invalid-length', `a record batch length of ${batchLength} is below the header's`, pos + 8);
    }
    const end = pos + RECORD_BATCH_LOG_OVERHEAD + batchLength;
    if (end > buffer.length) {
      if (options.allowPartialTail) break;
      throw new KafkaDecodeError('length-exceeds-frame', `a record batch claims ${batchLength} bytes, ${buffer.length - pos - RECORD_BATCH_LOG_OVERHEAD} remain`, pos + 8);
    }
    batches.push(decodeBatch(buffer, pos, end, options.maxDecompressedBytes ?? MAX_DECOMPRESSED_BYTES));
    pos = end;
  }
  return batches;
}

function decodeBatch(buffer: Buffer, start: number, end: number, maxDecompressedBytes: number): KafkaRecordBatch {
  const stored = buffer.readUInt32BE(start + CRC_AT);
  const computed = crc32c(buffer.subarray(start + ATTRIBUTES_AT, end));
  if (stored !== computed) throw new KafkaDecodeError('checksum-mismatch', `record batch CRC ${hex(stored)} does not match its bytes (${hex(computed)})`, start + CRC_AT);

  const header = new KafkaReader(buffer, start, end);
  const baseOffset = safe(header.int64('base offset'), start, 'base offset');
  header.skip(4, 'batch length');
  const partitionLeaderEpoch = header.int32('partition leader epoch');
  header.skip(5, 'magic and crc');
  const attributesAt = header.position;
  const attributes = header.int16('attributes');
  const lastOffsetDelta = header.int32('last offset delta');
  const baseTimestamp = safe(header.int64('base timestamp'), header.position - 8, 'base timestamp');
  const maxTimestamp = safe(header.int64('max timestamp'), header.position - 8, 'max timestamp');
  const producerId = safe(header.int64('producer id'), header.position - 8, 'producer id');
  const producerEpoch = header.int16('producer epoch');
  const baseSequence = header.int32('base sequence');
  const countAt = header.position;
  const count = header.int32('records count');
  const compression = compressionOfId(attributes & 0x07, attributesAt);

  let body: Buffer = buffer.subarray(header.position, end);
  body = decompressRecords(body, compression, maxDecompressedBytes, header.position);
  if (count < 0 || count * MIN_RECORD_BYTES > body.length) {
    throw new KafkaDecodeError('invalid-length', `a record batch claims ${count} records in ${body.length} bytes`, countAt);
  }
  const reader = new KafkaReader(body);
  const records: KafkaRecord[] = [];
  for (let i = 0; i < count; i++) records.push(decodeRecord(reader, body, baseOffset, baseTimestamp));
  if (reader.remaining !== 0) throw new KafkaDecodeError('invalid-length', `${reader.remaining} bytes follow the batch's ${count} records`, countAt);

  return {
    baseOffset,
    partitionLeaderEpoch,
    compression,
    timestampType: attributes & TIMESTAMP_TYPE_BIT ? 'LogAppendTime' : 'CreateTime',
    isTransactional: (attributes & TRANSACTIONAL_BIT) !== 0,
    isControl: (attributes & CONTROL_BIT) !== 0,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    baseSequence,
    records,
  };
}

function decodeRecord(reader: KafkaReader, body: Buffer, baseOffset: number, baseTimestamp: number): KafkaRecord {
  const lengthAt = reader.position;
  const length = reader.varint('record length');
  if (length < MIN_RECORD_BYTES - 1 || length > reader.remaining) {
    throw new KafkaDecodeError(length < 0 ? 'invalid-length' : 'length-exceeds-frame', `a record claims ${length} bytes, ${reader.remaining} remain`, lengthAt);
  }
  const bodyStart = reader.position;
  reader.int8('record attributes');
  const timestampDelta = reader.varlong('timestamp delta');
  const offsetDelta = reader.varint('offset delta');
  const key = varintBytes(reader, body, 'record key');
  const value = varintBytes(reader, body, 'record value');
  const headerCountAt = reader.position;
  const headerCount = reader.varint('header count');
  if (headerCount < 0 || headerCount * 2 > bodyStart + length - reader.position) {
    throw new KafkaDecodeError('invalid-length', `a record claims ${headerCount} headers`, headerCountAt);
  }
  const headers: KafkaRecordHeader[] = [];
  for (let h = 0; h < headerCount; h++) {
    const keyAt = reader.position;
    const headerKey = varintBytes(reader, body, 'header key');
    if (headerKey === null) throw new KafkaDecodeError('invalid-value', 'a header key is null', keyAt);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(headerKey);
    } catch {
      throw new KafkaDecodeError('invalid-utf8', 'a header key is not valid UTF-8', keyAt);
    }
    headers.push({ key: text, value: varintBytes(reader, body, 'header value') });
  }
  if (reader.position !== bodyStart + length) {
    throw new KafkaDecodeError('invalid-length', `a record's length says ${length} bytes, its fields take ${reader.position - bodyStart}`, lengthAt);
  }
  const timestamp = baseTimestamp + safe(timestampDelta, lengthAt, 'timestamp delta');
  if (!Number.isSafeInteger(timestamp)) throw new KafkaDecodeError('invalid-value', 'a record timestamp is out of range', lengthAt);
  return { offset: baseOffset + offsetDelta, timestamp, key, value, headers };
}

/** A varint-length byte string of `body` (which `reader` reads). */
function varintBytes(reader: KafkaReader, body: Buffer, what: string): Buffer | null {
  const at = reader.position;
  const length = reader.varint(what);
  if (length === -1) return null;
  if (length < 0) throw new KafkaDecodeError('invalid-length', `${what} has length ${length}`, at);
  if (length > reader.remaining) throw new KafkaDecodeError('length-exceeds-frame', `${what} claims ${length} bytes, ${reader.remaining} remain`, at);
  const start = reader.position;
  reader.skip(length, what);
  // A copy: the frame's buffer is not kept alive by what the records hold.
  return Buffer.from(body.subarray(start, start + length));
}

function safe(value: bigint, at: number, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new KafkaDecodeError('invalid-value', `${what} ${value} is out of range`, at);
  }
  return Number(value);
}

export interface EncodeBatchInput {
  /**
   * The records, offsets strictly increasing from baseOffset: gaps are allowed, as in a
   * batch compaction rewrote (each record's offsetDelta is its offset less baseOffset).
   * Empty only with baseOffset and lastOffsetDelta given (a batch whose records were all
   * compacted away, which still covers its offsets).
   */
  records: readonly KafkaRecord[];
  /** Defaults to the first record's offset. */
  baseOffset?: number;
  /**
   * The batch's last offset less baseOffset; defaults to the last record's offsetDelta.
   * May be more: a compacted batch keeps its last offset when its last records are gone,
   * and readers move their fetch position to baseOffset + lastOffsetDelta + 1.
   */
  lastOffsetDelta?: number;
  compression?: KafkaCompression;
  timestampType?: KafkaTimestampType;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
}

/**
 * One magic-2 batch holding `records`, CRC included. With no records, both timestamps
 * are -1 (NO_TIMESTAMP, as Kafka's DefaultRecordBatch.writeEmptyHeader writes the base
 * one) and the records count 0.
 */
export function encodeRecordBatch(input: EncodeBatchInput): Buffer {
  const { records } = input;
  if (records.length === 0 && (input.baseOffset === undefined || input.lastOffsetDelta === undefined)) {
    throw new RangeError('a record batch without records needs its baseOffset and lastOffsetDelta');
  }
  const baseOffset = input.baseOffset ?? records[0]!.offset;
  let previousDelta = -1;
  for (const r of records) {
    const delta = r.offset - baseOffset;
    if (!Number.isSafeInteger(delta) || delta <= previousDelta || delta > INT32_MAX) {
      throw new RangeError(`record offset ${r.offset} is not above the one before it within a batch from ${baseOffset}`);
    }
    previousDelta = delta;
  }
  const lastOffsetDelta = input.lastOffsetDelta ?? previousDelta;
  if (!Number.isSafeInteger(lastOffsetDelta) || lastOffsetDelta < Math.max(0, previousDelta) || lastOffsetDelta > INT32_MAX) {
    throw new RangeError(`lastOffsetDelta ${lastOffsetDelta} must be a 32-bit integer at least the last record's offsetDelta (${previousDelta})`);
  }
  const baseTimestamp = records.length === 0 ? NO_TIMESTAMP : Math.min(...records.map((r) => r.timestamp));
  const maxTimestamp = records.length === 0 ? NO_TIMESTAMP : Math.max(...records.map((r) => r.timestamp));
  const body = new KafkaWriter(1024);
  for (const r of records) {
    const record = new KafkaWriter(64);
    record.int8(0).varlong(r.timestamp - baseTimestamp).varint(r.offset - baseOffset);
    writeVarintBytes(record, r.key);
    writeVarintBytes(record, r.value);
    record.varint(r.headers.length);
    for (const h of r.headers) {
      writeVarintBytes(record, Buffer.from(h.key, 'utf8'));
      writeVarintBytes(record, h.value);
    }
    body.varint(record.length).raw(record.view());
  }
  const compression = input.compression ?? 'none';
  const recordsBytes = compressRecords(body.toBuffer(), compression);
  const out = Buffer.alloc(RECORD_BATCH_HEADER_BYTES + recordsBytes.length);
  out.writeBigInt64BE(BigInt(baseOffset), 0);
  out.writeInt32BE(out.length - RECORD_BATCH_LOG_OVERHEAD, 8);
  out.writeInt32BE(input.partitionLeaderEpoch ?? -1, 12);
  out.writeInt8(RECORD_BATCH_MAGIC, MAGIC_AT);
  let attributes = compressionId(compression);
  if (input.timestampType === 'LogAppendTime') attributes |= TIMESTAMP_TYPE_BIT;
  if (input.isTransactional) attributes |= TRANSACTIONAL_BIT;
  out.writeInt16BE(attributes, ATTRIBUTES_AT);
  out.writeInt32BE(lastOffsetDelta, 23);
  out.writeBigInt64BE(BigInt(baseTimestamp), 27);
  out.writeBigInt64BE(BigInt(maxTimestamp), 35);
  out.writeBigInt64BE(BigInt(input.producerId ?? -1), 43);
  out.writeInt16BE(input.producerEpoch ?? -1, 51);
  out.writeInt32BE(input.baseSequence ?? -1, 53);
  out.writeInt32BE(records.length, 57);
  recordsBytes.copy(out, RECORD_BATCH_HEADER_BYTES);
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_AT)), CRC_AT);
  return out;
}

function writeVarintBytes(writer: KafkaWriter, bytes: Uint8Array | null): void {
  if (bytes === null) writer.varint(-1);
  else writer.varint(bytes.byteLength).raw(bytes);
}
