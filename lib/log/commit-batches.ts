import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../context';
import { CommitContendedError, TopicNotFoundError } from '../errors';
import { headKey } from '../storage/partition-head-item';
import { toIndexItem, type SegmentIndexEntry } from '../storage/segment-index-item';
import { topicKey, type Topic } from '../storage/topic-item';
import { readHeads } from '../topics/topic-repository';

/** What one produce call commits for one partition: a batch already written to S3. */
export type PendingBatch = Omit<SegmentIndexEntry, 'baseOffset' | 'lastOffset' | 'committedAt'> & { partition: number };

export const COMMIT_MAX_ATTEMPTS = 30;

/**
 * Commits batches to their partitions in one DynamoDB transaction and returns each
 * partition's assigned base offset.
 *
 * The transaction checks that the topic still has the same id, advances every head
 * from the `nextOffset` it was read at (the condition fails if anyone else committed
 * in between), and inserts each batch's index item. So offsets are assigned exactly
 * once, without gaps, and a batch becomes visible together with the high watermark
 * that covers it. On a lost race it re-reads the heads and tries again.
 */
export async function commitBatches(ctx: SluiceContext, topic: Topic, batches: readonly PendingBatch[]): Promise<Map<number, number>> {
  const partitions = batches.map((b) => b.partition);
  for (let attempt = 1; attempt <= COMMIT_MAX_ATTEMPTS; attempt++) {
    const heads = await readHeads(ctx, topic.topicId, partitions);
    const baseOffsets = new Map(batches.map((b) => [b.partition, heads.get(b.partition)?.nextOffset ?? 0]));
    const committedAt = ctx.now();
    try {
      await ctx.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: ctx.tables.topics,
                Key: topicKey(topic.name),
                ConditionExpression: 'topicId = :topicId',
                ExpressionAttributeValues: { ':topicId': topic.topicId },
              },
            },
            ...batches.flatMap((batch) => {
              const head = heads.get(batch.partition);
              const baseOffset = baseOffsets.get(batch.partition)!;
              const entry: SegmentIndexEntry = { ...batch, baseOffset, lastOffset: baseOffset + batch.recordCount - 1, committedAt };
              return [
                {
                  Update: {
                    TableName: ctx.tables.log,
                    Key: headKey(topic.topicId, batch.partition),
                    UpdateExpression:
                      'SET nextOffset = :next, updatedAt = :now, logStartOffset = if_not_exists(logStartOffset, :zero), leaderEpoch = if_not_exists(leaderEpoch, :zero), topic = :topic, #partition = :partition',
                    ConditionExpression: head ? 'nextOffset = :expected' : 'attribute_not_exists(pk)',
                    ExpressionAttributeNames: { '#partition': 'partition' },
                    ExpressionAttributeValues: {
                      ':next': baseOffset + batch.recordCount,
                      ':now': committedAt,
                      ':zero': 0,
                      ':topic': topic.name,
                      ':partition': batch.partition,
                      ...(head ? { ':expected': head.nextOffset } : {}),
                    },
                  },
                },
                {
                  Put: {
                    TableName: ctx.tables.log,
                    Item: toIndexItem(topic.topicId, batch.partition, entry),
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
              ];
            }),
          ],
        }),
      );
      return baseOffsets;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new TopicNotFoundError(topic.name);
      // A head moved (another writer won) or a concurrent transaction touched the same item.
      await ctx.sleep(backoffMs(attempt, ctx.random));
    }
  }
  throw new CommitContendedError(COMMIT_MAX_ATTEMPTS);
}

/** Exponential backoff with full jitter, capped, so contending writers spread out. */
export function backoffMs(attempt: number, random: () => number): number {
  const cap = Math.min(500, 10 * 2 ** Math.min(attempt, 10));
  return Math.floor(random() * cap);
}
