import { CorruptRecordError } from '../core/errors';
import type { LogRecord, OffsetRecord, RecordHeader } from '../records/log-record';
import { type Compression, compress, decompress } from './compression';
import { crc32c, hex } from './crc32c';
import { ByteReader, ByteWriter, sizeOfVarint, sizeOfVarlong } from './varint';

/**
 * Encoding of one partition's batch inside a segment object: format version 1, after
 * Kafka's RecordBatch v2 (without its partitionLeaderEpoch field). All integers are
 * big-endian; varint/varlong are Kafka's zigzag varints (see varint.ts).
 *
 * ```
 * offset  size  field
 *  0      8     baseOffset int64       always 0: offsets are assigned by the commit after
 *                                      the object is written (the index item holds the
 *                                      real one); kept for Kafka fidelity; not in the CRC
 *  8      4     batchLength int32      bytes after this field
 * 12      1     magic int8 = 1         the format version
 * 13      4     crc uint32             CRC-32C of every byte after this field
 * 17      2     attributes int16       bits 0-2 compression (0 none, 1 gzip, 4 zstd:
 *                                      Kafka's codes), bit 3 timestamp type (0
 *                                      CreateTime, 1 LogAppendTime); other bits 0
 * 19      4     lastOffsetDelta int32  the offset span covered, minus one: recordCount - 1
 *                                      as produced; more after compaction (below)
 * 23      8     firstTimestamp int64   the first record's timestamp (-1 if empty)
 * 31      8     maxTimestamp int64     the largest record timestamp (-1 if empty)
 * 39      8     producerId int64       -1: no producer
 * 47      2     producerEpoch int16    -1: no producer
 * 49      4     baseSequence int32     -1: no producer
 * 53      4     recordCount int32
 * 57      …     records, compressed as a whole when compression is not none; each:
 *                 length varint (bytes after it), attributes int8 = 0,
 *                 timestampDelta varlong (from firstTimestamp; may be negative),
 *                 offsetDelta varint (its index as produced; strictly
 *                 increasing, with holes, after compaction), keyLength varint (-1: null) + key,
 *                 valueLength varint (-1: null) + value, headerCount varint, and per
 *                 header keyLength varint + UTF-8 key, valueLength varint (-1: null) +
 *                 value
 * ```
 *
 * Version 0 (a version byte and JSON) is not readable any more: nothing was deployed
 * with it, so there is no stored data to migrate. A decoder meeting it reports an unknown
 * version, like any other.
 *
 * Decoded keys, values and header values are views of `bytes` (or of the decompressed
 * records), not copies.
 */
export const BATCH_FORMAT_VERSION = 1;

export interface BatchProducer {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface EncodeBatchOptions {
  compression?: Compression;
  producer?: BatchProducer;
  timestampType?: TimestampType;
  /**
   * Each record's offset from the batch's first offset, strictly increasing from 0 or more,
   * for a batch compaction rewrote (it leaves holes). Absent: 0, 1, 2, …
   */
  offsetDeltas?: readonly number[];
  /**
   * The offset span the batch covers, minus one: at least the last offset delta. A
   * compacted batch keeps its range even when its last records are gone (as Kafka's do),
   * and one whose records are all gone still covers its range with none. Absent: the last
   * offset delta (recordCount - 1).
   */
  lastOffsetDelta?: number;
}

export interface BatchHeader {
  version: number;
  batchLength: number;
  compression: Compression;
  timestampType: TimestampType;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producer: BatchProducer | null;
  recordCount: number;
}

/** Bytes before the records: the fixed part of the layout above. */
export const BATCH_HEADER_BYTES = 57;
/** Bytes of baseOffset and batchLength, which `batchLength` does not count. */
export const BATCH_LENGTH_PREFIX_BYTES = 12;

const CRC_OFFSET = 13;
const ATTRIBUTES_OFFSET = 17;
const NO_PRODUCER = -1;
const NO_TIMESTAMP = -1;
const INT32_MAX = 0x7fffffff;

const COMPRESSION_CODES: Record<Compression, number> = { none: 0, gzip: 1, zstd: 4 };
const COMPRESSION_BY_CODE = new Map<number, Compression>([
  [0, 'none'],
  [1, 'gzip'],
  [4, 'zstd'],
]);
const KAFKA_CODEC_NAMES: Record<number, string> = { 2: 'snappy', 3: 'lz4' };
const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_BIT = 0x08;
const KNOWN_ATTRIBUTE_BITS = COMPRESSION_MASK | TIMESTAMP_TYPE_BIT;
/** The least a record can take: length, attributes, timestamp and offset deltas, key and value lengths, header count. */
const MIN_RECORD_BYTES = 7;

export function encodeBatch(records: readonly LogRecord[], options: EncodeBatchOptions = {}): Buffer {
  const compression = options.compression ?? 'none';
  const timestampType = options.timestampType ?? 'CreateTime';
  if (!Object.hasOwn(COMPRESSION_CODES, compression)) throw new RangeError(`Unknown compression '${String(compression)}'`);

  const offsetDeltas = options.offsetDeltas ?? records.map((_, i) => i);
  if (offsetDeltas.length !== records.length) throw new RangeError(`offsetDeltas has ${offsetDeltas.length} entries for ${records.length} records`);
  offsetDeltas.forEach((delta, i) => {
    if (!Number.isSafeInteger(delta) || delta < (i === 0 ? 0 : offsetDeltas[i - 1]! + 1) || delta > INT32_MAX) {
      throw new RangeError(`offsetDeltas[${i}] must be a 32-bit integer above the one before it, got ${delta}`);
    }
  });
  const lastOffsetDelta = options.lastOffsetDelta ?? (records.length === 0 ? -1 : offsetDeltas.at(-1)!);
  if (!Number.isSafeInteger(lastOffsetDelta) || lastOffsetDelta < (offsetDeltas.at(-1) ?? -1) || lastOffsetDelta > INT32_MAX) {
    throw new RangeError(`lastOffsetDelta must be at least the last offset delta, got ${lastOffsetDelta}`);
  }

  let firstTimestamp = NO_TIMESTAMP;
  let maxTimestamp = NO_TIMESTAMP;
  records.forEach((record, i) => {
    if (!Number.isSafeInteger(record.timestamp) || record.timestamp < 0) {
      throw new RangeError(`records[${i}].timestamp must be a non-negative safe integer, got ${record.timestamp}`);
    }
    if (i === 0) firstTimestamp = record.timestamp;
    if (record.timestamp > maxTimestamp) maxTimestamp = record.timestamp;
  });

  // Sizes first (as Kafka does), so each record's length prefix is known before its
  // fields and the records are written once, into a buffer of exactly the right size.
  const sizes = records.map((record, i) => recordBodySize(record, record.timestamp - firstTimestamp, offsetDeltas[i]!));
  const body = new ByteWriter(sizes.reduce((sum, size) => sum + sizeOfVarint(size) + size, 0));
  records.forEach((record, i) => {
    const start = body.varint(sizes[i]!).length;
    writeRecordBody(body, record, record.timestamp - firstTimestamp, offsetDeltas[i]!);
    if (body.length - start !== sizes[i]) throw new Error(`record ${i}: computed ${sizes[i]} bytes, wrote ${body.length - start}`);
  });
  const section = compress(body.view(), compression);

  const out = new ByteWriter(BATCH_HEADER_BYTES + section.byteLength);
  const producer = options.producer;
  out
    .int64(0)
    .int32(BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES + section.byteLength)
    .int8(BATCH_FORMAT_VERSION)
    .uint32(0) // the CRC, set below
    .int16(COMPRESSION_CODES[compression] | (timestampType === 'LogAppendTime' ? TIMESTAMP_TYPE_BIT : 0))
    .int32(lastOffsetDelta)
    .int64(firstTimestamp)
    .int64(maxTimestamp)
    .int64(producer ? nonNegative(producer.producerId, 'producerId') : NO_PRODUCER)
    .int16(producer ? nonNegative(producer.producerEpoch, 'producerEpoch') : NO_PRODUCER)
    .int32(producer ? producer.baseSequence : NO_PRODUCER)
    .int32(records.length)
    .bytes(section);
  const encoded = out.view();
  out.setUint32(CRC_OFFSET, crc32c(encoded.subarray(ATTRIBUTES_OFFSET)));
  return encoded;
}

function nonNegative(value: number, what: string): number {
  if (value < 0) throw new RangeError(`producer.${what} must not be negative, got ${value}`);
  return value;
}

function recordBodySize(record: LogRecord, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta);
  size += nullableBytesSize(record.key) + nullableBytesSize(record.value) + sizeOfVarint(record.headers.length);
  for (const header of record.headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    size += sizeOfVarint(keyBytes) + keyBytes + nullableBytesSize(header.value);
  }
  return size;
}

function nullableBytesSize(bytes: Uint8Array | null): number {
  return bytes === null ? 1 : sizeOfVarint(bytes.byteLength) + bytes.byteLength;
}

function writeRecordBody(writer: ByteWriter, record: LogRecord, timestampDelta: number, offsetDelta: number): void {
  writer.int8(0).varlong(timestampDelta).varint(offsetDelta);
  writeNullableBytes(writer, record.key);
  writeNullableBytes(writer, record.value);
  writer.varint(record.headers.length);
  for (const header of record.headers) {
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    writer.varint(keyBytes).utf8(header.key, keyBytes);
    writeNullableBytes(writer, header.value);
  }
}

function writeNullableBytes(writer: ByteWriter, bytes: Uint8Array | null): void {
  if (bytes === null) writer.varint(-1);
  else writer.varint(bytes.byteLength).bytes(bytes);
}

export function decodeBatch(bytes: Uint8Array): LogRecord[] {
  return decodeBatchWithHeader(bytes).records;
}

/** The batch's records with their offsets, the batch starting at `baseOffset` (the index item's). */
export function decodeBatchAt(bytes: Uint8Array, baseOffset: number): OffsetRecord[] {
  const { records, offsetDeltas } = decodeBatchWithHeader(bytes);
  return records.map((record, i) => ({ ...record, offset: baseOffset + offsetDeltas[i]! }));
}

export function decodeBatchWithHeader(bytes: Uint8Array): { header: BatchHeader; records: LogRecord[]; offsetDeltas: number[] } {
  const reader = new ByteReader(bytes);
  reader.skip(8, 'batch baseOffset'); // not covered by the CRC and not read: the index item holds the offset
  const batchLength = reader.int32('batch batchLength');
  const version = reader.int8('batch magic');
  if (version !== BATCH_FORMAT_VERSION) {
    throw new CorruptRecordError(`Unknown batch format version ${version} (this reader knows version ${BATCH_FORMAT_VERSION})`, { version });
  }
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES) {
    throw new CorruptRecordError(`Batch length ${batchLength} is shorter than the ${BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES}-byte header it must hold`, {
      batchLength,
    });
  }
  const end = BATCH_LENGTH_PREFIX_BYTES + batchLength;
  if (bytes.byteLength < end) {
    throw new CorruptRecordError(`Batch truncated: batchLength says ${end} bytes in all, only ${bytes.byteLength} present`, {
      batchLength,
      byteLength: bytes.byteLength,
    });
  }
  if (bytes.byteLength > end) {
    throw new CorruptRecordError(`Batch has ${bytes.byteLength - end} bytes after the ${end} its batchLength covers`, {
      batchLength,
      byteLength: bytes.byteLength,
    });
  }
  const expectedCrc = reader.uint32('batch crc');
  const actualCrc = crc32c(bytes.subarray(ATTRIBUTES_OFFSET, end));
  if (actualCrc !== expectedCrc) {
    throw new CorruptRecordError(`Batch CRC-32C mismatch: expected ${hex(expectedCrc)}, computed ${hex(actualCrc)}`, {
      expectedCrc: hex(expectedCrc),
      actualCrc: hex(actualCrc),
    });
  }

  const attributes = reader.int16('batch attributes');
  const compressionCode = attributes & COMPRESSION_MASK;
  const compression = COMPRESSION_BY_CODE.get(compressionCode);
  if (compression === undefined) {
    const name = KAFKA_CODEC_NAMES[compressionCode];
    throw new CorruptRecordError(`Unknown compression code ${compressionCode}${name ? ` (Kafka's ${name}, not supported)` : ''}`, {
      compressionCode,
    });
  }
  if ((attributes & ~KNOWN_ATTRIBUTE_BITS) !== 0) {
    throw new CorruptRecordError(`Batch attributes 0x${(attributes & 0xffff).toString(16)} set bits this reader does not know (transactional or control batches are not supported)`, {
      attributes,
    });
  }
  const lastOffsetDelta = reader.int32('batch lastOffsetDelta');
  const firstTimestamp = reader.int64('batch firstTimestamp');
  const maxTimestamp = reader.int64('batch maxTimestamp');
  const producerId = reader.int64('batch producerId');
  const producerEpoch = reader.int16('batch producerEpoch');
  const baseSequence = reader.int32('batch baseSequence');
  const recordCount = reader.int32('batch recordCount');
  if (recordCount < 0) throw new CorruptRecordError(`Batch record count ${recordCount} is negative`, { recordCount });
  if (lastOffsetDelta < recordCount - 1) {
    throw new CorruptRecordError(`Batch lastOffsetDelta ${lastOffsetDelta} is below its record count ${recordCount} less one`, {
      lastOffsetDelta,
      recordCount,
    });
  }

  const section = decompress(bytes.subarray(BATCH_HEADER_BYTES, end), compression);
  if (recordCount > section.byteLength / MIN_RECORD_BYTES) {
    throw new CorruptRecordError(`Batch says ${recordCount} records but its ${section.byteLength} bytes of records cannot hold that many`, {
      recordCount,
    });
  }
  const { records, offsetDeltas } = readRecords(new ByteReader(section), recordCount, firstTimestamp, lastOffsetDelta);
  return {
    offsetDeltas,
    header: {
      version,
      batchLength,
      compression,
      timestampType: attributes & TIMESTAMP_TYPE_BIT ? 'LogAppendTime' : 'CreateTime',
      lastOffsetDelta,
      firstTimestamp,
      maxTimestamp,
      producer: producerId === NO_PRODUCER ? null : { producerId, producerEpoch, baseSequence },
      recordCount,
    },
    records,
  };
}

function readRecords(section: ByteReader, recordCount: number, firstTimestamp: number, lastOffsetDelta: number): { records: LogRecord[]; offsetDeltas: number[] } {
  const records: LogRecord[] = [];
  const offsetDeltas: number[] = [];
  for (let i = 0; i < recordCount; i++) {
    const length = section.varint(`record ${i} length`);
    if (length < 0 || length > section.remaining) {
      throw new CorruptRecordError(`Record ${i} of ${recordCount} runs past the end of the batch: length ${length}, ${section.remaining} bytes left`, {
        record: i,
      });
    }
    const start = section.position;
    section.int8(`record ${i} attributes`);
    const timestamp = firstTimestamp + section.varlong(`record ${i} timestampDelta`);
    const offsetDelta = section.varint(`record ${i} offsetDelta`);
    // Strictly increasing and within the batch's span; holes are compaction's.
    const least = i === 0 ? 0 : offsetDeltas[i - 1]! + 1;
    if (offsetDelta < least || offsetDelta > lastOffsetDelta) {
      throw new CorruptRecordError(`Record ${i} has offsetDelta ${offsetDelta}, outside ${least}..${lastOffsetDelta}`, { record: i, offsetDelta });
    }
    offsetDeltas.push(offsetDelta);
    const key = readNullableBytes(section, `record ${i} key`);
    const value = readNullableBytes(section, `record ${i} value`);
    const headerCount = section.varint(`record ${i} header count`);
    if (headerCount < 0) throw new CorruptRecordError(`Record ${i} has a negative header count ${headerCount}`, { record: i });
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const keyLength = section.varint(`record ${i} header ${h} key length`);
      if (keyLength < 0) throw new CorruptRecordError(`Record ${i} header ${h} has a null key`, { record: i });
      headers.push({
        key: section.utf8(keyLength, `record ${i} header ${h} key`),
        value: readNullableBytes(section, `record ${i} header ${h} value`),
      });
    }
    if (section.position - start !== length) {
      throw new CorruptRecordError(`Record ${i} says ${length} bytes but its fields take ${section.position - start}`, { record: i });
    }
    records.push({ key, value, headers, timestamp });
  }
  if (section.remaining !== 0) {
    throw new CorruptRecordError(`Batch has ${section.remaining} bytes of trailing garbage after its ${recordCount} records (record count mismatch?)`, {
      recordCount,
    });
  }
  return { records, offsetDeltas };
}

function readNullableBytes(reader: ByteReader, what: string): Buffer | null {
  const length = reader.varint(`${what} length`);
  if (length === -1) return null;
  if (length < -1) throw new CorruptRecordError(`${what} has length ${length}`);
  return reader.bytes(length, what);
}
