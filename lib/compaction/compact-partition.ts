import type { SluiceContext } from '../core/context';
import { decodeBatchAt } from '../format/batch-codec';
import { encodeCompactedObject } from '../format/segment-object';
import { compressionOf, timestampType, type CompactionSettings } from '../protocol/topic-config';
import { recordSize } from '../records/log-record';
import { releaseBatches, type ReleaseTally } from '../retention/release-batches';
import { acquireCompactionLease, releaseCompactionLease, type CompactionState } from '../store/compaction-state-store';
import { swapCompactedBatch, type SwapOutcome } from '../store/compaction-transactions';
import { segmentObjectKey } from '../store/object-keys';
import { readBatchCounts } from '../store/object-ref-store';
import type { PartitionHead } from '../store/partition-head-store';
import { deleteRetiredMarkers } from '../store/retired-object-store';
import { indexKey, readIndexPage, type PageKey, type SegmentIndexEntry } from '../store/segment-index-store';
import { deleteSegmentObjectQuietly, deleteSegmentObjects, putSegmentObject, readSegmentRange } from '../store/segment-object-store';
import type { Topic } from '../store/topic-item';
import { latestOffsets, planGroups, splitCovered, type InputBatch, type KeepRules, type PlannedGroup } from './plan-compaction';

export interface CompactionLimits {
  /** Record bytes of a rewritten batch, at most: a fetch reads a batch whole, so it stays within one fetch's answer. */
  targetBatchBytes: number;
  /** Bytes of a rewritten object, about: it holds several rewritten batches back to back. */
  targetObjectBytes: number;
  /** Stored bytes of the dirty section one run reads of one partition, at most (they are held in memory); the next run carries on. */
  maxRunBytes: number;
  /** Stored bytes read, rewritten and released at a time, walking the log from the start. */
  windowBytes: number;
  /** Merging leaves batches younger than this alone (tail readers read them; they may still be joined by more). */
  mergeMinAgeMs: number;
  /** How long a run's lease on a partition lasts: longer than the function's timeout. */
  leaseMs: number;
}

/** 1 MiB batches in 8 MiB objects: one fetch's worth per batch, and few objects per partition. */
export const DEFAULT_COMPACTION_LIMITS: CompactionLimits = {
  targetBatchBytes: 1024 * 1024,
  targetObjectBytes: 8 * 1024 * 1024,
  maxRunBytes: 128 * 1024 * 1024,
  windowBytes: 32 * 1024 * 1024,
  mergeMinAgeMs: 10 * 60 * 1000,
  leaseMs: 6 * 60 * 1000,
};

export interface PartitionCompaction {
  topic: string;
  partition: number;
  /** False when another run held the partition's lease: nothing was done. */
  leased: boolean;
  batchesRead: number;
  bytesRead: number;
  /** GETs of input batches. */
  gets: number;
  /** Rewritten batches swapped into the index, and the objects and bytes written for them. */
  batchesWritten: number;
  objectsWritten: number;
  bytesWritten: number;
  recordsDropped: number;
  /** Items taken out of the index (covered by rewritten ones), objects retired and deleted. */
  release: ReleaseTally;
  /** Swaps refused (the log moved under the run); the next run looks again. */
  swapsRefused: number;
  /** Where the compacted section now ends (exclusive), when the run moved it. */
  cleanedTo?: number;
}

export interface CompactPartitionInput {
  topic: Topic;
  partition: number;
  head: PartitionHead;
  state: CompactionState;
  settings: CompactionSettings;
  limits?: CompactionLimits;
  log?: (entry: Record<string, unknown>) => void;
}

/** Index entries a run reads of one partition, at most. */
const MAX_ENTRIES = 100_000;
/** At most this many ranged GETs of input batches are in flight at once. */
const PARALLEL_GETS = 8;

/**
 * Compacts one partition under a lease: reads its index (from the log start for a
 * compacted topic, whose whole log is rewritten against the dirty section's keys; from the
 * end of what was merged before otherwise), releases items left covered by a run that
 * crashed, reads the batches old enough to compact, plans the rewritten batches, writes
 * them into new objects, swaps each into the index in offset order and releases what it
 * covers before the next. docs/design.md ("Compaction") says why every step is safe.
 */
export async function compactPartition(ctx: SluiceContext, input: CompactPartitionInput): Promise<PartitionCompaction> {
  const limits = input.limits ?? DEFAULT_COMPACTION_LIMITS;
  const log = input.log ?? (() => undefined);
  const where = { topic: input.topic.name, partition: input.partition };
  const result: PartitionCompaction = {
    ...where,
    leased: false,
    batchesRead: 0,
    bytesRead: 0,
    gets: 0,
    batchesWritten: 0,
    objectsWritten: 0,
    bytesWritten: 0,
    recordsDropped: 0,
    release: { batchesReleased: 0, objectsReleased: 0, objectsDeleted: 0, failures: 0 },
    swapsRefused: 0,
  };
  const now = ctx.now();
  const leaseId = ctx.newId();
  if (!(await acquireCompactionLease(ctx, input.topic.topicId, input.partition, leaseId, now, now + limits.leaseMs))) return result;
  result.leased = true;
  let state: CompactionState | undefined;
  try {
    state = await compactUnderLease(ctx, input, limits, result, log, where, now);
  } finally {
    await releaseCompactionLease(ctx, input.topic.topicId, input.partition, leaseId, state);
  }
  if (state) result.cleanedTo = state.cleanedTo;
  return result;
}

async function compactUnderLease(
  ctx: SluiceContext,
  input: CompactPartitionInput,
  limits: CompactionLimits,
  result: PartitionCompaction,
  log: (entry: Record<string, unknown>) => void,
  where: Record<string, unknown>,
  now: number,
): Promise<CompactionState | undefined> {
  const { topic, partition, head, state, settings } = input;
  const start = settings.compact ? head.logStartOffset : Math.max(head.logStartOffset, state.cleanedTo);
  const entries = await readEntries(ctx, topic.topicId, partition, start, head.nextOffset);
  const { live, covered } = splitCovered(entries);
  if (covered.length > 0) await releaseBatches(ctx, covered.map(toBatchRef(topic.topicId, partition)), result.release, log, where);

  // The clean section (a compacted topic's log below `cleanedTo`) is rewritten whole; of the
  // dirty section, the batches older than the lag, up to what one run holds (one at least).
  const lagMs = settings.compact ? settings.minCompactionLagMs : limits.mergeMinAgeMs;
  const cleanable: SegmentIndexEntry[] = [];
  let dirtyBytes = 0;
  for (const entry of live) {
    const dirty = entry.lastOffset >= state.cleanedTo;
    if (dirty && (entry.committedAt > now - lagMs || (dirtyBytes > 0 && dirtyBytes + entry.byteLength > limits.maxRunBytes))) break;
    if (dirty) dirtyBytes += entry.byteLength;
    cleanable.push(entry);
  }
  const dirtyEntries = cleanable.filter((entry) => entry.lastOffset >= state.cleanedTo);
  // Nothing new to compact against, or to merge, yet: wait.
  if (dirtyEntries.length === 0) return undefined;

  // A compacted topic's keys come from the dirty section, read whole first (it is held in memory).
  const held = new Map<SegmentIndexEntry, InputBatch>();
  let latest = new Map<string, number>();
  if (settings.compact) {
    const dirtyInputs = await readInputs(ctx, dirtyEntries, result);
    // An object gone under the run (retention released it): the next run looks again.
    if (dirtyInputs.length < dirtyEntries.length) return undefined;
    for (const batch of dirtyInputs) held.set(batch.entry, batch);
    latest = latestOffsets(dirtyInputs);
  }
  const rules: KeepRules = { compact: settings.compact, deleteRetentionMs: settings.deleteRetentionMs, now, latest };

  // Then window by window from the start: read (what is not held), plan, rewrite, release.
  let reached: PlannedGroup | undefined;
  for (let from = 0; from < cleanable.length; ) {
    const window: SegmentIndexEntry[] = [];
    let bytes = 0;
    while (from < cleanable.length && (window.length === 0 || bytes + cleanable[from]!.byteLength <= limits.windowBytes)) {
      window.push(cleanable[from]!);
      bytes += cleanable[from]!.byteLength;
      from++;
    }
    const unheld = window.filter((entry) => !held.has(entry));
    const read = unheld.length > 0 ? await readInputs(ctx, unheld, result) : [];
    for (const batch of read) held.set(batch.entry, batch);
    const inputs: InputBatch[] = [];
    for (const entry of window) {
      const batch = held.get(entry);
      if (!batch) break;
      inputs.push(batch);
    }
    const groups = planGroups(inputs, rules, limits.targetBatchBytes);
    const done = await rewriteGroups(ctx, topic, partition, groups.filter((group) => group.changed), limits, result, log, where, now);
    // How far the compacted section reaches: to the end of the last group, if all were done;
    // else to just before the first group not done (its items are as they were).
    const firstNotDone = groups.find((group) => group.changed && !done.has(group));
    reached = (firstNotDone ? groups.filter((group) => group.lastOffset < firstNotDone.baseOffset).at(-1) : groups.at(-1)) ?? reached;
    for (const entry of window) held.delete(entry);
    if (firstNotDone || inputs.length < window.length) break;
  }
  // A covered item left behind (its release failed) must be found again: the next run starts where this one did.
  if (!reached || reached.lastOffset + 1 <= state.cleanedTo || result.release.failures > 0) return undefined;
  const lastEntry = reached.inputs.at(-1)!.entry;
  const end = reached.lastOffset;
  const after = live.filter((entry) => entry.lastOffset > end).length;
  return {
    cleanedTo: end + 1,
    cleanedBytes: lastEntry.endBytes ?? 0,
    // Batches counted by the head read before the index; those after the reached end are still dirty.
    cleanedBatches: Math.max(state.cleanedBatches, (head.batchesTotal ?? 0) - after),
    updatedAt: now,
  };
}

function toBatchRef(topicId: string, partition: number) {
  return (entry: SegmentIndexEntry) => ({ key: indexKey(topicId, partition, entry.lastOffset), objectKey: entry.objectKey });
}

/** The partition's index entries from `start` to the high watermark the head showed (strongly consistent pages). */
async function readEntries(ctx: SluiceContext, topicId: string, partition: number, start: number, highWatermark: number): Promise<SegmentIndexEntry[]> {
  const entries: SegmentIndexEntry[] = [];
  let startKey: PageKey | undefined;
  do {
    const page = await readIndexPage(ctx, topicId, partition, start, { startKey });
    for (const entry of page.entries) if (entry.baseOffset < highWatermark) entries.push(entry);
    startKey = page.nextKey;
  } while (startKey && entries.length < MAX_ENTRIES && (entries.at(-1)?.lastOffset ?? -1) < highWatermark - 1);
  return entries;
}

/**
 * The batches' records, adjacent batches of one object read with one ranged GET. Stops
 * before the first batch whose object is gone (retention released it since the index was
 * read): what is returned is a contiguous run from the first.
 */
async function readInputs(ctx: SluiceContext, entries: readonly SegmentIndexEntry[], result: PartitionCompaction): Promise<InputBatch[]> {
  const runs: SegmentIndexEntry[][] = [];
  for (const entry of entries) {
    const last = runs.at(-1)?.at(-1);
    if (last && last.objectKey === entry.objectKey && last.byteStart + last.byteLength === entry.byteStart) runs.at(-1)!.push(entry);
    else runs.push([entry]);
  }
  const read = async (run: SegmentIndexEntry[]): Promise<InputBatch[] | undefined> => {
    const start = run[0]!.byteStart;
    const length = run.reduce((sum, entry) => sum + entry.byteLength, 0);
    result.gets++;
    const bytes = await readSegmentRange(ctx, run[0]!.objectKey, start, length);
    if (!bytes) return undefined;
    result.bytesRead += length;
    return run.map((entry) => ({ entry, records: decodeBatchAt(bytes.subarray(entry.byteStart - start, entry.byteStart - start + entry.byteLength), entry.baseOffset) }));
  };
  const inputs: InputBatch[] = [];
  for (let i = 0; i < runs.length; i += PARALLEL_GETS) {
    for (const batches of await Promise.all(runs.slice(i, i + PARALLEL_GETS).map(read))) {
      if (!batches) return inputs;
      inputs.push(...batches);
      result.batchesRead += batches.length;
    }
  }
  return inputs;
}

/**
 * Writes the changed groups into objects of about `targetObjectBytes` and swaps them into
 * the index one by one, in offset order, releasing each group's covered items before the
 * next swap. Stops at the first swap refused: a later group must not go in before an
 * earlier one (a tombstone may go only after the records it deleted). Answers the groups done.
 */
async function rewriteGroups(
  ctx: SluiceContext,
  topic: Topic,
  partition: number,
  groups: readonly PlannedGroup[],
  limits: CompactionLimits,
  result: PartitionCompaction,
  log: (entry: Record<string, unknown>) => void,
  where: Record<string, unknown>,
  now: number,
): Promise<Set<PlannedGroup>> {
  const done = new Set<PlannedGroup>();
  let i = 0;
  while (i < groups.length) {
    // The next object: groups while their record bytes fit (one at least).
    const objectGroups: PlannedGroup[] = [];
    let bytes = 0;
    while (i < groups.length) {
      const size = groups[i]!.records.reduce((sum, record) => sum + recordSize(record), 0);
      if (objectGroups.length > 0 && bytes + size > limits.targetObjectBytes) break;
      objectGroups.push(groups[i]!);
      bytes += size;
      i++;
    }
    const objectKey = segmentObjectKey(ctx.newId(), ctx.now());
    const object = encodeCompactedObject(
      partition,
      objectGroups.map((group) => ({ records: group.records, baseOffset: group.baseOffset, lastOffset: group.lastOffset })),
      { topicId: topic.topicId, compression: compressionOf(topic.config), timestampType: timestampType(topic.config) },
    );
    await putSegmentObject(ctx, objectKey, object.body);
    result.objectsWritten++;
    result.bytesWritten += object.body.byteLength;
    let swapped = 0;
    for (const [g, group] of objectGroups.entries()) {
      const outcome = await swapGroup(ctx, topic, partition, group, objectKey, object.ranges[g]!, swapped === 0 ? 'create' : 'add', now);
      if (outcome.kind !== 'swapped') {
        result.swapsRefused++;
        log({ level: 'INFO', message: 'compaction swap refused; the next run looks again', ...where, outcome: outcome.kind, lastOffset: group.lastOffset });
        // An object none of whose batches went in has no ref item: nothing names it.
        if (swapped === 0) await deleteSegmentObjectQuietly(ctx, objectKey);
        return done;
      }
      swapped++;
      done.add(group);
      result.batchesWritten++;
      result.recordsDropped += group.inputs.reduce((sum, input) => sum + input.records.length, 0) - group.records.length;
      // The group's other items are covered now: take them out before any later swap.
      const coveredItems = group.inputs.slice(0, -1).map((input) => toBatchRef(topic.topicId, partition)(input.entry));
      if (coveredItems.length > 0) await releaseBatches(ctx, coveredItems, result.release, log, where);
    }
  }
  return done;
}

/** Swaps one group in, reading its replaced batch's object count (again, when it moved). */
async function swapGroup(
  ctx: SluiceContext,
  topic: Topic,
  partition: number,
  group: PlannedGroup,
  objectKey: string,
  range: { byteStart: number; byteLength: number },
  newRef: 'create' | 'add',
  now: number,
): Promise<SwapOutcome> {
  const replaced = group.inputs.at(-1)!.entry;
  const kept = group.records;
  let outcome: SwapOutcome = { kind: 'contended' };
  for (let attempt = 0; attempt < 5; attempt++) {
    const count = (await readBatchCounts(ctx, [replaced.objectKey])).get(replaced.objectKey);
    outcome = await swapCompactedBatch(ctx, {
      topic,
      partition,
      replaced: { lastOffset: replaced.lastOffset, objectKey: replaced.objectKey, byteStart: replaced.byteStart },
      entry: {
        baseOffset: group.baseOffset,
        recordCount: kept.length,
        objectKey,
        byteStart: range.byteStart,
        byteLength: range.byteLength,
        firstTimestamp: kept[0]?.timestamp ?? -1,
        maxTimestamp: kept.reduce((max, record) => Math.max(max, record.timestamp), -1),
        recordBytes: kept.reduce((sum, record) => sum + recordSize(record), 0),
        firstRecordBytes: kept[0] ? recordSize(kept[0]) : 0,
        cleanedAt: group.cleanedAt,
        startBytes: group.startBytes,
      },
      newRef,
      oldRef: count !== undefined && count > 1 ? 'count-down' : 'retire',
      now,
    });
    if (outcome.kind === 'swapped') {
      if (count === undefined || count <= 1) await deleteRetired(ctx, replaced.objectKey);
      return outcome;
    }
    if (outcome.kind !== 'old-ref-moved' && outcome.kind !== 'contended') return outcome;
  }
  return outcome;
}

/** Deletes an object the swap retired, then its marker (a crash in between leaves the marker for the next run). */
async function deleteRetired(ctx: SluiceContext, objectKey: string): Promise<void> {
  const { failed } = await deleteSegmentObjects(ctx, [objectKey]);
  if (failed.length === 0) await deleteRetiredMarkers(ctx, [objectKey]);
}

