import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { queryAll } from './batch-operations';
import { DUE_NOW, headKey } from './partition-head-store';

export { DUE_NOW };
import { RETENTION_INDEX } from './tables';

/**
 * Retention's due marks on the head items, the byRetention index over them, and the
 * item recording the last full sweep. Every expression on them but one is here; the
 * produce commit's head update (`commitHeadUpdate`) sets the mark `if_not_exists`.
 *
 *   retentionTopicId  the topic id: the index's partition key, so a run asks per topic
 *   retentionFrom     at most the running maximum timestamp of the first batch at the log
 *                     start: nothing can expire before `retentionFrom + retention`
 *
 * A trim (`trimLogStart`) sets the mark to DUE_NOW, below every timestamp, so the next
 * run releases what the trim cut off whatever the topic's retention, unlimited included;
 * so does a commit that takes a partition past its `retention.bytes` (`commitHeadUpdate`).
 *
 * Both are present exactly while the log may hold records (retention removes them only
 * when the log start reached the high watermark), so the index is sparse: empty and
 * never-written partitions are not in it. Marks only err early (see docs/design.md,
 * "Retention"), which costs a run a look at a partition with nothing to do, never a
 * missed expiry.
 */
const { partitionKey: INDEX_PK, sortKey: INDEX_SK } = RETENTION_INDEX;

/**
 * The partitions of `topicId` whose mark is before `cutoff` (= now - retention): those
 * whose first kept batch may have expired. Eventually consistent (a global index): a mark
 * moved a moment ago may still show its old value, which only adds a look.
 */
export async function queryDuePartitions(ctx: SluiceContext, topicId: string, cutoff: number): Promise<number[]> {
  const items = await queryAll(ctx, {
    TableName: ctx.tables.log,
    IndexName: RETENTION_INDEX.name,
    KeyConditionExpression: '#topic = :topic AND #from < :cutoff',
    ExpressionAttributeNames: { '#topic': INDEX_PK.name, '#from': INDEX_SK.name },
    ExpressionAttributeValues: { ':topic': topicId, ':cutoff': cutoff },
  });
  const prefix = `${topicId}#`;
  return items
    .map((item) => String(item.pk))
    .filter((pk) => pk.startsWith(prefix))
    .map((pk) => Number(pk.slice(prefix.length)))
    .sort((a, b) => a - b);
}

export type TrimOutcome =
  | { kind: 'trimmed' }
  /** The log start was already there or further, the offset is past the high watermark, or the head is gone. */
  | { kind: 'not-behind' }
  /** A produce commit's transaction held the head; the caller retries. */
  | { kind: 'contended'; cause: Error };

/**
 * Kafka's DeleteRecords: moves the log start forward to `logStartOffset` (never back,
 * never past the high watermark, never onto a deleted topic's head) and marks the
 * partition DUE_NOW in the same write, so the next retention run releases the batches
 * below it. Readers see the new log start at once; storage is freed by that run.
 */
export async function trimLogStart(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  logStartOffset: number,
  /** The head's `bytesTotal` where the new log start's batch begins, when the head counts bytes. */
  logStartBytes?: number,
): Promise<TrimOutcome> {
  const outcome = await conditionalHeadUpdate(ctx, topicId, partition, {
    UpdateExpression: `SET logStartOffset = :start, #from = :due, #topic = :topic${logStartBytes === undefined ? '' : ', logStartBytes = :bytes'}`,
    ConditionExpression: 'logStartOffset < :start AND nextOffset >= :start',
    ExpressionAttributeNames: { '#from': INDEX_SK.name, '#topic': INDEX_PK.name },
    ExpressionAttributeValues: { ':start': logStartOffset, ':due': DUE_NOW, ':topic': topicId, ...(logStartBytes === undefined ? {} : { ':bytes': logStartBytes }) },
  });
  return outcome.kind === 'marked' ? { kind: 'trimmed' } : outcome.kind === 'moved' ? { kind: 'not-behind' } : outcome;
}

export type MarkOutcome =
  | { kind: 'marked' }
  /** The log start is no longer where the mark was computed for (another run moved it), or the head is gone: nothing written. */
  | { kind: 'moved' }
  /** A produce commit's transaction held the head; the caller retries. */
  | { kind: 'contended'; cause: Error };

/**
 * Sets the mark of a partition whose first batch at `logStartOffset` has the running
 * maximum `retentionFrom`, while the log start is still there. Written after everything
 * below that log start was released, so a partition with unfinished releases stays due.
 */
export async function markRetentionFrom(ctx: SluiceContext, topicId: string, partition: number, logStartOffset: number, retentionFrom: number): Promise<MarkOutcome> {
  return conditionalHeadUpdate(ctx, topicId, partition, {
    UpdateExpression: 'SET #from = :from, #topic = :topic',
    ConditionExpression: 'logStartOffset = :start',
    ExpressionAttributeNames: { '#from': INDEX_SK.name, '#topic': INDEX_PK.name },
    ExpressionAttributeValues: { ':from': retentionFrom, ':topic': topicId, ':start': logStartOffset },
  });
}

/**
 * Removes the mark of a partition whose log is empty (log start = high watermark =
 * `offset`), taking it out of the index. Only while nothing was committed since: the next
 * commit sets the mark again (`if_not_exists`).
 */
export async function clearRetentionFrom(ctx: SluiceContext, topicId: string, partition: number, offset: number): Promise<MarkOutcome> {
  return conditionalHeadUpdate(ctx, topicId, partition, {
    UpdateExpression: 'REMOVE #from, #topic',
    ConditionExpression: 'logStartOffset = :offset AND nextOffset = :offset',
    ExpressionAttributeNames: { '#from': INDEX_SK.name, '#topic': INDEX_PK.name },
    ExpressionAttributeValues: { ':offset': offset },
  });
}

async function conditionalHeadUpdate(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  expressions: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> },
): Promise<MarkOutcome> {
  try {
    await ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.log, Key: headKey(topicId, partition), ...expressions }));
    return { kind: 'marked' };
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'ConditionalCheckFailedException') return { kind: 'moved' };
    if (name === 'TransactionConflictException') return { kind: 'contended', cause: error as Error };
    throw error;
  }
}

/** The item recording when retention last read every head (its daily backstop sweep). */
const SWEEP_KEY = { pk: 'retention#sweep', sk: 'state' };

/** When the last complete full sweep started (epoch ms), or undefined if there never was one. */
export async function readLastFullSweep(ctx: SluiceContext): Promise<number | undefined> {
  // Eventually consistent: a sweep missed or repeated because of a stale read is harmless.
  const { Item } = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: SWEEP_KEY, ProjectionExpression: 'sweptAt' }));
  return Item?.sweptAt === undefined ? undefined : Number(Item.sweptAt);
}

/** Records a complete full sweep started at `at`; never moves the record back (overlapping runs). */
export async function recordFullSweep(ctx: SluiceContext, at: number): Promise<void> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: SWEEP_KEY,
        UpdateExpression: 'SET sweptAt = :at',
        ConditionExpression: 'attribute_not_exists(sweptAt) OR sweptAt < :at',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  }
}
