import { partitionKey } from './partition-key';

/**
 * One index item per committed batch, in the Log table beside the partition head.
 * Owned here alone. The sort key is the batch's LAST offset, zero-padded, so one
 * Query for `sk >= o#<offset>` starts at the batch holding that offset.
 */
const OFFSET_PREFIX = 'o#';
const OFFSET_DIGITS = 20;

export interface SegmentIndexEntry {
  baseOffset: number;
  lastOffset: number;
  recordCount: number;
  objectKey: string;
  /** Byte range of this partition's batch inside the object. */
  byteStart: number;
  byteLength: number;
  firstTimestamp: number;
  maxTimestamp: number;
  committedAt: number;
}

export function offsetSortKey(offset: number): string {
  return OFFSET_PREFIX + String(offset).padStart(OFFSET_DIGITS, '0');
}

/** The key of the index item of the batch whose last offset is `lastOffset`. */
export function indexKey(topicId: string, partition: number, lastOffset: number): { pk: string; sk: string } {
  return { pk: partitionKey(topicId, partition), sk: offsetSortKey(lastOffset) };
}

/**
 * Bounds for `sk BETWEEN :from AND :to` selecting the index items of the batches that
 * end before `offset` (all of them lie wholly below it), and no other item of the
 * partition (the head, producer states). Undefined when `offset` is 0: there are none.
 */
export function indexSortKeysBelow(offset: number): { from: string; to: string } | undefined {
  if (!Number.isSafeInteger(offset) || offset <= 0) return undefined;
  return { from: offsetSortKey(0), to: offsetSortKey(offset - 1) };
}

/** Bounds for `sk BETWEEN :from AND :to` selecting the index items of the batches ending at or after `offset`, and no other item. */
export function indexSortKeysFrom(offset: number): { from: string; to: string } {
  return { from: offsetSortKey(Math.max(0, offset)), to: offsetSortKey(Number.MAX_SAFE_INTEGER) };
}

const TIME_PREFIX = 't#';
const TIMESTAMP_DIGITS = 16;

/**
 * Sort key of the byTime local index: the partition's running maximum timestamp at
 * this batch, then its last offset. Monotonic in offset order, so the first index
 * item with `ts >= t#<t>` holds the first record whose timestamp is at least t.
 */
export function timeSortKey(runningMaxTimestamp: number, lastOffset: number): string {
  return `${timeSortKeyFrom(runningMaxTimestamp)}#${String(lastOffset).padStart(OFFSET_DIGITS, '0')}`;
}

export function timeSortKeyFrom(timestamp: number): string {
  return TIME_PREFIX + String(timestamp).padStart(TIMESTAMP_DIGITS, '0');
}

export function toIndexItem(topicId: string, partition: number, entry: SegmentIndexEntry): Record<string, unknown> {
  return { pk: partitionKey(topicId, partition), sk: offsetSortKey(entry.lastOffset), ...entry };
}

export function fromIndexItem(item: Record<string, unknown>): SegmentIndexEntry {
  return {
    baseOffset: Number(item.baseOffset),
    lastOffset: Number(item.lastOffset),
    recordCount: Number(item.recordCount),
    objectKey: String(item.objectKey),
    byteStart: Number(item.byteStart),
    byteLength: Number(item.byteLength),
    firstTimestamp: Number(item.firstTimestamp),
    maxTimestamp: Number(item.maxTimestamp),
    committedAt: Number(item.committedAt),
  };
}
