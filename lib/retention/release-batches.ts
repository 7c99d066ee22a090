import type { SluiceContext } from '../core/context';
import { inParallel } from '../core/in-parallel';
import { RETRY, withRetries, type RetryPolicy } from '../core/retry';
import { readBatchCounts } from '../store/object-ref-store';
import { releaseBatch, releaseLastBatch } from '../store/release-transactions';
import { deleteIndexItemsNaming, indexItemRenamed, type ExpiredBatch } from '../store/segment-index-store';
import { deleteSegmentObjects } from '../store/segment-object-store';

/**
 * Taking index items out of the log for good, with their objects once no item names
 * them: retention's release of batches below the log start, and compaction's release of
 * the items a compacted item covers. docs/design.md ("Retention") says why the order
 * below is safe against reruns, overlapping runs and crashes.
 */
export interface ReleaseTally {
  /** Index items deleted. */
  batchesReleased: number;
  /** Ref items deleted: objects no kept batch uses. */
  objectsReleased: number;
  /** Of those, S3 objects deleted. */
  objectsDeleted: number;
  /** Batches left for the next run (a write that kept failing, or an inconsistent ref count). */
  failures: number;
}

/** Transactions in flight at once. */
const PARALLEL_WRITES = 8;
/** One write that keeps meeting a concurrent transaction (or a count that moved): 8 attempts, full jitter from 40 ms up to 1 s. */
const WRITE_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 40, maxDelayMs: 1000 };

/** Thrown by a retried write that used up WRITE_RETRY; caught where that counts as a failure, not an error. */
class AttemptsExhausted extends Error {}

/**
 * Releases index items of one partition (each naming the object it was read with). Other
 * partitions' batches of the same objects, and other batches of one compacted object, may
 * be released concurrently: the conditions sort that out.
 */
export async function releaseBatches(
  ctx: SluiceContext,
  batches: readonly ExpiredBatch[],
  tally: ReleaseTally,
  log: (entry: Record<string, unknown>) => void,
  where: Record<string, unknown>,
): Promise<void> {
  const counts = await readBatchCounts(ctx, [...new Set(batches.map((batch) => batch.objectKey))]);
  const last: ExpiredBatch[] = [];
  await inParallel(batches, PARALLEL_WRITES, async (batch) => {
    const outcome = await releaseOne(ctx, batch, counts);
    if (outcome === 'released') tally.batchesReleased++;
    else if (outcome === 'last') last.push(batch);
    else if (outcome === 'failed') tally.failures++;
  });
  if (last.length > 0) await releaseLastBatches(ctx, last, tally, log, where);
}

/**
 * One transaction: delete the index item (if it still names the object) and count it off
 * its object's ref item (if more than this batch is counted). Answers 'last' when this is
 * the object's last counted batch, or its ref item is gone.
 */
async function releaseOne(ctx: SluiceContext, batch: ExpiredBatch, counts: Map<string, number>): Promise<'released' | 'gone' | 'last' | 'failed'> {
  return withRetries(
    ctx,
    WRITE_RETRY,
    async (): Promise<'released' | 'gone' | 'last' | 'failed' | typeof RETRY> => {
      const count = counts.get(batch.objectKey);
      if (count === undefined || count <= 1) return 'last';
      const outcome = await releaseBatch(ctx, batch.key, batch.objectKey);
      if (outcome.kind === 'released') {
        counts.set(batch.objectKey, count - 1);
        return 'released';
      }
      // Released already, by a concurrent run; or rewritten by compaction since it was read,
      // which is not released: a failure, so the caller looks again (retention keeps the partition due).
      if (outcome.kind === 'batch-gone') return (await indexItemRenamed(ctx, batch.key, batch.objectKey)) ? 'failed' : 'gone';
      // The count moved (another batch of the object was released): look again.
      if (outcome.kind === 'count-moved') {
        const read = (await readBatchCounts(ctx, [batch.objectKey])).get(batch.objectKey);
        if (read === undefined) counts.delete(batch.objectKey);
        else counts.set(batch.objectKey, read);
      }
      return RETRY;
    },
    () => new AttemptsExhausted(),
  ).catch((error: unknown) => {
    if (error instanceof AttemptsExhausted) return 'failed' as const;
    throw error;
  });
}

/**
 * The last batches of their objects: delete each ref item in a transaction that checks
 * the index item still names the object (so a stale count cannot retire an object that
 * another, kept batch still references), then delete the S3 objects, and only then the
 * index items. Until then the index item is what a rerun finds to finish the job after a crash.
 */
async function releaseLastBatches(
  ctx: SluiceContext,
  batches: readonly ExpiredBatch[],
  tally: ReleaseTally,
  log: (entry: Record<string, unknown>) => void,
  where: Record<string, unknown>,
): Promise<void> {
  const retired: ExpiredBatch[] = [];
  await inParallel(batches, PARALLEL_WRITES, async (batch) => {
    const outcome = await withRetries(
      ctx,
      WRITE_RETRY,
      async () => {
        const released = await releaseLastBatch(ctx, batch.key, batch.objectKey);
        return released.kind === 'contended' ? RETRY : released.kind;
      },
      () => new AttemptsExhausted(),
    ).catch((error: unknown) => {
      if (error instanceof AttemptsExhausted) return 'failed' as const;
      throw error;
    });
    if (outcome === 'retired') retired.push(batch);
    // 'batch-gone': finished by a concurrent run, or rewritten by compaction since it was read (then a failure: look again).
    else if (outcome === 'batch-gone') {
      if (await indexItemRenamed(ctx, batch.key, batch.objectKey)) tally.failures++;
    } else if (outcome === 'count-too-high') {
      // More batches counted than this one, which the count read said was the last: another
      // batch of the object (of a compacted object, in this very page) is still counted.
      // Left for the next run, which reads the count again.
      tally.failures++;
      log({ level: 'WARN', message: 'an object counts more batches than this release expected; kept it for the next run', ...where, objectKey: batch.objectKey });
    } else if (outcome === 'failed') tally.failures++;
  });
  if (retired.length === 0) return;
  const objectKeys = [...new Set(retired.map((batch) => batch.objectKey))];
  tally.objectsReleased += objectKeys.length;
  // No ref item is left and no index item that stays names these objects, so no fetch may read them: delete them now
  // (a fetch that read older items meets a missing object and reads the index again). Leaving them to the orphan
  // collector would make it list and check a retention period of objects again on every run.
  const { deleted, failed } = await deleteSegmentObjects(ctx, objectKeys);
  tally.objectsDeleted += deleted.length;
  const failedKeys = new Set(failed.map((failure) => failure.key));
  for (const failure of failed) {
    tally.failures++;
    log({ level: 'WARN', message: 'could not delete a released object; the next run tries again', ...where, objectKey: failure.key, code: failure.code, reason: failure.message });
  }
  // The index items go last: until then they are what a rerun finds to finish the job after a crash. Each only while it
  // still names the object: one compaction rewrote meanwhile is not this release's (a failure: look again).
  const { deleted: itemsDeleted, renamed } = await deleteIndexItemsNaming(ctx, retired.filter((batch) => !failedKeys.has(batch.objectKey)));
  tally.batchesReleased += itemsDeleted;
  tally.failures += renamed.length;
}
