import { GetObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { decodeBatch } from '../format/batch-codec';
import { partitionKey } from '../store/partition-key';
import { fromIndexItem, indexSortKeysFrom, timeSortKeyFrom, type SegmentIndexEntry } from '../store/segment-index-item';
import { getTopic, readHead, requirePartition } from '../topics/topic-repository';

export interface PartitionOffsetsResult {
  topic: string;
  partition: number;
  logStartOffset: number;
  highWatermark: number;
}

export interface OffsetForTimeResult extends PartitionOffsetsResult {
  timestamp: number;
  /** The first offset whose record timestamp is at least `timestamp`; null when no record is that late. */
  offset: number | null;
}

/** The earliest readable offset and the high watermark (the next offset to be written). */
export async function listOffsets(ctx: SluiceContext, topicName: string, partition: number): Promise<PartitionOffsetsResult> {
  const topic = await getTopic(ctx, topicName);
  requirePartition(topic, partition);
  const head = await readHead(ctx, topic.topicId, partition);
  return { topic: topic.name, partition, logStartOffset: head.logStartOffset, highWatermark: head.nextOffset };
}

/**
 * Kafka's offsets-for-times: the first offset whose timestamp is ≥ t. The byTime index
 * is keyed by the partition's running maximum timestamp, so the first index item at or
 * past t holds the answer: every earlier batch has only records before t. When that
 * batch is already below the log start (retention), the answer is the first kept record
 * at or past t. A batch released between reading the head and reading the batch makes
 * it read the head again, so a reader gets an answer, never an error, for an old t.
 */
export async function offsetForTime(ctx: SluiceContext, topicName: string, partition: number, timestamp: number): Promise<OffsetForTimeResult> {
  const topic = await getTopic(ctx, topicName);
  requirePartition(topic, partition);
  for (let attempt = 1; ; attempt++) {
    const head = await readHead(ctx, topic.topicId, partition);
    const base = { topic: topic.name, partition, logStartOffset: head.logStartOffset, highWatermark: head.nextOffset, timestamp };
    const entry = await firstBatchReaching(ctx, topic.topicId, partition, timestamp);
    if (!entry || entry.baseOffset >= head.nextOffset) return { ...base, offset: null };
    try {
      const offset =
        entry.lastOffset >= head.logStartOffset
          ? await firstRecordReaching(ctx, entry, timestamp, head.logStartOffset)
          : await firstKeptRecordReaching(ctx, topic.topicId, partition, head.logStartOffset, head.nextOffset, timestamp);
      return { ...base, offset };
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey' && attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
  }
}

/** Reads after which offsetForTime gives up on a log that keeps moving under it. */
const MAX_ATTEMPTS = 3;

/** The offset of the batch's first record at or past `timestamp` and at or past `logStart`; null if none. */
async function firstRecordReaching(ctx: SluiceContext, entry: SegmentIndexEntry, timestamp: number, logStart: number): Promise<number | null> {
  const object = await ctx.s3.send(
    new GetObjectCommand({ Bucket: ctx.bucket, Key: entry.objectKey, Range: `bytes=${entry.byteStart}-${entry.byteStart + entry.byteLength - 1}` }),
  );
  const records = decodeBatch(await object.Body!.transformToByteArray());
  const index = records.findIndex((r, i) => r.timestamp >= timestamp && entry.baseOffset + i >= logStart);
  return index < 0 ? null : entry.baseOffset + index;
}

/** The first record at or past `timestamp` from the log start on: batches whose own maximum is earlier are skipped unread. */
async function firstKeptRecordReaching(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  logStart: number,
  highWatermark: number,
  timestamp: number,
): Promise<number | null> {
  const keys = indexSortKeysFrom(logStart);
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tables.log,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition), ':from': keys.from, ':to': keys.to },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const entry of (page.Items ?? []).map(fromIndexItem)) {
      if (entry.baseOffset >= highWatermark) return null;
      if (entry.maxTimestamp < timestamp) continue;
      const offset = await firstRecordReaching(ctx, entry, timestamp, logStart);
      if (offset !== null) return offset;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return null;
}

/**
 * The index entry of the first batch whose running maximum timestamp is at least
 * `timestamp` (one strongly consistent Query of the byTime index): every earlier batch
 * holds only records before it. Undefined when no batch reaches it. It may be a batch
 * committed after the caller read the head, so compare its offsets with that head.
 */
export async function firstBatchReaching(ctx: SluiceContext, topicId: string, partition: number, timestamp: number): Promise<SegmentIndexEntry | undefined> {
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
  return item ? fromIndexItem(item) : undefined;
}
