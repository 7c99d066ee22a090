import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { batchGetAll } from './batch-operations';
import { partitionKey } from './partition-key';
import type { TransactItem } from './transact-write';

/**
 * The head item of a topic-partition in the Log table, and every expression on it.
 * Owned here alone.
 *
 * `nextOffset` is the high watermark: every offset below it is committed and
 * readable. It only moves forward, by a conditional write that also inserts the
 * index item of the batch it covers (`commitHeadUpdate`; see docs/design.md).
 */
export const HEAD_SORT_KEY = 'head';

export interface PartitionHead {
  nextOffset: number;
  /** The first readable offset: 0 until retention moves it forward (`advanceLogStart`); never backwards. */
  logStartOffset: number;
  /** Fencing token of the partition's writer; bumped by later issues' leader changes. */
  leaderEpoch: number;
  /** Largest record timestamp committed so far (the running maximum behind offsets-for-times). */
  maxTimestamp: number;
  updatedAt: number;
  /**
   * Set while WebSocket connections may wait at this partition's tail (ms since the
   * epoch; `markHeadWatched`): at or after every armed watcher's expiry. Absent on a
   * partition nobody watched. Commits keep it, so their stream images carry it.
   */
  watchedUntil?: number;
  /**
   * Retention's due mark (docs/design.md, "Retention"): at most the running maximum
   * timestamp of the first batch at the log start, so nothing can expire before
   * `retentionFrom + retention`. Set by the commit that makes an empty log non-empty,
   * kept by later commits, moved only by retention (`lib/store/retention-due-store.ts`);
   * absent while the log is empty. With `retentionTopicId` it keys the byRetention index.
   */
  retentionFrom?: number;
  /**
   * Stored batch bytes ever committed to the partition (`retention.bytes` counts stored
   * bytes, as Kafka counts segment bytes). Absent on heads of partitions not written since
   * it was recorded: counting starts at their next commit.
   */
  bytesTotal?: number;
  /** `bytesTotal` as it was where the log start's batch begins: the partition holds `bytesTotal - logStartBytes`. Absent: 0. */
  logStartBytes?: number;
  /**
   * Batches ever committed to the partition: with compaction's state item, how many batches
   * arrived since compaction last looked (lib/compaction/). Absent: none counted yet.
   */
  batchesTotal?: number;
  /**
   * Set when the partition was closed (a Durable Streams stream's closure, ms since the
   * epoch): no commit lands on a closed head (`commitHeadUpdate`'s condition), so the
   * close is final and atomic with the append that made it.
   */
  closedAt?: number;
  /** Who closed it: a Durable Streams producer's `id/epoch/seq`, so that producer's retry is recognised as a duplicate. */
  closedBy?: string;
  /** The last Durable Streams `Stream-Seq` appended; each later one must sort after it. */
  writerSeq?: string;
}

/**
 * The due mark of a partition that must be looked at by the next retention run: before
 * any record timestamp (they are never negative). A trim sets it, and so does a commit
 * that takes a partition past its `retention.bytes`.
 */
export const DUE_NOW = -1;

export const EMPTY_HEAD: PartitionHead = { nextOffset: 0, logStartOffset: 0, leaderEpoch: 0, maxTimestamp: 0, updatedAt: 0 };

export function headKey(topicId: string, partition: number): { pk: string; sk: string } {
  return { pk: partitionKey(topicId, partition), sk: HEAD_SORT_KEY };
}

export function isHeadItem(item: Record<string, unknown>): boolean {
  return item.sk === HEAD_SORT_KEY;
}

export function fromHeadItem(item: Record<string, unknown> | undefined): PartitionHead | undefined {
  if (!item) return undefined;
  return {
    nextOffset: Number(item.nextOffset ?? 0),
    logStartOffset: Number(item.logStartOffset ?? 0),
    leaderEpoch: Number(item.leaderEpoch ?? 0),
    maxTimestamp: Number(item.maxTimestamp ?? 0),
    updatedAt: Number(item.updatedAt ?? 0),
    ...(item.watchedUntil === undefined ? {} : { watchedUntil: Number(item.watchedUntil) }),
    ...(item.retentionFrom === undefined ? {} : { retentionFrom: Number(item.retentionFrom) }),
    ...(item.bytesTotal === undefined ? {} : { bytesTotal: Number(item.bytesTotal) }),
    ...(item.logStartBytes === undefined ? {} : { logStartBytes: Number(item.logStartBytes) }),
    ...(item.batchesTotal === undefined ? {} : { batchesTotal: Number(item.batchesTotal) }),
    ...(item.closedAt === undefined ? {} : { closedAt: Number(item.closedAt) }),
    ...(item.closedBy === undefined ? {} : { closedBy: String(item.closedBy) }),
    ...(item.writerSeq === undefined ? {} : { writerSeq: String(item.writerSeq) }),
  };
}

/** One partition's head (strongly consistent); a partition never written has the empty head. */
export async function readHead(ctx: SluiceContext, topicId: string, partition: number): Promise<PartitionHead> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: headKey(topicId, partition), ConsistentRead: true }));
  return fromHeadItem(result.Item) ?? EMPTY_HEAD;
}

/**
 * Heads of `partitions`; undefined for a partition never written. Strongly consistent
 * unless `consistent` is false: an eventually consistent read costs half as much and may
 * not yet show a commit of the last second or so (the watch's periodic check, which a
 * later check repairs, is its only user).
 */
export async function readHeads(
  ctx: SluiceContext,
  topicId: string,
  partitions: readonly number[],
  options: { consistent?: boolean } = {},
): Promise<Map<number, PartitionHead | undefined>> {
  const heads = new Map<number, PartitionHead | undefined>(partitions.map((p) => [p, undefined]));
  const byKey = new Map(partitions.map((p) => [headKey(topicId, p).pk, p]));
  const items = await batchGetAll(
    ctx,
    partitions.map((p) => ({ table: ctx.tables.log, key: headKey(topicId, p) })),
    { consistent: options.consistent ?? true },
  );
  for (const { item } of items) heads.set(byKey.get(String(item.pk))!, fromHeadItem(item));
  return heads;
}

/**
 * The SET clauses that give a partition never written its empty head (offset 0, as a
 * missing head reads) and leave an existing head's values alone; the expression binds
 * `:zero`, `:topic`, `:partition` and `#partition`.
 */
const EMPTY_HEAD_IF_MISSING =
  'nextOffset = if_not_exists(nextOffset, :zero), logStartOffset = if_not_exists(logStartOffset, :zero), leaderEpoch = if_not_exists(leaderEpoch, :zero), maxTimestamp = if_not_exists(maxTimestamp, :zero), topic = if_not_exists(topic, :topic), #partition = if_not_exists(#partition, :partition)';

export type MarkWatchedOutcome =
  | { kind: 'marked' }
  /** `watchedUntil` already reached `renewBefore`: nothing was written. */
  | { kind: 'already-watched' }
  /** A produce commit's transaction held the head; the caller retries. */
  | { kind: 'contended'; cause: Error };

/**
 * Marks the head watched until `until` (waiting at the tail, docs/design.md): sets
 * `watchedUntil` only when it is absent or before `renewBefore`, so re-arming a watch
 * writes this hot item once per renewal period, not per arm. A partition never written
 * gets an empty head (offset 0, as a missing head reads), so that its first commit, an
 * update of this item, carries `watchedUntil` in its stream image too.
 */
export async function markHeadWatched(
  ctx: SluiceContext,
  topic: { name: string; topicId: string },
  partition: number,
  until: number,
  renewBefore: number,
): Promise<MarkWatchedOutcome> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: headKey(topic.topicId, partition),
        UpdateExpression:
          'SET watchedUntil = :until, updatedAt = if_not_exists(updatedAt, :zero), ' + EMPTY_HEAD_IF_MISSING,
        ConditionExpression: 'attribute_not_exists(watchedUntil) OR watchedUntil < :renewBefore',
        ExpressionAttributeNames: { '#partition': 'partition' },
        ExpressionAttributeValues: { ':until': until, ':renewBefore': renewBefore, ':zero': 0, ':topic': topic.name, ':partition': partition },
      }),
    );
    return { kind: 'marked' };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'ConditionalCheckFailedException') return { kind: 'already-watched' };
    if (name === 'TransactionConflictException') return { kind: 'contended', cause: error as Error };
    throw error;
  }
}

export type AdvanceLogStartOutcome =
  | { kind: 'advanced' }
  /** The log start was already there or further, the target is past the high watermark, or the head is gone (a deleted topic's). */
  | { kind: 'not-behind' }
  /** A produce commit's transaction held the head; the SDK does not retry this. */
  | { kind: 'contended'; cause: Error };

/**
 * Moves the log start forward to `logStartOffset` (retention): never backwards, never
 * past the high watermark, and never onto a head that is gone. Only `logStartOffset`
 * changes; a produce commit keeps it (`if_not_exists`).
 */
export async function advanceLogStart(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  logStartOffset: number,
  /** `bytesTotal` where the new log start's batch begins, when known; otherwise the head keeps what it had. */
  logStartBytes?: number,
): Promise<AdvanceLogStartOutcome> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: headKey(topicId, partition),
        UpdateExpression: logStartBytes === undefined ? 'SET logStartOffset = :start' : 'SET logStartOffset = :start, logStartBytes = :bytes',
        ConditionExpression: 'logStartOffset < :start AND nextOffset >= :start',
        ExpressionAttributeValues: { ':start': logStartOffset, ...(logStartBytes === undefined ? {} : { ':bytes': logStartBytes }) },
      }),
    );
    return { kind: 'advanced' };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'ConditionalCheckFailedException') return { kind: 'not-behind' };
    if (name === 'TransactionConflictException') return { kind: 'contended', cause: error as Error };
    throw error;
  }
}

/**
 * The head's part of a produce commit: moves `nextOffset` to `nextOffset` from the head
 * as it was read (or creates it, if there was none), so the transaction fails if anyone
 * else committed in between. Keeps the log start and leader epoch.
 */
export function commitHeadUpdate(
  ctx: SluiceContext,
  topic: { name: string; topicId: string },
  partition: number,
  read: PartitionHead | undefined,
  next: {
    nextOffset: number;
    maxTimestamp: number;
    updatedAt: number;
    /** The head's `bytesTotal` after this batch. */
    bytesTotal: number;
    /** The partition now holds more than its `retention.bytes`: mark it DUE_NOW, so the next run looks at once. */
    dueNow?: boolean;
    /** A Durable Streams append: close the head with it, and/or record its `Stream-Seq` (which must sort after the last). */
    stream?: { close?: { at: number; by?: string }; writerSeq?: string };
  },
): TransactItem {
  const stream = next.stream;
  const extraSets = [
    ...(stream?.close ? ['closedAt = :closedAt', ...(stream.close.by === undefined ? [] : ['closedBy = :closedBy'])] : []),
    ...(stream?.writerSeq === undefined ? [] : ['writerSeq = :writerSeq']),
  ];
  // No commit lands on a closed head; a Stream-Seq must sort after the last one (byte-wise, as DynamoDB compares strings).
  const conditions = [read ? 'nextOffset = :expected AND attribute_not_exists(closedAt)' : 'attribute_not_exists(pk)'];
  if (stream?.writerSeq !== undefined && read) conditions.push('(attribute_not_exists(writerSeq) OR writerSeq < :writerSeq)');
  return {
    Update: {
      TableName: ctx.tables.log,
      Key: headKey(topic.topicId, partition),
      UpdateExpression:
        'SET nextOffset = :next, maxTimestamp = :maxTs, updatedAt = :now, bytesTotal = :bytes, batchesTotal = if_not_exists(batchesTotal, :zero) + :one, logStartOffset = if_not_exists(logStartOffset, :zero), leaderEpoch = if_not_exists(leaderEpoch, :zero), topic = :topic, #partition = :partition, ' +
        // Retention's due mark: the first batch of an empty log is the first to expire, at its running maximum + retention.
        // Later commits keep it unchanged, so they write nothing to the byRetention index; one that takes the partition
        // past its retention.bytes sets the mark that makes the next run look at once (lib/store/retention-due-store.ts).
        (next.dueNow ? 'retentionFrom = :due' : 'retentionFrom = if_not_exists(retentionFrom, :maxTs)') +
        ', retentionTopicId = if_not_exists(retentionTopicId, :topicId)' +
        extraSets.map((set) => `, ${set}`).join(''),
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#partition': 'partition' },
      ExpressionAttributeValues: {
        ':next': next.nextOffset,
        ':maxTs': next.maxTimestamp,
        ':now': next.updatedAt,
        ':bytes': next.bytesTotal,
        ...(next.dueNow ? { ':due': DUE_NOW } : {}),
        ':zero': 0,
        ':one': 1,
        ':topic': topic.name,
        ':topicId': topic.topicId,
        ':partition': partition,
        ...(read ? { ':expected': read.nextOffset } : {}),
        ...(stream?.close ? { ':closedAt': stream.close.at, ...(stream.close.by === undefined ? {} : { ':closedBy': stream.close.by }) } : {}),
        ...(stream?.writerSeq === undefined ? {} : { ':writerSeq': stream.writerSeq }),
      },
    },
  };
}

export type CloseHeadOutcome = { kind: 'closed'; head: PartitionHead } | { kind: 'already-closed'; head: PartitionHead };

/**
 * Closes a partition without appending (a Durable Streams close-only request): sets
 * `closedAt` unless it is set, creating the empty head of a partition never written, so
 * the close is as durable and final as one made with an append. Answers the head as it
 * now is; a head closed before is `already-closed` and unchanged.
 */
export async function closeHead(
  ctx: SluiceContext,
  topic: { name: string; topicId: string },
  partition: number,
  close: { at: number; by?: string },
): Promise<CloseHeadOutcome> {
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: headKey(topic.topicId, partition),
        UpdateExpression:
          'SET closedAt = :at, updatedAt = :at, ' +
          EMPTY_HEAD_IF_MISSING +
          (close.by === undefined ? '' : ', closedBy = :by'),
        ConditionExpression: 'attribute_not_exists(closedAt)',
        ExpressionAttributeNames: { '#partition': 'partition' },
        ExpressionAttributeValues: { ':at': close.at, ':zero': 0, ':topic': topic.name, ':partition': partition, ...(close.by === undefined ? {} : { ':by': close.by }) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { kind: 'closed', head: fromHeadItem(result.Attributes)! };
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    return { kind: 'already-closed', head: await readHead(ctx, topic.topicId, partition) };
  }
}

/**
 * Starts an empty partition's log at `offset` (a Durable Streams fork, whose own log
 * continues its source's offsets: docs/design.md, "Durable Streams forks"): the head
 * gets `nextOffset` and `logStartOffset` both `offset`, so the first commit lands there
 * and a read below it is out of this log's range. Only on a head no record was ever
 * committed to (every commit sets `batchesTotal` and `bytesTotal`; heads from before those
 * were recorded must also be empty) and that is not closed, or on no head at all: a log
 * with data is never moved. `not-empty` when the head refused.
 */
export async function startEmptyHead(ctx: SluiceContext, topic: { name: string; topicId: string }, partition: number, offset: number): Promise<'started' | 'not-empty'> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: headKey(topic.topicId, partition),
        UpdateExpression:
          'SET nextOffset = :offset, logStartOffset = :offset, leaderEpoch = if_not_exists(leaderEpoch, :zero), maxTimestamp = if_not_exists(maxTimestamp, :zero), updatedAt = :now, topic = :topic, #partition = :partition',
        ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(batchesTotal) AND attribute_not_exists(bytesTotal) AND nextOffset = logStartOffset AND attribute_not_exists(closedAt))',
        ExpressionAttributeNames: { '#partition': 'partition' },
        ExpressionAttributeValues: { ':offset': offset, ':zero': 0, ':now': ctx.now(), ':topic': topic.name, ':partition': partition },
      }),
    );
    return 'started';
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return 'not-empty';
    throw error;
  }
}
