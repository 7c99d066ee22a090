import type { SluiceContext } from '../core/context';
import type { OffsetForTimeResponse, PartitionOffsetsResponse, TopicOffsets } from '../protocol/responses';
import { RETRY, withRetries } from '../core/retry';
import { decodeBatchAt } from '../format/batch-codec';
import { readHead, readHeads, type PartitionHead } from '../store/partition-head-store';
import { firstBatchReaching, readIndexPage, type PageKey, type SegmentIndexEntry } from '../store/segment-index-store';
import { readSegmentRange } from '../store/segment-object-store';
import { getTopic, requirePartition } from '../topics/topic-repository';

// What the offsets route answers: the wire contract's shapes.
export type PartitionOffsetsResult = PartitionOffsetsResponse;
export type OffsetForTimeResult = OffsetForTimeResponse;
export type TopicOffsetsResult = TopicOffsets;

/** The earliest readable offset and the high watermark (the next offset to be written). */
export async function listOffsets(ctx: SluiceContext, topicName: string, partition: number): Promise<PartitionOffsetsResult> {
  const topic = await getTopic(ctx, topicName);
  requirePartition(topic, partition);
  const head = await readHead(ctx, topic.topicId, partition);
  return { topic: topic.name, partition, logStartOffset: head.logStartOffset, highWatermark: head.nextOffset };
}

/**
 * Every partition's log start offset and high watermark (0 and 0 for one never written):
 * the topic item, then all heads at once (BatchGetItems of 100 keys, in flight together).
 * What describe answered before it became one read, Kafka's ListOffsets for a whole topic.
 */
export async function listTopicOffsets(ctx: SluiceContext, topicName: string): Promise<TopicOffsetsResult> {
  const topic = await getTopic(ctx, topicName);
  const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
  const heads = await readHeads(ctx, topic.topicId, partitions);
  return {
    topic: topic.name,
    partitions: partitions.map((partition) => {
      const head = heads.get(partition);
      const bytes = storedBytes(head);
      return { partition, logStartOffset: head?.logStartOffset ?? 0, highWatermark: head?.nextOffset ?? 0, ...(bytes === undefined ? {} : { storedBytes: bytes }) };
    }),
  };
}

/**
 * The bytes a partition holds, from the head already read (no further request): as
 * retention.bytes counts them, `bytesTotal - logStartBytes` (absent: 0). A partition never
 * written holds none; a head from before bytes were counted does not know.
 */
function storedBytes(head: PartitionHead | undefined): number | undefined {
  if (!head) return 0;
  if (head.bytesTotal === undefined) return undefined;
  return Math.max(0, head.bytesTotal - (head.logStartBytes ?? 0));
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
  return withRetries(
    ctx,
    // No wait: the log moved, so reading it again at once finds the new state.
    { attempts: MAX_ATTEMPTS, baseDelayMs: 0 },
    async () => {
      const head = await readHead(ctx, topic.topicId, partition);
      const base = { topic: topic.name, partition, logStartOffset: head.logStartOffset, highWatermark: head.nextOffset, timestamp };
      const entry = await firstBatchReaching(ctx, topic.topicId, partition, timestamp);
      if (!entry || entry.baseOffset >= head.nextOffset) return { ...base, offset: null };
      // Compaction may have removed the record that made this batch reach the time: then
      // the answer is the first later record that does.
      let offset = entry.lastOffset >= head.logStartOffset ? await firstRecordReaching(ctx, entry, timestamp, head.logStartOffset) : null;
      if (offset === null) offset = await firstKeptRecordReaching(ctx, topic.topicId, partition, Math.max(head.logStartOffset, entry.lastOffset >= head.logStartOffset ? entry.lastOffset + 1 : 0), head.nextOffset, timestamp);
      return offset === GONE ? RETRY : { ...base, offset };
    },
    (attempts) => new Error(`offsets-for-times on ${topic.name}/${partition}: a batch's object was gone on each of ${attempts} reads`),
  );
}

/** A batch whose object was gone when read: released since the head was read. */
const GONE: unique symbol = Symbol('gone');

/** Reads after which offsetForTime gives up on a log that keeps moving under it. */
const MAX_ATTEMPTS = 3;

/** The offset of the batch's first record at or past `timestamp` and at or past `logStart`; null if none; GONE when its object is. */
async function firstRecordReaching(ctx: SluiceContext, entry: SegmentIndexEntry, timestamp: number, logStart: number): Promise<number | null | typeof GONE> {
  const bytes = await readSegmentRange(ctx, entry.objectKey, entry.byteStart, entry.byteLength);
  if (!bytes) return GONE;
  return decodeBatchAt(bytes, entry.baseOffset).find((r) => r.timestamp >= timestamp && r.offset >= logStart)?.offset ?? null;
}

/** The first record at or past `timestamp` from the log start on: batches whose own maximum is earlier are skipped unread. */
async function firstKeptRecordReaching(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  logStart: number,
  highWatermark: number,
  timestamp: number,
): Promise<number | null | typeof GONE> {
  let startKey: PageKey | undefined;
  do {
    const page = await readIndexPage(ctx, topicId, partition, logStart, { startKey });
    for (const entry of page.entries) {
      if (entry.baseOffset >= highWatermark) return null;
      if (entry.maxTimestamp < timestamp) continue;
      const offset = await firstRecordReaching(ctx, entry, timestamp, logStart);
      if (offset !== null) return offset;
    }
    startKey = page.nextKey;
  } while (startKey);
  return null;
}
