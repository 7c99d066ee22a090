import { COMPRESSION_CODES, type Decompress } from '../protocol/batch-compression';
import {
  BATCH_ATTRIBUTES_OFFSET,
  BATCH_CRC_OFFSET,
  BATCH_FORMAT_VERSION,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_PREFIX_BYTES,
  type BatchHeader,
  type BatchProducer,
  decodeBatchAt as decodeContractBatchAt,
  decodeBatchWithHeader as decodeContractBatch,
  NO_PRODUCER,
  NO_TIMESTAMP,
  TIMESTAMP_TYPE_BIT,
  type TimestampType,
} from '../protocol/record-batch-decoding';
import type { LogRecord, OffsetRecord } from '../records/log-record';
import { type Compression, compress, decompress } from './compression';
import { crc32c } from './crc32c';
import { ByteWriter, sizeOfVarint, sizeOfVarlong } from './varint';

/**
 * One partition's batch inside a segment object: its encoder, on the produce path
 * (Buffer-based), and the server's entry to the decoder, which is the contract's
 * (lib/protocol/record-batch-decoding.ts, which gives the layout) because the client
 * decodes batches too; here it decompresses with node:zlib and answers Buffers.
 */
export {
  BATCH_FORMAT_VERSION,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_PREFIX_BYTES,
  type BatchHeader,
  type BatchProducer,
  type TimestampType,
} from '../protocol/record-batch-decoding';

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

const INT32_MAX = 0x7fffffff;

export function encodeBatch(records: readonly LogRecord[], options: EncodeBatchOptions = {}): Buffer {
  const plan = planBatch(records, options);
  const out = new ByteWriter(plan.byteLength);
  plan.writeTo(out);
  return out.view();
}

/** A batch checked and sized, to be written where its caller puts it (a segment object writes its batches in place rather than copying them in). */
export interface PlannedBatch {
  byteLength: number;
  /** Writes the batch at the writer's position: exactly `byteLength` bytes, checksum included. */
  writeTo(out: ByteWriter): void;
}

/** Everything `encodeBatch` checks, checked now (so a bad batch throws here, as encodeBatch would); the bytes are written by `writeTo`. */
export function planBatch(records: readonly LogRecord[], options: EncodeBatchOptions = {}): PlannedBatch {
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
  const bodyBytes = sizes.reduce((sum, size) => sum + sizeOfVarint(size) + size, 0);
  const writeRecords = (writer: ByteWriter): void => {
    records.forEach((record, i) => {
      const start = writer.varint(sizes[i]!).length;
      writeRecordBody(writer, record, record.timestamp - firstTimestamp, offsetDeltas[i]!);
      if (writer.length - start !== sizes[i]) throw new Error(`record ${i}: computed ${sizes[i]} bytes, wrote ${writer.length - start}`);
    });
  };
  const writeHeader = (out: ByteWriter, sectionBytes: number): ByteWriter => {
    const producer = options.producer;
    return out
      .int64(0)
      .int32(BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES + sectionBytes)
      .int8(BATCH_FORMAT_VERSION)
      .uint32(0) // the CRC, set below
      .int16(COMPRESSION_CODES[compression] | (timestampType === 'LogAppendTime' ? TIMESTAMP_TYPE_BIT : 0))
      .int32(lastOffsetDelta)
      .int64(firstTimestamp)
      .int64(maxTimestamp)
      .int64(producer ? nonNegative(producer.producerId, 'producerId') : NO_PRODUCER)
      .int16(producer ? nonNegative(producer.producerEpoch, 'producerEpoch') : NO_PRODUCER)
      .int32(producer ? producer.baseSequence : NO_PRODUCER)
      .int32(records.length);
  };

  const finish = (out: ByteWriter, start: number): void => {
    out.setUint32(start + BATCH_CRC_OFFSET, crc32c(out.view().subarray(start + BATCH_ATTRIBUTES_OFFSET)));
  };
  if (compression === 'none') {
    // Uncompressed, the records section is the records themselves: written in place after
    // the header rather than copied there (a megabyte on a 1,000-record call). The header is
    // written (and so checked) now, into its own few bytes.
    const header = writeHeader(new ByteWriter(BATCH_HEADER_BYTES), bodyBytes).view();
    return {
      byteLength: BATCH_HEADER_BYTES + bodyBytes,
      writeTo(out) {
        const start = out.length;
        out.bytes(header);
        writeRecords(out);
        finish(out, start);
      },
    };
  }
  const body = new ByteWriter(bodyBytes);
  writeRecords(body);
  const section = compress(body.view(), compression);
  const header = writeHeader(new ByteWriter(BATCH_HEADER_BYTES), section.byteLength).view();
  return {
    byteLength: BATCH_HEADER_BYTES + section.byteLength,
    writeTo(out) {
      const start = out.length;
      out.bytes(header).bytes(section);
      finish(out, start);
    },
  };
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

/** Decompresses a records section with node:zlib (lib/format/compression.ts). */
const decompressOnNode: Decompress = (compression, data) => decompress(data, compression);

/** A Buffer over the same bytes, so decoded keys, values and header values are Buffer views, as the server's callers take them. */
const asBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

export function decodeBatch(bytes: Uint8Array): LogRecord[] {
  return decodeBatchWithHeader(bytes).records;
}

/** The batch's records with their offsets, the batch starting at `baseOffset` (the index item's). */
export function decodeBatchAt(bytes: Uint8Array, baseOffset: number): OffsetRecord[] {
  return decodeContractBatchAt(asBuffer(bytes), baseOffset, decompressOnNode);
}

export function decodeBatchWithHeader(bytes: Uint8Array): { header: BatchHeader; records: LogRecord[]; offsetDeltas: number[] } {
  return decodeContractBatch(asBuffer(bytes), decompressOnNode);
}
