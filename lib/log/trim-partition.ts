import type { SluiceContext } from '../core/context';
import { CommitContendedError, OffsetOutOfRangeError } from '../core/errors';
import { RETRY, withRetries } from '../core/retry';
import type { PartitionOffsetsResponse } from '../protocol/responses';
import { readHead, type PartitionHead } from '../store/partition-head-store';
import { batchHolding, startBytesOf } from '../store/segment-index-store';
import { trimLogStart } from '../store/retention-due-store';
import { getTopic, requirePartition } from '../topics/topic-repository';

/** Kafka's DeleteRecords offset meaning "up to the high watermark". */
export const TRIM_TO_HIGH_WATERMARK = -1;

/** A commit held the head: a few quick attempts, as a produce commit would. */
const ATTEMPTS = 8;

/**
 * Kafka's DeleteRecords (S2's trim): records below `offset` leave the log. The log start
 * moves there at once (never back: an offset at or below it changes nothing), so fetches
 * below it answer 416 from now on; the batches below are released by the next retention
 * run, which the trim marks due (`trimLogStart`). `offset` may be the high watermark (or
 * -1 for it), which empties the log; past it is out of range, as in Kafka. Answers the
 * partition's offsets after the trim. (A topic deleted under the trim looks like an empty
 * partition: out of range for any offset past 0.)
 */
export async function trimPartition(ctx: SluiceContext, topicName: string, partition: number, offset: number): Promise<PartitionOffsetsResponse> {
  const topic = await getTopic(ctx, topicName);
  requirePartition(topic, partition);
  return withRetries(
    ctx,
    { attempts: ATTEMPTS, baseDelayMs: 20, maxDelayMs: 200 },
    async () => {
      const head = await readHead(ctx, topic.topicId, partition);
      const target = offset === TRIM_TO_HIGH_WATERMARK ? head.nextOffset : offset;
      if (target > head.nextOffset) throw new OffsetOutOfRangeError(target, head.logStartOffset, head.nextOffset);
      const answer = { topic: topic.name, partition, logStartOffset: head.logStartOffset, highWatermark: head.nextOffset };
      if (target <= head.logStartOffset) return answer;
      const outcome = await trimLogStart(ctx, topic.topicId, partition, target, await bytesAt(ctx, topic.topicId, partition, head, target));
      if (outcome.kind === 'trimmed') return { ...answer, logStartOffset: target };
      // 'not-behind': retention or another trim moved it meanwhile, or the topic was deleted; 'contended': a commit. Look again.
      return RETRY;
    },
    () => new CommitContendedError(ATTEMPTS),
  );
}

/**
 * The head's `bytesTotal` where the batch holding `offset` begins (the batch stays whole
 * when a trim cuts it): what the partition's size is counted from once the log starts
 * there. Undefined when the head does not count bytes yet.
 */
async function bytesAt(ctx: SluiceContext, topicId: string, partition: number, head: PartitionHead, offset: number): Promise<number | undefined> {
  if (head.bytesTotal === undefined) return undefined;
  if (offset >= head.nextOffset) return head.bytesTotal;
  const holding = await batchHolding(ctx, topicId, partition, offset);
  // A batch written before bytes were counted began before counting did.
  return holding ? startBytesOf(holding) : 0;
}
