import { CorruptRecordError } from '../core/errors';
import type { LogRecord, OffsetRecord } from '../records/log-record';
import { type BatchProducer, type PlannedBatch, type TimestampType, planBatch } from './batch-codec';
import type { Compression } from './compression';
import { crc32c, hex } from './crc32c';
import { ByteReader, ByteWriter } from './varint';

/**
 * A segment object holds the batches of every partition one produce call touches,
 * back to back, then a footer index of them. The commit records each batch's byte
 * range, so a fetch reads only the bytes of its own partition with a ranged GET and
 * decodes them with `decodeBatch`; the footer lets a reader that has only the object
 * (the orphan collector, a compactor, a repair tool) find its batches without DynamoDB.
 * All integers are big-endian.
 *
 * ```
 * object  = "SLCO" (4 bytes) · objectVersion int8 = 1 · batch* · index · trailer
 * index   = indexVersion int8 = 1 · topicIdLength int16 · topicId (UTF-8)
 *           · entryCount int32 · entry*
 * entry   = partition int32 · byteStart int64 · byteLength int32 · recordCount int32
 *           · firstTimestamp int64 · maxTimestamp int64                    (36 bytes)
 * trailer = indexLength int32 · indexCrc uint32 (CRC-32C of the index) · "SLCI"
 *                                                                          (12 bytes)
 * ```
 *
 * `byteStart` counts from the start of the object, so an entry is exactly the range the
 * commit stores. A reader without the whole object fetches the last
 * SEGMENT_TRAILER_BYTES (or any larger suffix), `parseSegmentTrailer`, then the
 * `indexLength` bytes before the trailer, `parseSegmentIndex`.
 */
export const SEGMENT_OBJECT_MAGIC = 'SLCO';
export const SEGMENT_INDEX_MAGIC = 'SLCI';
export const SEGMENT_OBJECT_VERSION = 1;
export const SEGMENT_INDEX_VERSION = 1;
/** Bytes before the first batch: magic and objectVersion. */
export const SEGMENT_HEADER_BYTES = 5;
/** Bytes of the fixed trailer: indexLength, indexCrc and magic. */
export const SEGMENT_TRAILER_BYTES = 12;

const INDEX_ENTRY_BYTES = 36;
const INDEX_FIXED_BYTES = 1 + 2 + 4;
const MAX_TOPIC_ID_BYTES = 0x7fff;

export interface PartitionBatch {
  partition: number;
  records: LogRecord[];
  producer?: BatchProducer;
}

export interface EncodedSegmentObject {
  body: Buffer;
  ranges: Map<number, { byteStart: number; byteLength: number }>;
}

export interface SegmentObjectOptions {
  /** Recorded once in the index; '' when not given. */
  topicId?: string;
  compression?: Compression;
  timestampType?: TimestampType;
}

export interface SegmentIndexEntry {
  partition: number;
  byteStart: number;
  byteLength: number;
  recordCount: number;
  /** -1 for an empty batch, as in the batch header. */
  firstTimestamp: number;
  maxTimestamp: number;
}

export interface SegmentIndex {
  topicId: string;
  entries: SegmentIndexEntry[];
}

export function encodeSegmentObject(batches: readonly PartitionBatch[], options: SegmentObjectOptions = {}): EncodedSegmentObject {
  const topicId = options.topicId ?? '';
  const ranges = new Map<number, { byteStart: number; byteLength: number }>();
  for (const batch of batches) {
    if (ranges.has(batch.partition)) throw new RangeError(`Partition ${batch.partition} appears twice; an object holds one batch per partition`);
    ranges.set(batch.partition, { byteStart: 0, byteLength: 0 });
  }
  const assembled = assembleSegmentObject(
    topicId,
    batches.map((batch) => ({
      partition: batch.partition,
      records: batch.records,
      plan: planBatch(batch.records, { compression: options.compression, producer: batch.producer, timestampType: options.timestampType }),
    })),
  );
  batches.forEach((batch, i) => ranges.set(batch.partition, assembled.ranges[i]!));
  return { body: assembled.body, ranges };
}

/** One batch compaction rewrote: the records kept of a range of offsets, at their offsets from `baseOffset`. */
export interface CompactedBatch {
  records: readonly OffsetRecord[];
  baseOffset: number;
  lastOffset: number;
}

/**
 * An object of batches compaction rewrote, all of one partition, in offset order (unlike a
 * produced object, which holds one batch per partition). Each batch keeps its whole offset
 * range, records at their offsets within it (lib/format/batch-codec.ts).
 */
export function encodeCompactedObject(
  partition: number,
  batches: readonly CompactedBatch[],
  options: SegmentObjectOptions = {},
): { body: Buffer; ranges: { byteStart: number; byteLength: number }[] } {
  const topicId = options.topicId ?? '';
  return assembleSegmentObject(
    topicId,
    batches.map((batch) => ({
      partition,
      records: batch.records,
      plan: planBatch(batch.records, {
        compression: options.compression,
        timestampType: options.timestampType,
        offsetDeltas: batch.records.map((r) => r.offset - batch.baseOffset),
        lastOffsetDelta: batch.lastOffset - batch.baseOffset,
      }),
    })),
  );
}

/** Header, the batches back to back (each written in place), the footer index and trailer; each batch's byte range, in order. */
function assembleSegmentObject(
  topicId: string,
  batches: readonly { partition: number; records: readonly LogRecord[]; plan: PlannedBatch }[],
): { body: Buffer; ranges: { byteStart: number; byteLength: number }[] } {
  const topicIdBytes = Buffer.byteLength(topicId, 'utf8');
  if (topicIdBytes > MAX_TOPIC_ID_BYTES) throw new RangeError(`topicId takes ${topicIdBytes} bytes; at most ${MAX_TOPIC_ID_BYTES} fit`);
  const ranges: { byteStart: number; byteLength: number }[] = [];
  const entries: SegmentIndexEntry[] = [];
  let position = SEGMENT_HEADER_BYTES;
  for (const batch of batches) {
    const range = { byteStart: position, byteLength: batch.plan.byteLength };
    ranges.push(range);
    entries.push({
      partition: batch.partition,
      ...range,
      recordCount: batch.records.length,
      firstTimestamp: batch.records[0]?.timestamp ?? -1,
      maxTimestamp: batch.records.reduce((max, r) => Math.max(max, r.timestamp), -1),
    });
    position += batch.plan.byteLength;
  }

  const indexLength = INDEX_FIXED_BYTES + topicIdBytes + entries.length * INDEX_ENTRY_BYTES;
  const out = new ByteWriter(position + indexLength + SEGMENT_TRAILER_BYTES);
  out.utf8(SEGMENT_OBJECT_MAGIC).int8(SEGMENT_OBJECT_VERSION);
  for (const batch of batches) {
    const start = out.length;
    batch.plan.writeTo(out);
    if (out.length - start !== batch.plan.byteLength) throw new Error(`batch of partition ${batch.partition}: planned ${batch.plan.byteLength} bytes, wrote ${out.length - start}`);
  }
  const indexStart = out.length;
  out.int8(SEGMENT_INDEX_VERSION).int16(topicIdBytes).utf8(topicId, topicIdBytes).int32(entries.length);
  for (const entry of entries) {
    out
      .int32(entry.partition)
      .int64(entry.byteStart)
      .int32(entry.byteLength)
      .int32(entry.recordCount)
      .int64(entry.firstTimestamp)
      .int64(entry.maxTimestamp);
  }
  const body = out.view();
  if (body.length - indexStart !== indexLength) throw new Error(`segment index: computed ${indexLength} bytes, wrote ${body.length - indexStart}`);
  out.int32(indexLength).uint32(crc32c(body.subarray(indexStart))).utf8(SEGMENT_INDEX_MAGIC);
  return { body: out.view(), ranges };
}

/**
 * Reads the fixed trailer from the last SEGMENT_TRAILER_BYTES of `tail`, which may be
 * the whole object or any suffix of it at least that long.
 */
export function parseSegmentTrailer(tail: Uint8Array): { indexLength: number; indexCrc: number } {
  if (tail.byteLength < SEGMENT_TRAILER_BYTES) {
    throw new CorruptRecordError(`truncated segment trailer: needs ${SEGMENT_TRAILER_BYTES} bytes, got ${tail.byteLength}`);
  }
  const reader = new ByteReader(tail, tail.byteLength - SEGMENT_TRAILER_BYTES);
  const indexLength = reader.int32('segment indexLength');
  const indexCrc = reader.uint32('segment indexCrc');
  const magic = reader.bytes(4, 'segment trailer magic').toString('latin1');
  if (magic !== SEGMENT_INDEX_MAGIC) {
    throw new CorruptRecordError(`Segment trailer magic is ${JSON.stringify(magic)}, not "${SEGMENT_INDEX_MAGIC}": not a segment object, or truncated`);
  }
  if (indexLength < INDEX_FIXED_BYTES) throw new CorruptRecordError(`Segment index length ${indexLength} is too short for an index`, { indexLength });
  return { indexLength, indexCrc };
}

/** Parses the index bytes (exactly `indexLength` of them); checks them against `indexCrc` when given. */
export function parseSegmentIndex(indexBytes: Uint8Array, indexCrc?: number): SegmentIndex {
  if (indexCrc !== undefined) {
    const actual = crc32c(indexBytes);
    if (actual !== indexCrc) {
      throw new CorruptRecordError(`Segment index CRC-32C mismatch: expected ${hex(indexCrc)}, computed ${hex(actual)}`, {
        expectedCrc: hex(indexCrc),
        actualCrc: hex(actual),
      });
    }
  }
  const reader = new ByteReader(indexBytes);
  const version = reader.int8('segment index version');
  if (version !== SEGMENT_INDEX_VERSION) {
    throw new CorruptRecordError(`Unknown segment index version ${version} (this reader knows version ${SEGMENT_INDEX_VERSION})`, { version });
  }
  const topicIdLength = reader.int16('segment index topicId length');
  if (topicIdLength < 0) throw new CorruptRecordError(`Segment index topicId length ${topicIdLength} is negative`);
  const topicId = reader.utf8(topicIdLength, 'segment index topicId');
  const count = reader.int32('segment index entry count');
  if (count < 0 || count * INDEX_ENTRY_BYTES !== reader.remaining) {
    throw new CorruptRecordError(`Segment index says ${count} entries but has ${reader.remaining} bytes for them (${INDEX_ENTRY_BYTES} each)`, {
      count,
    });
  }
  const entries: SegmentIndexEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({
      partition: reader.int32('index entry partition'),
      byteStart: reader.int64('index entry byteStart'),
      byteLength: reader.int32('index entry byteLength'),
      recordCount: reader.int32('index entry recordCount'),
      firstTimestamp: reader.int64('index entry firstTimestamp'),
      maxTimestamp: reader.int64('index entry maxTimestamp'),
    });
  }
  return { topicId, entries };
}

/** Reads the footer index of a whole object, checking its header, CRC and that every range lies among the batches. */
export function readSegmentIndex(object: Uint8Array): SegmentIndex {
  if (object.byteLength < SEGMENT_HEADER_BYTES + SEGMENT_TRAILER_BYTES) {
    throw new CorruptRecordError(`truncated segment object: ${object.byteLength} bytes is less than a header and trailer`);
  }
  const magic = Buffer.from(object.buffer, object.byteOffset, 4).toString('latin1');
  if (magic !== SEGMENT_OBJECT_MAGIC) throw new CorruptRecordError(`Segment object magic is ${JSON.stringify(magic)}, not "${SEGMENT_OBJECT_MAGIC}"`);
  const version = object[4]!;
  if (version !== SEGMENT_OBJECT_VERSION) {
    throw new CorruptRecordError(`Unknown segment object version ${version} (this reader knows version ${SEGMENT_OBJECT_VERSION})`, { version });
  }
  const { indexLength, indexCrc } = parseSegmentTrailer(object);
  const indexEnd = object.byteLength - SEGMENT_TRAILER_BYTES;
  const indexStart = indexEnd - indexLength;
  if (indexStart < SEGMENT_HEADER_BYTES) {
    throw new CorruptRecordError(`truncated segment object: index length ${indexLength} reaches before the object's header`, { indexLength });
  }
  const index = parseSegmentIndex(object.subarray(indexStart, indexEnd), indexCrc);
  for (const entry of index.entries) {
    if (entry.byteStart < SEGMENT_HEADER_BYTES || entry.byteLength < 0 || entry.byteStart + entry.byteLength > indexStart) {
      throw new CorruptRecordError(
        `Segment index entry for partition ${entry.partition} points at bytes ${entry.byteStart}..${entry.byteStart + entry.byteLength}, outside the batches (${SEGMENT_HEADER_BYTES}..${indexStart})`,
        { partition: entry.partition },
      );
    }
  }
  return index;
}
