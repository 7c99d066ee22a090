import type { SluiceContext } from '../core/context';
import { inParallel } from '../core/in-parallel';
import { compactionSettingsOf, type CompactionSettings } from '../protocol/topic-config';
import { readCompactionStates, type CompactionState } from '../store/compaction-state-store';
import { readHeads, type PartitionHead } from '../store/partition-head-store';
import { deleteRetiredMarkers, readRetiredObjects } from '../store/retired-object-store';
import { deleteSegmentObjects } from '../store/segment-object-store';
import { listTopicItems } from '../topics/topic-repository';
import { compactPartition, DEFAULT_COMPACTION_LIMITS, type CompactionLimits, type PartitionCompaction } from './compact-partition';

export interface CompactLogOptions {
  limits?: CompactionLimits;
  /** Epoch ms after which the run starts no further partition; the next run carries on. */
  deadline?: number;
  log?: (entry: Record<string, unknown>) => void;
  /** Only these topics (tests, the bench); default every topic. */
  topics?: readonly string[];
  /** Compact every partition with anything to do, due or not (tests, the bench). */
  force?: boolean;
}

export interface LogCompaction {
  topics: number;
  /** Partitions whose head was read, and those found due and compacted. */
  partitionsRead: number;
  partitionsCompacted: number;
  /** Retired objects a crashed run left, deleted now. */
  retiredObjectsDeleted: number;
  partitions: PartitionCompaction[];
  complete: boolean;
}

/** Merging waits for at least this many new batches in a partition. */
export const MIN_MERGE_BATCHES = 16;
/** Partitions compacted at once. */
const PARALLEL_PARTITIONS = 4;
/** Retired-object markers handled per run. */
const RETIRED_PER_RUN = 1000;

/**
 * The compaction schedule's run: first deletes objects that a crashed run retired but did
 * not delete, then reads every topic's heads and compaction states (eventually consistent
 * BatchGetItems) and compacts the partitions that are due (`compactionDue`).
 */
export async function compactLog(ctx: SluiceContext, options: CompactLogOptions = {}): Promise<LogCompaction> {
  const limits = options.limits ?? DEFAULT_COMPACTION_LIMITS;
  const result: LogCompaction = { topics: 0, partitionsRead: 0, partitionsCompacted: 0, retiredObjectsDeleted: 0, partitions: [], complete: true };
  const retired = await readRetiredObjects(ctx, RETIRED_PER_RUN);
  if (retired.length > 0) {
    const { deleted } = await deleteSegmentObjects(ctx, retired);
    await deleteRetiredMarkers(ctx, deleted);
    result.retiredObjectsDeleted = deleted.length;
  }
  const failures: unknown[] = [];
  const wanted = options.topics ? new Set(options.topics) : undefined;
  const topics = (await listTopicItems(ctx)).filter((topic) => !wanted || wanted.has(topic.name));
  for (const topic of topics) {
    if (options.deadline !== undefined && ctx.now() > options.deadline) {
      result.complete = false;
      break;
    }
    result.topics++;
    const settings = compactionSettingsOf(topic.config);
    const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
    const [heads, states] = await Promise.all([readHeads(ctx, topic.topicId, partitions, { consistent: false }), readCompactionStates(ctx, topic.topicId, partitions)]);
    result.partitionsRead += partitions.length;
    const due = partitions.filter((p) => {
      const head = heads.get(p);
      return head !== undefined && (options.force ? head.nextOffset > head.logStartOffset : compactionDue(head, states.get(p)!, settings, limits, ctx.now()));
    });
    // A partition that fails stops new ones from starting, but the run waits for those in
    // flight before it answers (a Lambda environment must not freeze with writes pending).
    await inParallel(due, PARALLEL_PARTITIONS, async (partition) => {
      if (failures.length > 0 || (options.deadline !== undefined && ctx.now() > options.deadline)) {
        result.complete = false;
        return;
      }
      try {
        const done = await compactPartition(ctx, { topic, partition, head: heads.get(partition)!, state: states.get(partition)!, settings, limits, log: options.log });
        result.partitions.push(done);
        if (done.leased) result.partitionsCompacted++;
      } catch (error) {
        failures.push(error);
      }
    });
    if (failures.length > 0) break;
  }
  if (failures.length > 0) throw failures[0];
  return result;
}

/**
 * Whether a partition is worth a run, from its head and compaction state alone:
 * - a compacted topic, when its dirty section (bytes since the last compaction) is at least
 *   `min.cleanable.dirty.ratio` of the log, or any of it has waited `max.compaction.lag.ms`
 *   (counted from the last compaction: an upper bound of the oldest dirty record's wait);
 * - any topic, when at least MIN_MERGE_BATCHES batches arrived since, averaging under a
 *   quarter of the target batch: small objects to merge.
 */
export function compactionDue(head: PartitionHead, state: CompactionState, settings: CompactionSettings, limits: CompactionLimits, now: number): boolean {
  const dirtyBatches = (head.batchesTotal ?? 0) - state.cleanedBatches;
  if (dirtyBatches <= 0 || head.nextOffset <= head.logStartOffset) return false;
  const dirtyBytes = (head.bytesTotal ?? 0) - state.cleanedBytes;
  if (settings.compact) {
    const total = (head.bytesTotal ?? 0) - (head.logStartBytes ?? 0);
    if (total > 0 && dirtyBytes / total >= settings.minCleanableDirtyRatio) return true;
    // Never compacted: the whole log is dirty, which the ratio above already found due.
    if (state.updatedAt > 0 && now - state.updatedAt >= settings.maxCompactionLagMs) return true;
  }
  return dirtyBatches >= MIN_MERGE_BATCHES && dirtyBytes / dirtyBatches < limits.targetBatchBytes / 4;
}
