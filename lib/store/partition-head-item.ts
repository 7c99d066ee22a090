import { partitionKey } from './partition-key';

/**
 * The head item of a topic-partition in the Log table. Owned here alone.
 *
 * `nextOffset` is the high watermark: every offset below it is committed and
 * readable. It only moves forward, by a conditional write that also inserts the
 * index item of the batch it covers (see docs/design.md).
 */
export const HEAD_SORT_KEY = 'head';

export interface PartitionHead {
  nextOffset: number;
  /** The first readable offset: 0 until retention moves it forward (`advanceLogStartUpdate`); never backwards. */
  logStartOffset: number;
  /** Fencing token of the partition's writer; bumped by later issues' leader changes. */
  leaderEpoch: number;
  /** Largest record timestamp committed so far (the running maximum behind offsets-for-times). */
  maxTimestamp: number;
  updatedAt: number;
}

export const EMPTY_HEAD: PartitionHead = { nextOffset: 0, logStartOffset: 0, leaderEpoch: 0, maxTimestamp: 0, updatedAt: 0 };

export function headKey(topicId: string, partition: number): { pk: string; sk: string } {
  return { pk: partitionKey(topicId, partition), sk: HEAD_SORT_KEY };
}

export function fromHeadItem(item: Record<string, unknown> | undefined): PartitionHead | undefined {
  if (!item) return undefined;
  return {
    nextOffset: Number(item.nextOffset ?? 0),
    logStartOffset: Number(item.logStartOffset ?? 0),
    leaderEpoch: Number(item.leaderEpoch ?? 0),
    maxTimestamp: Number(item.maxTimestamp ?? 0),
    updatedAt: Number(item.updatedAt ?? 0),
  };
}

/**
 * Moves the log start forward to `logStartOffset` (retention): never backwards, never
 * past the high watermark, and never onto a head that is gone (a deleted topic's). Only
 * `logStartOffset` changes; a produce commit keeps it (`if_not_exists`).
 */
export function advanceLogStartUpdate(logStartOffset: number): {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeValues: Record<string, unknown>;
} {
  return {
    UpdateExpression: 'SET logStartOffset = :start',
    ConditionExpression: 'logStartOffset < :start AND nextOffset >= :start',
    ExpressionAttributeValues: { ':start': logStartOffset },
  };
}
