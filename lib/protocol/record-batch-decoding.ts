import { type Compression, COMPRESSION_CODES, type Decompress } from './batch-compression';
import { ByteReader } from './byte-reader';
import { crc32c, hex } from './crc32c';
import { CorruptRecordError } from './sluice-error';

/**
 * A stored batch, decoded: the server reads them from S3 (lib/format/batch-codec.ts,
 * which also encodes them) and the client from a batches fetch answer
 * (lib/protocol/record-batches.ts), both with this one decoder. It is the contract's
 * because the client checks what the server does not: the CRC-32C, as a Kafka consumer
 * does. Decompression is the runtime's, so the caller hands it in (`Decompress`).
 *
 * The layout: format version 1, after Kafka's RecordBatch v2 (without its
 * partitionLeaderEpoch field). All integers are big-endian; varint/varlong are Kafka's
 * zigzag varints (see byte-reader.ts).
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
 * records), not copies, and of their class: the server's Buffers decode to Buffers.
 * Anything that does not decode is CorruptRecordError.
 */
export const BATCH_FORMAT_VERSION = 1;

/**
 * A record as stored in the log (the server calls it LogRecord, lib/records/log-record.ts).
 * Kafka header values may be null; keys are strings.
 */
export interface StoredRecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface StoredRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: StoredRecordHeader[];
  timestamp: number;
}

/** A record as read back, with the offset its commit assigned. */
export interface StoredOffsetRecord extends StoredRecord {
  offset: number;
}

export interface BatchProducer {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

export type TimestampType = 'CreateTime' | 'LogAppendTime';

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
/** Where the CRC sits, and where the bytes it covers start. */
export const BATCH_CRC_OFFSET = 13;
export const BATCH_ATTRIBUTES_OFFSET = 17;
/** producerId, producerEpoch and baseSequence of a batch without a producer. */
export const NO_PRODUCER = -1;
/** firstTimestamp and maxTimestamp of an empty batch. */
export const NO_TIMESTAMP = -1;
export const TIMESTAMP_TYPE_BIT = 0x08;

const COMPRESSION_BY_CODE = new Map<number, Compression>(Object.entries(COMPRESSION_CODES).map(([name, code]) => [code, name as Compression]));
const KAFKA_CODEC_NAMES: Record<number, string> = { 2: 'snappy', 3: 'lz4' };
const COMPRESSION_MASK = 0x07;
const KNOWN_ATTRIBUTE_BITS = COMPRESSION_MASK | TIMESTAMP_TYPE_BIT;
/** The least a record can take: length, attributes, timestamp and offset deltas, key and value lengths, header count. */
const MIN_RECORD_BYTES = 7;

/** The batch's records with their offsets, the batch starting at `baseOffset` (the index item's, or the answer's first eight bytes). */
export function decodeBatchAt(bytes: Uint8Array, baseOffset: number, decompress: Decompress): StoredOffsetRecord[] {
  const { records, offsetDeltas } = decodeBatchWithHeader(bytes, decompress);
  return records.map((record, i) => ({ ...record, offset: baseOffset + offsetDeltas[i]! }));
}

/** One whole batch (`bytes` holds it and nothing more): its header, its records and each record's offset delta. */
export function decodeBatchWithHeader(bytes: Uint8Array, decompress: Decompress): { header: BatchHeader; records: StoredRecord[]; offsetDeltas: number[] } {
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
  const actualCrc = crc32c(bytes.subarray(BATCH_ATTRIBUTES_OFFSET, end));
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

  const stored = bytes.subarray(BATCH_HEADER_BYTES, end);
  const section = compression === 'none' ? stored : decompress(compression, stored);
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

function readRecords(section: ByteReader, recordCount: number, firstTimestamp: number, lastOffsetDelta: number): { records: StoredRecord[]; offsetDeltas: number[] } {
  const records: StoredRecord[] = [];
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
    const headers: StoredRecordHeader[] = [];
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

function readNullableBytes(reader: ByteReader, what: string): Uint8Array | null {
  const length = reader.varint(`${what} length`);
  if (length === -1) return null;
  if (length < -1) throw new CorruptRecordError(`${what} has length ${length}`);
  return reader.bytes(length, what);
}
