import type { SluiceContext } from '../core/context';
import { CommitContendedError, CommitOutcomeUnknownError, TopicNotFoundError } from '../core/errors';
import { RETRY, withRetries, type RetryPolicy } from '../core/retry';
import { commitTransaction, type CommitBatchWrite } from '../store/commit-transaction';
import type { SegmentIndexEntry } from '../store/segment-index-store';
import type { Topic } from '../store/topic-item';
import { readCommitState, type CommitState } from './commit-state';
import { ConflictRate } from './conflict-rate';
import { OffsetMismatchError } from './produce-errors';
import { checkSequences, type ProducerClaim, type SequenceVerdict } from './sequence-check';
import { checkStreamAppend, closedByOf, type StreamAppend, type StreamVerdict } from './stream-append-check';
import type { StreamCommitWrite } from '../store/commit-transaction';
import { StreamClosedError } from './stream-append-errors';
import { recordMetric } from '../observability/metrics';
import { compactionSettingsOf, retentionBytesOf } from '../protocol/topic-config';

/** What one produce call commits for one partition: a batch already written to S3. */
export type PendingBatch = Omit<SegmentIndexEntry, 'baseOffset' | 'lastOffset' | 'committedAt' | 'objectKey'> & { partition: number };

export interface CommitOptions {
  /** An idempotent producer's claim; checked and recorded in the same transaction. */
  producer?: ProducerClaim;
  /** Conditional append (like S2's match_seq_num): commit only if the one partition's high watermark is this. */
  expectedOffset?: number;
  /** A Durable Streams append (one partition): closure, Stream-Seq and its producer, checked and written in the same transaction. */
  stream?: StreamAppend;
}

export interface CommitResult {
  baseOffsets: Map<number, number>;
  /** Set when the call was an exact retry of a committed one: nothing new was written, and this was the original's append time. */
  duplicateOf?: { appendTime: number };
  /** Transactions sent, cancelled ones included (what AWS bills; answered to the client as `commitAttempts`). */
  attempts: number;
  /** For a Durable Streams append found to be a retry of an accepted one: what that one left. */
  streamDuplicate?: Extract<StreamVerdict, { kind: 'duplicate' }>;
}

export const COMMIT_MAX_ATTEMPTS = 30;

/** This container's recent share of commit attempts that lost a race. */
const conflicts = new ConflictRate();

/** The conflict rate commit retries back off on, in [0, 1] (for the bench and tests). */
export function commitConflictRate(now: number): number {
  return conflicts.current(now);
}

/**
 * Full jitter, so contending writers spread out. A conflict rate r means about
 * 1 / (1 - r) writers contend (capped at 16); for the losers of a round not to collide
 * again, their retries must spread over about that many attempt durations, since the
 * partition's head admits one commit per attempt. So the first wait's bound is the
 * recent attempt duration times the contenders (20 ms at least, 1 s at most), doubling
 * per retry up to twice that (500 ms at least, 2 s at most). Each wasted attempt is a
 * billed transaction and a state read; under steady contention waiting longer costs
 * less than colliding again, and the head's one-commit-at-a-time rate is the same.
 */
export function commitRetryPolicy(conflictRate: number, attemptMs = 20): RetryPolicy {
  const rate = Math.min(MAX_RATE, Math.max(0, conflictRate));
  const contenders = 1 / (1 - rate);
  const baseDelayMs = Math.min(1000, Math.max(20, attemptMs * contenders));
  return { attempts: COMMIT_MAX_ATTEMPTS, baseDelayMs, maxDelayMs: Math.min(2000, Math.max(500, 2 * baseDelayMs)) };
}

/** A rate above 15/16 counts as 16 contenders. */
const MAX_RATE = 15 / 16;

/**
 * Decides what a call would do against the current state, without writing: the
 * sequence verdict, and the expected-offset check. Run before the S3 write, so exact
 * retries cost no object, and again inside every commit attempt.
 */
export function evaluate(state: CommitState, batches: readonly PendingBatch[], options: CommitOptions): SequenceVerdict {
  // A closed partition (a Durable Streams stream's) takes no more records, by any route.
  for (const batch of batches) {
    const head = state.heads.get(batch.partition);
    if (head?.closedAt !== undefined) throw new StreamClosedError(head.nextOffset);
  }
  if (options.expectedOffset !== undefined) {
    const only = batches[0]!;
    const highWatermark = state.heads.get(only.partition)?.nextOffset ?? 0;
    if (highWatermark !== options.expectedOffset) throw new OffsetMismatchError(only.partition, options.expectedOffset, highWatermark);
  }
  if (!options.producer) return { kind: 'append' };
  const counts = new Map(batches.map((b) => [b.partition, b.recordCount]));
  return checkSequences(options.producer, counts, state.producerStates);
}

/** The Durable Streams part of the decision (the one batch's head and the stream producer's state); `append` when the call is not one. */
export function evaluateStream(state: CommitState, batches: readonly PendingBatch[], options: CommitOptions): StreamVerdict {
  if (!options.stream) return { kind: 'append' };
  return checkStreamAppend(state.heads.get(batches[0]!.partition), state.streamProducer, options.stream);
}

/** What the head update and the producer's item record for an accepted Durable Streams append. */
function streamWrite(options: CommitOptions, verdict: StreamVerdict, nextOffset: number, committedAt: number): StreamCommitWrite | undefined {
  const append = options.stream;
  if (!append || verdict.kind !== 'append') return undefined;
  const producer = append.producer;
  return {
    ...(append.close ? { close: { at: committedAt, ...(producer ? { by: closedByOf(producer) } : {}) } } : {}),
    ...(append.writerSeq === undefined ? {} : { writerSeq: append.writerSeq }),
    ...(producer && verdict.producerState
      ? { producer: { id: producer.id, previous: verdict.producerState.previous, next: { epoch: producer.epoch, lastSeq: producer.seq, nextOffset } } }
      : {}),
  };
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
  // A compact-only topic keeps everything by size too (cleanup.policy without delete).
  const retentionBytes = compactionSettingsOf(topic.config).deleteByRetention ? retentionBytesOf(topic.config) : undefined;
  return withRetries(
    ctx,
    () => commitRetryPolicy(conflicts.current(ctx.now()), conflicts.meanAttemptMs()),
    async (attempt) => {
      const started = ctx.now();
      // One state read per attempt: the first may use the caller's, each retry reads once.
      const state = attempt === 1 && initialState ? initialState : await readCommitState(ctx, topic.topicId, partitions, claim, options.stream?.producer?.id);
      const streamVerdict = evaluateStream(state, batches, options);
      if (streamVerdict.kind === 'duplicate') return { baseOffsets: new Map(), streamDuplicate: streamVerdict, attempts: attempt - 1 };
      const verdict = evaluate(state, batches, options);
      // This attempt found the call committed (by an earlier one, or a copy) and sent no transaction.
      if (verdict.kind === 'duplicate') return { baseOffsets: verdict.baseOffsets, duplicateOf: { appendTime: verdict.appendTime }, attempts: attempt - 1 };
      const baseOffsets = new Map(batches.map((b) => [b.partition, state.heads.get(b.partition)?.nextOffset ?? 0]));
      const committedAt = ctx.now();
      const writes: CommitBatchWrite[] = batches.map((batch) => {
        const baseOffset = baseOffsets.get(batch.partition)!;
        const entry: SegmentIndexEntry = { ...batch, objectKey, baseOffset, lastOffset: baseOffset + batch.recordCount - 1, committedAt };
        const producerState = claim && { previous: state.producerStates.get(batch.partition), baseSequence: claim.sequences.get(batch.partition)!, appendTime };
        return { partition: batch.partition, head: state.heads.get(batch.partition), entry, ...(producerState ? { producerState } : {}) };
      });
      const producer = claim && { producerId: claim.producerId, epoch: claim.epoch, principal: claim.principal };
      const stream = streamWrite(options, streamVerdict, writes[0]!.entry.lastOffset + 1, committedAt);
      const outcome = await commitTransaction(ctx, {
        topic,
        objectKey,
        committedAt,
        ...(producer ? { producer } : {}),
        batches: writes,
        ...(retentionBytes === undefined ? {} : { retentionBytes }),
        ...(stream ? { stream } : {}),
      });
      // The first attempt's read overlapped the PUT and is not timed here; later ones include theirs.
      conflicts.record(ctx.now(), outcome.kind === 'contended', ctx.now() - started);
      switch (outcome.kind) {
        case 'committed':
          return { baseOffsets, attempts: attempt };
        case 'topic-gone':
          throw new TopicNotFoundError(topic.name);
        case 'outcome-unknown':
          throw new CommitOutcomeUnknownError(`Object ${objectKey} was already committed by an earlier attempt of this call; retry idempotently to learn its offsets`);
        case 'contended':
          // Re-read, re-decide (the read refuses a fenced or foreign producer), and retry.
          recordMetric('CommitConflicts', 'Count', 1);
          return RETRY;
      }
    },
    (attempts) => new CommitContendedError(attempts),
  );
}
