import type { SluiceContext } from '../core/context';
import { inParallel } from '../core/in-parallel';
import { RETRY, withRetries, type RetryPolicy } from '../core/retry';
import { advanceLogStart as advanceHeadLogStart, readHeads, type PartitionHead } from '../store/partition-head-store';
import { clearRetentionFrom, markRetentionFrom, queryDuePartitions, readLastFullSweep, recordFullSweep, type MarkOutcome } from '../store/retention-due-store';
import { batchHolding, firstBatchReaching, startBytesOf, readIndexPage, readExpiredPage, type PageKey } from '../store/segment-index-store';
import type { Topic } from '../store/topic-item';
import { listTopicItems } from '../topics/topic-repository';
import { releaseBatches } from './release-batches';
import { retentionLimitsFor, UNLIMITED_RETENTION } from './retention-settings';

export interface EnforceRetentionOptions {
  /** Retention of topics without `retention.ms`, in milliseconds; -1 keeps everything. */
  defaultRetentionMs: number;
  /** Epoch ms after which the run starts no further partition or page; the next run carries on. */
  deadline?: number;
  /** Structured log lines: one per partition whose log start moved, and one per failure. */
  log?: (entry: Record<string, unknown>) => void;
  /**
   * Read every head of every topic with a finite retention too, and take on the non-empty
   * partitions without a due mark (written before marks existed). Default: when the last
   * complete full sweep is FULL_SWEEP_INTERVAL_MS old or older.
   */
  fullSweep?: boolean;
}

/** How often a run reads every head as a backstop (the rest of the time it asks the byRetention index). */
export const FULL_SWEEP_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface PartitionTrim {
  topic: string;
  partition: number;
  /** The log start before and after. */
  from: number;
  to: number;
}

export interface RetentionEnforcement {
  topics: number;
  /** Partitions whose head was examined: those the byRetention index named due (and, in a full sweep, those without a mark). */
  partitions: number;
  /** Whether this run read every head (the daily backstop). */
  fullSweep: boolean;
  /** Partitions whose log start this run moved. */
  trimmed: PartitionTrim[];
  /** Offsets that left the readable log (the sum of `to - from`). */
  recordsExpired: number;
  /** Index items deleted. */
  batchesReleased: number;
  /** Ref items deleted: objects no kept batch uses. */
  objectsReleased: number;
  /** Of those, S3 objects deleted by this run. */
  objectsDeleted: number;
  /** Partitions or batches left for the next run (a write that kept failing, or an inconsistent ref count). */
  failures: number;
  /** False when the deadline stopped the run early. */
  complete: boolean;
}

/** Items of a page of index items below the log start (BatchGetItem reads at most 100 keys). */
const RELEASE_PAGE = 100;
/** Partitions worked on at once. */
const PARALLEL_PARTITIONS = 4;
/** One write that keeps meeting a concurrent transaction (or a count that moved): 8 attempts, full jitter from 40 ms up to 1 s. */
const WRITE_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 40, maxDelayMs: 1000 };


interface PartitionRef {
  topic: Topic;
  partition: number;
  logStartOffset: number;
  /** The head as this run read it. */
  head: PartitionHead;
  /** What the due mark becomes once everything below the log start is released. */
  settle: Settle;
}

/**
 * - `mark`: the first batch at the log start is the first kept one; its running maximum is the new mark.
 * - `clear`: everything expired; the log is empty (if nothing was committed since).
 * - `keep`: this run cannot tell (the log start moved under it, or a batch was committed after its read);
 *   the mark stays as it is, early, and the next run looks again.
 */
type Settle = { kind: 'mark'; retentionFrom: number } | { kind: 'clear' } | { kind: 'keep' };

/**
 * Kafka's time-based retention, as the `enforce-retention` schedule runs it. For every
 * partition, of every topic whose retention is not unlimited (`retention.ms`, else the
 * platform default; a `cleanup.policy` without `delete` counts as unlimited, by size
 * too, so only its trims are released), that has something to expire — its due mark, `retentionFrom`, is
 * before `now - retention`, which one Query of the byRetention index per topic finds —
 * and, once a day, every non-empty partition without a mark:
 *
 * 1. the new log start is the base offset of the first batch whose running maximum
 *    timestamp is at least `now - retention` (the byTime index, as offsets-for-times
 *    finds it), or the high watermark when every batch is older; the head's
 *    `logStartOffset` moves there by a conditional write, only forward;
 * 2. then every index item wholly below the log start is deleted, each in a small
 *    transaction that also releases it from its object's ref item (`batchCount`), so
 *    nothing is released twice; the last batch of an object deletes the ref item
 *    instead, then the S3 object, and only then the index item.
 *
 * 3. once step 2 finished without a failure, the due mark moves to the running maximum
 *    of the first kept batch (or is removed when the log is empty).
 *
 * Step 2 runs for every due partition whose log start is past 0, moved this run or not,
 * and the mark moves only after it, so whatever a crashed or cut-short run left keeps the
 * partition due and is finished by the next one. Idempotent and safe beside produce,
 * fetch, topic deletion and other runs: see docs/design.md, "Retention".
 */
export async function enforceRetention(ctx: SluiceContext, options: EnforceRetentionOptions): Promise<RetentionEnforcement> {
  const log = options.log ?? (() => {});
  const result: RetentionEnforcement = {
    topics: 0,
    partitions: 0,
    fullSweep: false,
    trimmed: [],
    recordsExpired: 0,
    batchesReleased: 0,
    objectsReleased: 0,
    objectsDeleted: 0,
    failures: 0,
    complete: true,
  };
  const pastDeadline = () => {
    if (options.deadline !== undefined && ctx.now() >= options.deadline) result.complete = false;
    return !result.complete;
  };
  const startedAt = ctx.now();
  result.fullSweep = options.fullSweep ?? (await fullSweepIsDue(ctx, startedAt));

  // Phase 1: move log starts (cheap, and what readers see), for every topic first.
  const toRelease: PartitionRef[] = [];
  for (const topic of await listTopicItems(ctx)) {
    if (pastDeadline()) break;
    result.topics++;
    // A cleanup.policy without delete (compact alone) keeps everything by time and size, as unlimited retention does.
    const { retentionMs, retentionBytes } = retentionLimitsFor(topic.config, options.defaultRetentionMs);
    const cutoff = retentionMs === UNLIMITED_RETENTION ? 0 : ctx.now() - retentionMs;
    // Record timestamps are never negative: nothing is older than a cutoff at or before 0.
    // Such a topic still has partitions marked DUE_NOW (below 0): trimmed, or past their retention.bytes.
    const expiring = cutoff > 0;
    const heads = await headsToExamine(ctx, topic, cutoff, result.fullSweep && expiring);
    await inParallel([...heads], PARALLEL_PARTITIONS, async ([partition, head]) => {
      if (pastDeadline()) return;
      result.partitions++;
      let logStartOffset = head.logStartOffset;
      let settle: Settle = { kind: 'keep' };
      try {
        // By time: the first batch whose running maximum reaches the cutoff (or the high watermark when none does).
        const kept = expiring ? await firstBatchReaching(ctx, topic.topicId, partition, cutoff) : undefined;
        // A batch found past the high watermark was committed after the head was read; everything the head covers is older.
        const byTime: Start | undefined = !expiring
          ? undefined
          : kept && kept.baseOffset <= head.nextOffset
            ? { offset: kept.baseOffset, bytes: kept.baseOffset === head.nextOffset ? head.bytesTotal : startBytesOf(kept) }
            : { offset: head.nextOffset, bytes: head.bytesTotal };
        // By size: the first batch of the newest retention.bytes; whichever of the two goes further wins, as in Kafka.
        const bySize = retentionBytes === undefined ? undefined : await sizeStart(ctx, topic.topicId, partition, head, retentionBytes, pastDeadline);
        const start = byTime && bySize ? (bySize.offset > byTime.offset ? bySize : byTime) : (byTime ?? bySize);
        const target = start?.offset ?? logStartOffset;
        if (start && target > logStartOffset) {
          if (await advanceLogStart(ctx, topic.topicId, partition, target, start.bytes)) {
            result.trimmed.push({ topic: topic.name, partition, from: logStartOffset, to: target });
            result.recordsExpired += target - logStartOffset;
            log({ level: 'INFO', message: 'retention moved the log start', topic: topic.name, partition, from: logStartOffset, to: target, retentionMs, retentionBytes, cutoff });
            logStartOffset = target;
          } else {
            // Another run got there first (or further), a trim did, or the topic is being deleted.
            logStartOffset = (await readHeads(ctx, topic.topicId, [partition])).get(partition)?.logStartOffset ?? 0;
          }
        }
        if (start === byTime && byTime && logStartOffset === target) {
          if (!kept) settle = { kind: 'clear' };
          else if (kept.baseOffset === target) settle = { kind: 'mark', retentionFrom: kept.runningMaxTimestamp };
        } else if (logStartOffset >= target) {
          // The size rule chose the start, or a trim put it past what time retention would, or the topic keeps
          // everything: the mark comes from the batch holding the log start, which a trim may have cut in the middle.
          settle = await settleAt(ctx, topic, partition, logStartOffset, head);
        }
      } catch (error) {
        result.failures++;
        log({ level: 'WARN', message: 'retention left a partition for the next run', topic: topic.name, partition, error: String(error) });
      }
      toRelease.push({ topic, partition, logStartOffset, head, settle });
    });
  }

  // Phase 2: release what lies below each log start, then settle the partition's due mark. Shuffled, so that a partition
  // with a large backlog does not always hold up the same others when runs are cut short.
  for (const ref of shuffled(toRelease, ctx.random)) {
    if (pastDeadline()) break;
    try {
      const failuresBefore = result.failures;
      const released = ref.logStartOffset === 0 || (await releaseBelow(ctx, ref, result, pastDeadline, log));
      // Only a partition with nothing left below its log start leaves the due list; otherwise the next run finishes it.
      if (released && result.failures === failuresBefore) await settleMark(ctx, ref);
    } catch (error) {
      result.failures++;
      log({ level: 'WARN', message: 'retention left a partition for the next run', topic: ref.topic.name, partition: ref.partition, error: String(error) });
    }
  }
  if (result.fullSweep && result.complete) await recordFullSweep(ctx, startedAt);
  return result;
}

/** A log start a rule chose, with the head's `bytesTotal` where its batch begins (undefined: not counted). */
interface Start {
  offset: number;
  bytes: number | undefined;
}


/** Index items read per page while looking for where the newest retention.bytes begin. */
const SIZE_PAGE = 100;

/**
 * Kafka's `retention.bytes`: the first batch that must stay so that the partition keeps at
 * least `retentionBytes` (a batch goes only if what remains after it is still that much,
 * Kafka's rule for segments, so the newest batch always stays). Undefined when the
 * partition holds no more than that, or does not count bytes yet. Walks the offset index
 * from the log start: as many items as the run will then release.
 */
async function sizeStart(ctx: SluiceContext, topicId: string, partition: number, head: PartitionHead, retentionBytes: number, pastDeadline: () => boolean): Promise<Start | undefined> {
  const total = head.bytesTotal;
  if (total === undefined || total - (head.logStartBytes ?? 0) <= retentionBytes) return undefined;
  // A batch ending at or before this many bytes may go.
  const releasable = total - retentionBytes;
  let startKey: PageKey | undefined;
  do {
    const page = await readIndexPage(ctx, topicId, partition, head.logStartOffset, { limit: SIZE_PAGE, startKey });
    for (const entry of page.entries) {
      // Past what the head covers, whose last batch ends at `total` and so always stays: items without byte counts
      // where the head has them cannot be; leave the partition as it is.
      if (entry.baseOffset >= head.nextOffset) return undefined;
      if ((entry.endBytes ?? 0) > releasable) return { offset: entry.baseOffset, bytes: startBytesOf(entry) };
    }
    startKey = page.nextKey;
  } while (startKey && !pastDeadline());
  return undefined;
}

/**
 * The due mark for a log start that time retention did not choose: the running maximum of
 * the batch holding it, or none when the log is empty. 'keep' when a commit came after
 * the head was read (the next run looks again).
 */
async function settleAt(ctx: SluiceContext, topic: Topic, partition: number, logStartOffset: number, head: PartitionHead): Promise<Settle> {
  const holding = await batchHolding(ctx, topic.topicId, partition, logStartOffset);
  if (!holding) return logStartOffset === head.nextOffset ? { kind: 'clear' } : { kind: 'keep' };
  if (holding.baseOffset >= head.nextOffset) return { kind: 'keep' };
  return { kind: 'mark', retentionFrom: holding.runningMaxTimestamp };
}

/** Whether the last complete full sweep is FULL_SWEEP_INTERVAL_MS old or older (or there never was one). */
async function fullSweepIsDue(ctx: SluiceContext, now: number): Promise<boolean> {
  const last = await readLastFullSweep(ctx);
  return last === undefined || now - last >= FULL_SWEEP_INTERVAL_MS;
}

/**
 * The heads a run looks at for one topic: the partitions the byRetention index names due,
 * and in a full sweep also every non-empty partition without a mark (written before marks
 * existed; Sluice's own writes never leave one so).
 */
async function headsToExamine(ctx: SluiceContext, topic: Topic, cutoff: number, fullSweep: boolean): Promise<Map<number, PartitionHead>> {
  const due = (await queryDuePartitions(ctx, topic.topicId, cutoff)).filter((p) => p < topic.partitions);
  const partitions = fullSweep ? Array.from({ length: topic.partitions }, (_, p) => p) : due;
  const dueSet = new Set(due);
  const heads = new Map<number, PartitionHead>();
  for (const [partition, head] of await readHeads(ctx, topic.topicId, partitions)) {
    if (!head) continue;
    if (dueSet.has(partition) || (head.retentionFrom === undefined && head.nextOffset > head.logStartOffset)) heads.set(partition, head);
  }
  return heads;
}

/** Moves or removes the partition's due mark after its releases finished (a no-op when it already says so). */
async function settleMark(ctx: SluiceContext, ref: PartitionRef): Promise<void> {
  const { settle, head, topic, partition, logStartOffset } = ref;
  if (settle.kind === 'keep') return;
  if (settle.kind === 'mark' && head.retentionFrom === settle.retentionFrom) return;
  if (settle.kind === 'clear' && head.retentionFrom === undefined) return;
  // 'moved': the log start moved on, or something was committed to an empty log; that writer's mark or the next run settles it.
  await retryContended(ctx, () =>
    settle.kind === 'mark'
      ? markRetentionFrom(ctx, topic.topicId, partition, logStartOffset, settle.retentionFrom)
      : clearRetentionFrom(ctx, topic.topicId, partition, logStartOffset),
  );
}

async function retryContended(ctx: SluiceContext, write: () => Promise<MarkOutcome>): Promise<void> {
  let last: Error | undefined;
  await withRetries(
    ctx,
    WRITE_RETRY,
    async () => {
      const outcome = await write();
      if (outcome.kind === 'contended') {
        last = outcome.cause;
        return RETRY;
      }
      return undefined;
    },
    () => last!,
  );
}

/** Moves the head's log start forward to `target`; false when it was not behind it (or the head is gone). */
async function advanceLogStart(ctx: SluiceContext, topicId: string, partition: number, target: number, targetBytes: number | undefined): Promise<boolean> {
  let last: Error | undefined;
  return withRetries(
    ctx,
    WRITE_RETRY,
    async () => {
      const outcome = await advanceHeadLogStart(ctx, topicId, partition, target, targetBytes);
      if (outcome.kind === 'contended') {
        last = outcome.cause;
        return RETRY;
      }
      return outcome.kind === 'advanced';
    },
    // What the last attempt met: a conflict, which the entry points classify as transient.
    () => last!,
  );
}

/** Deletes the index items of `ref`'s partition that lie wholly below its log start, page by page; false when the deadline stopped it. */
async function releaseBelow(
  ctx: SluiceContext,
  ref: PartitionRef,
  result: RetentionEnforcement,
  pastDeadline: () => boolean,
  log: (entry: Record<string, unknown>) => void,
): Promise<boolean> {
  let startKey: PageKey | undefined;
  do {
    const page = await readExpiredPage(ctx, ref.topic.topicId, ref.partition, ref.logStartOffset, { limit: RELEASE_PAGE, startKey });
    if (page.batches.length > 0) await releaseBatches(ctx, page.batches, result, log, { topic: ref.topic.name, partition: ref.partition });
    startKey = page.nextKey;
  } while (startKey && !pastDeadline());
  return startKey === undefined;
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** Runs `work` over `items`, `limit` at a time. */
