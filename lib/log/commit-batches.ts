import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { CommitContendedError, CommitOutcomeUnknownError, TopicNotFoundError } from '../core/errors';
import { toObjectRefItem } from '../store/object-ref-item';
import { headKey } from '../store/partition-head-item';
import { ownedByCondition, producerKey } from '../store/producer-item';
import { producerStateKey, withCommittedBatch } from '../store/producer-state-item';
import { timeSortKey, toIndexItem, type SegmentIndexEntry } from '../store/segment-index-item';
import { topicKey, type Topic } from '../store/topic-item';
import { readCommitState, type CommitState } from './commit-state';
import { OffsetMismatchError } from './produce-errors';
import { checkSequences, type ProducerClaim, type SequenceVerdict } from './sequence-check';
import { recordMetric } from '../observability/metrics';

/** What one produce call commits for one partition: a batch already written to S3. */
export type PendingBatch = Omit<SegmentIndexEntry, 'baseOffset' | 'lastOffset' | 'committedAt' | 'objectKey'> & { partition: number };

export interface CommitOptions {
  /** An idempotent producer's claim; checked and recorded in the same transaction. */
  producer?: ProducerClaim;
  /** Conditional append (like S2's match_seq_num): commit only if the one partition's high watermark is this. */
  expectedOffset?: number;
}

export interface CommitResult {
  baseOffsets: Map<number, number>;
  /** Set when the call was an exact retry of a committed one: nothing new was written, and this was the original's append time. */
  duplicateOf?: { appendTime: number };
}

export const COMMIT_MAX_ATTEMPTS = 30;

/**
 * Decides what a call would do against the current state, without writing: the
 * sequence verdict, and the expected-offset check. Run before the S3 write, so exact
 * retries cost no object, and again inside every commit attempt.
 */
export function evaluate(state: CommitState, batches: readonly PendingBatch[], options: CommitOptions): SequenceVerdict {
  if (options.expectedOffset !== undefined) {
    const only = batches[0]!;
    const highWatermark = state.heads.get(only.partition)?.nextOffset ?? 0;
    if (highWatermark !== options.expectedOffset) throw new OffsetMismatchError(only.partition, options.expectedOffset, highWatermark);
  }
  if (!options.producer) return { kind: 'append' };
  const counts = new Map(batches.map((b) => [b.partition, b.recordCount]));
  return checkSequences(options.producer, counts, state.producerStates);
}

/**
 * Commits one object's batches to their partitions in one DynamoDB transaction and
 * returns each partition's base offset.
 *
 * The transaction checks that the topic still has the same id (and, for an idempotent
 * call, that the producer's epoch is current and the producer is the caller's),
 * advances every head from the `nextOffset` it was read at (the condition fails if
 * anyone else committed in between), inserts each batch's index item, records the
 * producer's sequence, and marks the object as referenced. Offsets are thereby
 * assigned exactly once, without gaps, and a batch becomes visible together with the
 * high watermark that covers it. On a lost race it re-reads and tries again; a retry
 * that finds its own earlier commit answers that commit's offsets.
 */
export async function commitBatches(
  ctx: SluiceContext,
  topic: Topic,
  objectKey: string,
  batches: readonly PendingBatch[],
  appendTime: number,
  options: CommitOptions = {},
  /** State the caller just read; the first attempt uses it instead of reading again. */
  initialState?: CommitState,
): Promise<CommitResult> {
  const partitions = batches.map((b) => b.partition);
  const claim = options.producer;
  for (let attempt = 1; attempt <= COMMIT_MAX_ATTEMPTS; attempt++) {
    const state = attempt === 1 && initialState ? initialState : await readCommitState(ctx, topic.topicId, partitions, claim);
    const verdict = evaluate(state, batches, options);
    if (verdict.kind === 'duplicate') return { baseOffsets: verdict.baseOffsets, duplicateOf: { appendTime: verdict.appendTime } };
    const baseOffsets = new Map(batches.map((b) => [b.partition, state.heads.get(b.partition)?.nextOffset ?? 0]));
    const committedAt = ctx.now();
    const items: Record<string, unknown>[] = [
      {
        ConditionCheck: {
          TableName: ctx.tables.topics,
          Key: topicKey(topic.name),
          ConditionExpression: 'topicId = :topicId',
          ExpressionAttributeValues: { ':topicId': topic.topicId },
        },
      },
    ];
    if (claim) {
      // The epoch fences zombies; the principal keeps other callers off the id, whatever they read before.
      const owned = ownedByCondition(claim.principal);
      items.push({
        ConditionCheck: {
          TableName: ctx.tables.producers,
          Key: producerKey(claim.producerId),
          ConditionExpression: `epoch = :epoch AND ${owned.expression}`,
          ExpressionAttributeNames: owned.names,
          ExpressionAttributeValues: { ':epoch': claim.epoch, ...owned.values },
        },
      });
    }
    items.push({
      Put: {
        TableName: ctx.tables.log,
        Item: toObjectRefItem({ objectKey, committedAt, batchCount: batches.length }),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    for (const batch of batches) {
      const head = state.heads.get(batch.partition);
      const baseOffset = baseOffsets.get(batch.partition)!;
      const lastOffset = baseOffset + batch.recordCount - 1;
      // The running maximum makes the byTime index monotonic in offset order, as Kafka's time index is.
      const runningMax = Math.max(head?.maxTimestamp ?? 0, batch.maxTimestamp);
      const entry: SegmentIndexEntry = { ...batch, objectKey, baseOffset, lastOffset, committedAt };
      items.push(
        {
          Update: {
            TableName: ctx.tables.log,
            Key: headKey(topic.topicId, batch.partition),
            UpdateExpression:
              'SET nextOffset = :next, maxTimestamp = :maxTs, updatedAt = :now, logStartOffset = if_not_exists(logStartOffset, :zero), leaderEpoch = if_not_exists(leaderEpoch, :zero), topic = :topic, #partition = :partition',
            ConditionExpression: head ? 'nextOffset = :expected' : 'attribute_not_exists(pk)',
            ExpressionAttributeNames: { '#partition': 'partition' },
            ExpressionAttributeValues: {
              ':next': lastOffset + 1,
              ':maxTs': runningMax,
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
            Item: { ...toIndexItem(topic.topicId, batch.partition, entry), ts: timeSortKey(runningMax, lastOffset) },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      );
      if (claim) {
        const previous = state.producerStates.get(batch.partition);
        const sequence = claim.sequences.get(batch.partition)!;
        items.push({
          Put: {
            TableName: ctx.tables.log,
            Item: {
              ...producerStateKey(topic.topicId, batch.partition, claim.producerId),
              producerId: claim.producerId,
              epoch: claim.epoch,
              nextSequence: sequence + batch.recordCount,
              recent: withCommittedBatch(previous && previous.epoch === claim.epoch ? previous.recent : [], {
                baseSequence: sequence,
                recordCount: batch.recordCount,
                baseOffset,
                appendTime,
              }),
              updatedAt: committedAt,
            },
            // Unchanged since it was read: the same guarantee the head's condition gives offsets.
            ConditionExpression: previous ? 'epoch = :oldEpoch AND nextSequence = :oldNext' : 'attribute_not_exists(pk)',
            ...(previous ? { ExpressionAttributeValues: { ':oldEpoch': previous.epoch, ':oldNext': previous.nextSequence } } : {}),
          },
        });
      }
    }
    try {
      await ctx.ddb.send(new TransactWriteCommand({ TransactItems: items as never }));
      return { baseOffsets };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw new TopicNotFoundError(topic.name);
      // The object's ref item exists already: an earlier attempt of this very commit landed
      // (possible only if a retry was sent with a new request token). Its offsets are not
      // known here, so neither success nor failure may be claimed.
      const refIndex = claim ? 2 : 1;
      if (reasons[refIndex]?.Code === 'ConditionalCheckFailed') {
        throw new CommitOutcomeUnknownError(`Object ${objectKey} was already committed by an earlier attempt of this call; retry idempotently to learn its offsets`);
      }
      // A head or producer state moved (another writer won), the producer was fenced or is
      // not the caller's, or a concurrent transaction touched the same item: re-read,
      // re-decide (the read refuses a fenced or foreign producer), and retry.
      recordMetric('CommitConflicts', 'Count', 1);
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
