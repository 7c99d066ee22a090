import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { batchDeleteAll } from './batch-operations';
import { partitionKey } from './partition-key';
import type { TransactItem } from './transact-write';

/**
 * One index item per committed batch, in the Log table beside the partition head, and
 * every expression on it. Owned here alone. The sort key is the batch's LAST offset,
 * zero-padded, so one Query for `sk >= o#<offset>` starts at the batch holding that offset.
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
  /**
   * The batch's record bytes as fetch's `maxBytes` counts them (key, value, headers), in
   * all and of its first record, so a fetch picks the batches it needs before reading
   * any. Absent on items written before they were recorded.
   */
  recordBytes?: number;
  firstRecordBytes?: number;
  /**
   * The head's `bytesTotal` through the end of this batch: `retention.bytes` finds where a
   * partition's newest bytes begin from it. Absent on items written before it was recorded
   * (counted as 0: older than everything counted).
   */
  endBytes?: number;
  /**
   * Set on an item compaction wrote (lib/compaction/): when the compaction that first kept
   * its records ran (the latest of its inputs'), from which `delete.retention.ms` counts
   * before a tombstone in it may go.
   */
  cleanedAt?: number;
  /**
   * On an item compaction wrote: `bytesTotal` where its first input batch began (its own
   * `byteLength` is of the rewritten bytes). Absent: `endBytes - byteLength`.
   */
  startBytes?: number;
}

/** `bytesTotal` where the entry's batch began, as produced (0 when not recorded). */
export function startBytesOf(entry: SegmentIndexEntry): number {
  if (entry.startBytes !== undefined) return entry.startBytes;
  return entry.endBytes === undefined ? 0 : entry.endBytes - entry.byteLength;
}

/** Where the next page of a paged read starts; opaque to callers. */
export type PageKey = Record<string, unknown>;

export function offsetSortKey(offset: number): string {
  return OFFSET_PREFIX + String(offset).padStart(OFFSET_DIGITS, '0');
}

/** The key of the index item of the batch whose last offset is `lastOffset`. */
export function indexKey(topicId: string, partition: number, lastOffset: number): { pk: string; sk: string } {
  return { pk: partitionKey(topicId, partition), sk: offsetSortKey(lastOffset) };
}

/** Where a page read (readIndexPage) goes on after `entry`, as if a page had ended with it. */
export function indexPageKeyAfter(topicId: string, partition: number, entry: SegmentIndexEntry): PageKey {
  return indexKey(topicId, partition, entry.lastOffset);
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
    ...(item.recordBytes !== undefined ? { recordBytes: Number(item.recordBytes) } : {}),
    ...(item.firstRecordBytes !== undefined ? { firstRecordBytes: Number(item.firstRecordBytes) } : {}),
    ...(item.endBytes !== undefined ? { endBytes: Number(item.endBytes) } : {}),
    ...(item.cleanedAt !== undefined ? { cleanedAt: Number(item.cleanedAt) } : {}),
    ...(item.startBytes !== undefined ? { startBytes: Number(item.startBytes) } : {}),
  };
}

/**
 * A produce commit's insert of one batch's index item, with its byTime key from the
 * partition's running maximum timestamp (which makes that index monotonic in offset
 * order, as Kafka's time index is).
 */
export function indexItemPut(ctx: SluiceContext, topicId: string, partition: number, entry: SegmentIndexEntry, runningMaxTimestamp: number): TransactItem {
  return {
    Put: {
      TableName: ctx.tables.log,
      Item: { ...toIndexItem(topicId, partition, entry), ts: timeSortKey(runningMaxTimestamp, entry.lastOffset) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Deletes an index item in a transaction, failing its condition when it is gone already or
 * now names another object (compaction replaced it under the same key), so nothing is
 * released twice.
 */
export function indexItemDelete(ctx: SluiceContext, key: { pk: string; sk: string }, objectKey: string): TransactItem {
  return { Delete: { TableName: ctx.tables.log, Key: key, ConditionExpression: 'objectKey = :objectKey', ExpressionAttributeValues: { ':objectKey': objectKey } } };
}

/** A transaction's check that an index item still exists and still names `objectKey`. */
export function indexItemExists(ctx: SluiceContext, key: { pk: string; sk: string }, objectKey: string): TransactItem {
  return { ConditionCheck: { TableName: ctx.tables.log, Key: key, ConditionExpression: 'objectKey = :objectKey', ExpressionAttributeValues: { ':objectKey': objectKey } } };
}

/** What compaction writes over the index item of a group's last input batch (same key, same `ts`, `endBytes` and `committedAt`). */
export interface CompactedEntry {
  baseOffset: number;
  recordCount: number;
  objectKey: string;
  byteStart: number;
  byteLength: number;
  firstTimestamp: number;
  maxTimestamp: number;
  recordBytes: number;
  firstRecordBytes: number;
  cleanedAt: number;
  startBytes: number;
}

/**
 * Compaction's swap of one index item: rewrites the item of the batch ending at
 * `lastOffset` to cover the whole group of batches it replaces, under the condition that it
 * still names the object and byte range compaction read. Its key, `ts` (the byTime key),
 * `endBytes` and `committedAt` stay: the range still ends there.
 */
export function indexItemCompact(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  replaced: { lastOffset: number; objectKey: string; byteStart: number },
  entry: CompactedEntry,
): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.log,
      Key: indexKey(topicId, partition, replaced.lastOffset),
      UpdateExpression:
        'SET baseOffset = :base, recordCount = :count, objectKey = :objectKey, byteStart = :start, byteLength = :length, firstTimestamp = :firstTs, ' +
        'maxTimestamp = :maxTs, recordBytes = :recordBytes, firstRecordBytes = :firstRecordBytes, cleanedAt = :cleanedAt, startBytes = :startBytes',
      ConditionExpression: 'objectKey = :oldObjectKey AND byteStart = :oldStart',
      ExpressionAttributeValues: {
        ':base': entry.baseOffset,
        ':count': entry.recordCount,
        ':objectKey': entry.objectKey,
        ':start': entry.byteStart,
        ':length': entry.byteLength,
        ':firstTs': entry.firstTimestamp,
        ':maxTs': entry.maxTimestamp,
        ':recordBytes': entry.recordBytes,
        ':firstRecordBytes': entry.firstRecordBytes,
        ':cleanedAt': entry.cleanedAt,
        ':startBytes': entry.startBytes,
        ':oldObjectKey': replaced.objectKey,
        ':oldStart': replaced.byteStart,
      },
    },
  };
}

/**
 * A page of the partition's index entries of the batches ending at or after `offset`, in
 * offset order (strongly consistent). Page on with `startKey` and the same `offset`:
 * DynamoDB refuses an ExclusiveStartKey outside the key condition.
 */
export async function readIndexPage(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  offset: number,
  page: { limit?: number; startKey?: PageKey } = {},
): Promise<{ entries: SegmentIndexEntry[]; nextKey: PageKey | undefined }> {
  const keys = indexSortKeysFrom(offset);
  const result = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tables.log,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition), ':from': keys.from, ':to': keys.to },
      ConsistentRead: true,
      Limit: page.limit,
      ExclusiveStartKey: page.startKey,
    }),
  );
  return { entries: (result.Items ?? []).map(fromIndexItem), nextKey: result.LastEvaluatedKey };
}

/**
 * The entries whose range holds `offset` (base at or below it, last at or above), in
 * last-offset order, skipping those naming an object in `exclude` (found gone). There are
 * at most a few: the batch holding it and the items compaction wrote over it. A fetch that
 * meets an apparent hole asks this before concluding retention released the offset
 * (one strongly consistent Query, filtered on `baseOffset`, paged until one is found).
 */
export async function readEntryHolding(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  offset: number,
  exclude: ReadonlySet<string>,
): Promise<SegmentIndexEntry | undefined> {
  const keys = indexSortKeysFrom(offset);
  let startKey: PageKey | undefined;
  do {
    const page = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tables.log,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: 'baseOffset <= :offset',
        ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition), ':from': keys.from, ':to': keys.to, ':offset': offset },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    const found = (page.Items ?? []).map(fromIndexItem).find((entry) => !exclude.has(entry.objectKey));
    if (found) return found;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return undefined;
}

/**
 * The index entry of the first batch whose running maximum timestamp is at least
 * `timestamp` (one strongly consistent Query of the byTime index), with that running
 * maximum: every earlier batch holds only records before it. Undefined when no batch reaches it. It may be a batch
 * committed after the caller read the head, so compare its offsets with that head.
 */
export async function firstBatchReaching(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  timestamp: number,
): Promise<(SegmentIndexEntry & { runningMaxTimestamp: number }) | undefined> {
  const page = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tables.log,
      IndexName: 'byTime',
      KeyConditionExpression: 'pk = :pk AND ts >= :from',
      ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition), ':from': timeSortKeyFrom(timestamp) },
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  const item = page.Items?.[0];
  return item ? { ...fromIndexItem(item), runningMaxTimestamp: runningMaxOf(item) } : undefined;
}

/** The running maximum is the timestamp part of `ts` (retention's due mark needs it; the entry has the batch's own maximum). */
function runningMaxOf(item: Record<string, unknown>): number {
  return Number(String(item.ts).slice(TIME_PREFIX.length, TIME_PREFIX.length + TIMESTAMP_DIGITS));
}

/**
 * The index entry of the batch holding `offset` (the first whose last offset is at or
 * after it; one strongly consistent Query), with the partition's running maximum
 * timestamp at that batch. Undefined when no committed batch ends at or after `offset`.
 * Retention's due mark after a trim needs it: a trim may leave the log start inside a batch.
 */
export async function batchHolding(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  offset: number,
): Promise<(SegmentIndexEntry & { runningMaxTimestamp: number }) | undefined> {
  const keys = indexSortKeysFrom(offset);
  const page = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tables.log,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition), ':from': keys.from, ':to': keys.to },
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  const item = page.Items?.[0];
  return item ? { ...fromIndexItem(item), runningMaxTimestamp: runningMaxOf(item) } : undefined;
}

/** An index item below the log start, as retention releases it: its key and its object. */
export interface ExpiredBatch {
  key: { pk: string; sk: string };
  objectKey: string;
}

/**
 * A page of the partition's index items wholly below `offset` (none when it is 0).
 * Eventually consistent is enough for retention: nothing is ever added below the log
 * start, and an item already deleted fails its release's condition and is skipped.
 */
export async function readExpiredPage(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  offset: number,
  page: { limit?: number; startKey?: PageKey } = {},
): Promise<{ batches: ExpiredBatch[]; nextKey: PageKey | undefined }> {
  const range = indexSortKeysBelow(offset);
  if (!range) return { batches: [], nextKey: undefined };
  const result = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tables.log,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition), ':from': range.from, ':to': range.to },
      ProjectionExpression: 'lastOffset, objectKey',
      Limit: page.limit,
      ExclusiveStartKey: page.startKey,
    }),
  );
  const batches = (result.Items ?? []).map((item) => ({ key: indexKey(topicId, partition, Number(item.lastOffset)), objectKey: String(item.objectKey) }));
  return { batches, nextKey: result.LastEvaluatedKey };
}

/**
 * Deletes index items, each only while it still names the object it was read with (one
 * conditional DeleteItem each, eight at a time): compaction may have rewritten the key to
 * name its new object since, and that item is not the caller's to delete. Answers the keys
 * deleted and those left because they name another object now.
 */
export async function deleteIndexItemsNaming(
  ctx: SluiceContext,
  items: readonly { key: { pk: string; sk: string }; objectKey: string }[],
): Promise<{ deleted: number; renamed: { pk: string; sk: string }[] }> {
  let deleted = 0;
  const renamed: { pk: string; sk: string }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await ctx.ddb.send(
            new DeleteCommand({
              TableName: ctx.tables.log,
              Key: item.key,
              ConditionExpression: 'attribute_not_exists(pk) OR objectKey = :objectKey',
              ExpressionAttributeValues: { ':objectKey': item.objectKey },
            }),
          );
          deleted++;
        } catch (error) {
          // Renamed; or held by a concurrent transaction (another release, a compaction swap):
          // either way not deleted now, and the caller counts it for its next run.
          if (!(error instanceof ConditionalCheckFailedException) && !(error instanceof TransactionConflictException)) throw error;
          renamed.push(item.key);
        }
      }
    }),
  );
  return { deleted, renamed };
}

/** Whether an index item exists at `key` naming another object than `objectKey` (strongly consistent): compaction rewrote it. */
export async function indexItemRenamed(ctx: SluiceContext, key: { pk: string; sk: string }, objectKey: string): Promise<boolean> {
  const found = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: key, ConsistentRead: true, ProjectionExpression: 'objectKey' }));
  return found.Item !== undefined && found.Item.objectKey !== objectKey;
}

/** Deletes index items (unconditionally); answers how many keys were sent. */
export function deleteIndexItems(ctx: SluiceContext, keys: readonly { pk: string; sk: string }[]): Promise<number> {
  return batchDeleteAll(ctx, ctx.tables.log, keys);
}
