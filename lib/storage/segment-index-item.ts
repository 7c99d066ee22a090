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
