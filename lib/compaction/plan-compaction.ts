import { recordSize, type OffsetRecord } from '../records/log-record';
import { startBytesOf, type SegmentIndexEntry } from '../store/segment-index-store';

/**
 * What compaction decides, without reading or writing anything: which records a range of
 * batches keeps, and how the batches group into rewritten ones. Pure, so the rules are
 * tested over many cases without storage (test/lib/compaction/).
 */

/** One batch of the log as compaction read it: its index entry and its records, at their offsets. */
export interface InputBatch {
  entry: SegmentIndexEntry;
  records: readonly OffsetRecord[];
}

export interface KeepRules {
  /** `cleanup.policy` includes `compact`: drop superseded records and old tombstones. Without it, only merge. */
  compact: boolean;
  /** A tombstone goes once it has been through a compaction this long ago (Kafka's `delete.retention.ms`). */
  deleteRetentionMs: number;
  now: number;
  /** Each key's latest offset in the dirty section (`latestOffsets`); records before it are superseded. */
  latest: ReadonlyMap<string, number>;
}

/** A key as a map key: its bytes, one character each. */
export function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/** The latest offset of each key among the batches' records (null keys have none). */
export function latestOffsets(batches: readonly InputBatch[]): Map<string, number> {
  const latest = new Map<string, number>();
  for (const batch of batches) for (const record of batch.records) if (record.key !== null) latest.set(keyId(record.key), record.offset);
  return latest;
}

/**
 * The records of `batch` a compaction keeps. Merging alone keeps all. Compaction, as
 * Kafka's log cleaner, drops a record when a later record of the same key exists, and a
 * tombstone (null value) that is its key's latest only once the batch holding it was
 * compacted at least `deleteRetentionMs` ago: a reader that began before that compaction
 * has had that long to see the tombstone. A record without a key is kept (Kafka refuses
 * them on compacted topics; Sluice keeps what it has).
 */
export function keptRecords(batch: InputBatch, rules: KeepRules): OffsetRecord[] {
  if (!rules.compact) return [...batch.records];
  const tombstonesExpired = batch.entry.cleanedAt !== undefined && batch.entry.cleanedAt + rules.deleteRetentionMs <= rules.now;
  return batch.records.filter((record) => {
    if (record.key === null) return true;
    const latest = rules.latest.get(keyId(record.key));
    if (latest !== undefined && latest > record.offset) return false;
    return !(record.value === null && tombstonesExpired);
  });
}

/** A run of adjacent batches rewritten as one: the records kept, over the whole offset range of its inputs. */
export interface PlannedGroup {
  inputs: InputBatch[];
  records: OffsetRecord[];
  baseOffset: number;
  lastOffset: number;
  /** When its records were first kept by a compaction: the latest of its inputs', or now for inputs never compacted. */
  cleanedAt: number;
  /** `bytesTotal` where its first input began. */
  startBytes: number;
  /** Whether rewriting changes anything: it merges batches or drops records. Unchanged groups are left as they are. */
  changed: boolean;
}

/**
 * Groups adjacent batches, in offset order, so each group's kept records take at most
 * `targetBatchBytes` (a batch larger alone is a group alone). Every input is in exactly one
 * group and the groups tile the inputs' offsets, so no offset is left without an item.
 */
export function planGroups(batches: readonly InputBatch[], rules: KeepRules, targetBatchBytes: number): PlannedGroup[] {
  const groups: PlannedGroup[] = [];
  let current: { inputs: InputBatch[]; records: OffsetRecord[]; bytes: number; dropped: boolean } | undefined;
  const close = () => {
    if (!current) return;
    const first = current.inputs[0]!.entry;
    groups.push({
      inputs: current.inputs,
      records: current.records,
      baseOffset: first.baseOffset,
      lastOffset: current.inputs.at(-1)!.entry.lastOffset,
      cleanedAt: Math.max(...current.inputs.map((input) => input.entry.cleanedAt ?? rules.now)),
      startBytes: startBytesOf(first),
      changed: current.inputs.length > 1 || current.dropped,
    });
    current = undefined;
  };
  for (const batch of batches) {
    const kept = keptRecords(batch, rules);
    const bytes = kept.reduce((sum, record) => sum + recordSize(record), 0);
    if (current && current.bytes + bytes > targetBatchBytes) close();
    current ??= { inputs: [], records: [], bytes: 0, dropped: false };
    current.inputs.push(batch);
    current.records.push(...kept);
    current.bytes += bytes;
    if (kept.length < batch.records.length) current.dropped = true;
  }
  close();
  return groups;
}

/**
 * Splits index entries (in the order a Query answers them: by last offset) into those that
 * are live and those a later entry covers (its base offset at or below theirs): items a
 * compaction replaced, which stay until they are released (by the run that replaced them,
 * or, after a crash, by the next).
 */
export function splitCovered(entries: readonly SegmentIndexEntry[]): { live: SegmentIndexEntry[]; covered: SegmentIndexEntry[] } {
  const live: SegmentIndexEntry[] = [];
  const covered: SegmentIndexEntry[] = [];
  let lowestLaterBase = Number.POSITIVE_INFINITY;
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    if (lowestLaterBase <= entry.baseOffset) covered.push(entry);
    else live.push(entry);
    lowestLaterBase = Math.min(lowestLaterBase, entry.baseOffset);
  }
  return { live: live.reverse(), covered: covered.reverse() };
}
