import type { CompactionRun, FinalRead, HistoryEvent, Poll, SendAttempt, Seek } from './history';

/**
 * The checks of a compacted workload (cleanup.policy=compact): what compaction may and may
 * not do to what readers see, from the history alone. Compaction keeps the latest record of
 * each key and drops a tombstone (a null value) only once the batch holding it was compacted
 * at least delete.retention.ms earlier (lib/compaction/plan-compaction.ts), so offsets get
 * holes, but never these:
 *
 * - record-mismatch: a record read with another key, or another null-ness of its value, than
 *   the send of its id wrote (with inconsistent-offsets, duplicate and misplaced-record of the
 *   standard checker: every record read is what its produce wrote at that offset).
 * - compaction-skip: a reader (a poll, a compacted hole a fetch's nextOffset moved over, or an
 *   OFFSET_OUT_OF_RANGE refusal whose log start the reader went on from, as the client does) passed a record known to exist that compaction could not have dropped by then: no record
 *   of its key later in the log was sent before that read ended, and it was not a tombstone
 *   sent at least delete.retention.ms before. With nonmonotonic-poll (offsets strictly
 *   increase between seeks): a reader's offsets only move forward, over nothing live.
 * - latest-value-lost: in a complete final read, a key's last record is not the key's latest
 *   record known to be committed (acknowledged, or read by anyone) and that latest is a
 *   value: it is missing, and an older record of the key (or nothing) is there instead.
 * - resurrected-tombstone: a key whose latest committed record is a tombstone shows a value as
 *   its last record in a complete final read; or in a reader's pass from offset 0 to the end
 *   that compaction's delete.retention.ms covers (no compaction run spans the gap between
 *   delete.retention.ms before the pass ended and the pass's start), below the pass's end and
 *   with no record of the key sent after the tombstone before the pass ended.
 * - tombstone-dropped-early: a key whose latest committed record is a tombstone is absent from
 *   a complete final read less than delete.retention.ms after that tombstone was sent.
 *
 * A record "known to exist" at an offset is one an acknowledgement or a read put there. A
 * send that may have committed but whose offset nobody saw could sit anywhere after what was
 * committed before it started, so it may supersede (or, a tombstone, expire after) any record
 * of its key committed before it ended: the checks allow for that, and nothing else.
 */
export const COMPACTED_ANOMALY_KINDS = ['record-mismatch', 'compaction-skip', 'latest-value-lost', 'resurrected-tombstone', 'tombstone-dropped-early'] as const;
export type CompactedAnomalyKind = (typeof COMPACTED_ANOMALY_KINDS)[number];

/**
 * How far the run's clock (performance.now, which the history uses) and compaction's
 * (Date.now, ctx.now) may drift apart over a run, in the checks that compare the two.
 */
export const CLOCK_SLACK_MS = 50;

export interface CompactionStats {
  keys: number;
  tombstonesSent: number;
  tombstonesAcknowledged: number;
  compactions: { runs: number; ok: number; failed: number; partitionsCompacted: number; partitionsLeased: number; recordsDropped: number; batchesWritten: number; swapsRefused: number };
  /** Passes over a partition from offset 0 to its end; those short enough for the tombstone check, and those a long compaction run excused. */
  passes: { complete: number; checked: number; excused: number };
  /** The last complete final read: keys whose last record is a value, a tombstone, or that are absent; records superseded by a later one of their key still there. */
  final: { live: number; tombstones: number; absent: number; superseded: number; records: number };
  /** Known-committed records read past, each excused: superseded by a later record, or an expired tombstone. */
  holesExcused: number;
}

/** What the history says about one record: the send that wrote its id. */
interface RecordInfo {
  id: string;
  key: string;
  tombstone: boolean;
  partition: number;
  attempts: SendAttempt[];
  /** The earliest start of an attempt that may have committed it: it was committed no earlier. */
  firstStart: number;
  /** The latest end of an attempt that may have committed it: it was committed no later. */
  lastEnd: number;
  mayHaveCommitted: boolean;
  acknowledged: boolean;
}

interface Known {
  offset: number;
  info: RecordInfo;
}

const mayHaveCommitted = (a: SendAttempt) => a.outcome === 'ok' || a.hidden === true || (a.outcome === 'unknown' && !a.notCommitted);
const committed = (a: SendAttempt) => (a.outcome === 'ok' || a.hidden === true) && a.offsets !== undefined;

/**
 * Checks a compacted history; calls `bad` for each violation, answers figures for the report.
 * The standard checker (checker.ts) calls it, and leaves out the checks compaction breaks
 * (lost-write, poll-skip, group-skip).
 */
export function checkCompaction(events: readonly HistoryEvent[], deleteRetentionMs: number, bad: (kind: CompactedAnomalyKind, example: unknown) => void): CompactionStats {
  const sends = events.filter((e): e is SendAttempt => e.type === 'send');
  const polls = events.filter((e): e is Poll => e.type === 'poll' && e.outcome === 'ok');
  /** Refused as out of range with a log start to go on from: the reader moves there (compaction moves no log start). */
  const resets = events.filter((e): e is Poll => e.type === 'poll' && e.outcome !== 'ok' && e.resetTo !== undefined);
  const seeks = events.filter((e): e is Seek => e.type === 'seek');
  const finals = events.filter((e): e is FinalRead => e.type === 'final-read');
  const runs = events.filter((e): e is CompactionRun => e.type === 'compaction');

  // ---- what was sent -----------------------------------------------------------------
  const bySend = new Map<string, SendAttempt[]>();
  for (const a of sends) bySend.set(a.sendId, [...(bySend.get(a.sendId) ?? []), a]);
  const infos = new Map<string, RecordInfo>();
  for (const attempts of bySend.values()) {
    const first = attempts[0]!;
    if (!first.keys || !first.tombstones) continue;
    const possible = attempts.filter(mayHaveCommitted);
    first.values.forEach((id, i) => {
      infos.set(id, {
        id,
        key: first.keys![i]!,
        tombstone: first.tombstones![i]!,
        partition: first.partitions[i]!,
        attempts,
        firstStart: Math.min(...possible.map((a) => a.start), Number.POSITIVE_INFINITY),
        lastEnd: Math.max(...possible.map((a) => a.end), Number.NEGATIVE_INFINITY),
        mayHaveCommitted: possible.length > 0,
        acknowledged: attempts.some(committed),
      });
    });
  }

  // ---- where records are known to be -----------------------------------------------------
  const known = new Map<number, Map<number, RecordInfo>>(); // partition -> offset -> record
  const placed = new Set<string>();
  const place = (partition: number, offset: number, id: string) => {
    const info = infos.get(id);
    if (!info || info.partition !== partition) return; // phantom-read, misplaced-record: the standard checker's
    let m = known.get(partition);
    if (!m) known.set(partition, (m = new Map()));
    if (!m.has(offset)) m.set(offset, info); // two records at one offset: inconsistent-offsets
    placed.add(id);
  };
  for (const a of sends) if (committed(a)) a.values.forEach((id, i) => place(a.partitions[i]!, a.offsets![i]!, id));
  for (const p of polls) for (const [offset, id] of p.records) place(p.partition, offset, id);
  for (const f of finals) for (const part of f.partitions) for (const [offset, id] of part.records) place(part.partition, offset, id);
  const sortedOffsets = new Map<number, number[]>();
  for (const [partition, m] of known) sortedOffsets.set(partition, [...m.keys()].sort((a, b) => a - b));
  /** Each key's known records, in offset order, by partition. */
  const byKey = new Map<string, Known[]>();
  const keyOf = (partition: number, key: string) => `${partition}|${key}`;
  for (const [partition, offsets] of sortedOffsets) {
    for (const offset of offsets) {
      const info = known.get(partition)!.get(offset)!;
      const k = keyOf(partition, info.key);
      byKey.set(k, [...(byKey.get(k) ?? []), { offset, info }]);
    }
  }
  /** Sends of a key that may have committed but that no acknowledgement or read placed. */
  const unplaced = new Map<string, RecordInfo[]>();
  for (const info of infos.values()) {
    if (!info.mayHaveCommitted || placed.has(info.id)) continue;
    const k = keyOf(info.partition, info.key);
    unplaced.set(k, [...(unplaced.get(k) ?? []), info]);
  }

  /** A record of r's key later in the log, sent before `t`: compaction may have dropped r by then. */
  const supersededBefore = (r: Known, t: number): boolean => {
    const k = keyOf(r.info.partition, r.info.key);
    if ((byKey.get(k) ?? []).some((x) => x.offset > r.offset && x.info.firstStart < t)) return true;
    // Not placed, it may sit after r if it may have committed after r did.
    return (unplaced.get(k) ?? []).some((u) => u.firstStart < t && u.lastEnd > r.info.firstStart);
  };
  /** A tombstone sent long enough before `t` that compaction may have let it expire. */
  const expiredBy = (info: RecordInfo, t: number) => info.tombstone && info.firstStart <= t - deleteRetentionMs + CLOCK_SLACK_MS;
  /** A tombstone of r's key that may sit after r, unplaced, and that may have expired by `t`. */
  const unplacedTombstoneExpired = (r: Known, t: number) =>
    (unplaced.get(keyOf(r.info.partition, r.info.key)) ?? []).some((u) => u.tombstone && u.lastEnd > r.info.firstStart && expiredBy(u, t));
  const describe = (r: Known) => ({ offset: r.offset, id: r.info.id, key: r.info.key, tombstone: r.info.tombstone, sentAt: round(r.info.firstStart), acknowledged: r.info.acknowledged });

  let holesExcused = 0;

  // ---- record-mismatch -------------------------------------------------------------------
  const compare = (where: Record<string, unknown>, records: readonly [number, string][], keys?: readonly (string | null)[], tombstones?: readonly boolean[]) => {
    if (!keys || !tombstones) return;
    records.forEach(([offset, id], i) => {
      const info = infos.get(id);
      if (!info) return;
      if (keys[i] !== info.key || tombstones[i] !== info.tombstone) {
        bad('record-mismatch', { ...where, offset, id, read: { key: keys[i], tombstone: tombstones[i] }, written: { key: info.key, tombstone: info.tombstone } });
      }
    });
  };
  for (const p of polls) compare({ consumer: p.consumer, partition: p.partition }, p.records, p.keys, p.tombstones);
  for (const f of finals) for (const part of f.partitions) compare({ consumer: `final:${f.label}`, partition: part.partition }, part.records, part.keys, part.tombstones);

  // ---- compaction-skip: each consumer's stream of reads, reset by seeks ---------------------
  /** `how` the reader moved: to the next record a fetch answered, by a fetch's nextOffset, or to the log start of an out-of-range refusal. */
  const hole = (consumer: string, partition: number, from: number, to: number, poll: Poll, how: 'record' | 'nextOffset' | 'out-of-range') => {
    const offsets = sortedOffsets.get(partition) ?? [];
    for (let i = lowerBound(offsets, from); i < offsets.length && offsets[i]! < to; i++) {
      const r: Known = { offset: offsets[i]!, info: known.get(partition)!.get(offsets[i]!)! };
      if (supersededBefore(r, poll.end) || expiredBy(r.info, poll.end)) {
        holesExcused++;
        continue;
      }
      bad('compaction-skip', { consumer, partition, readFrom: from, movedTo: to, how, skipped: describe(r), poll: { offset: poll.offset, start: round(poll.start), end: round(poll.end), ...(poll.code ? { code: poll.code } : {}) } });
    }
  };
  const streams = new Map<string, (Poll | Seek)[]>();
  for (const e of [...polls, ...resets, ...seeks]) {
    const key = `${e.consumer}|${e.partition}`;
    streams.set(key, [...(streams.get(key) ?? []), e]);
  }
  const time = (e: Poll | Seek) => (e.type === 'seek' ? e.time : e.start);
  interface Pass {
    consumer: string;
    partition: number;
    start: number;
    end: number;
    highWatermark: number;
    last: Map<string, Known>;
  }
  const passes: Pass[] = [];
  for (const stream of streams.values()) {
    stream.sort((x, y) => time(x) - time(y) || (x.type === 'seek' ? -1 : 1));
    let expected: number | undefined;
    let pass: Pass | undefined;
    for (const e of stream) {
      if (e.type === 'seek') {
        expected = e.offset;
        // A pass from offset 0 starts here (a seek is recorded just before the first fetch).
        pass = e.offset === 0 ? { consumer: e.consumer, partition: e.partition, start: e.time, end: Number.NaN, highWatermark: 0, last: new Map() } : undefined;
        continue;
      }
      if (e.resetTo !== undefined) {
        if (expected !== undefined && e.resetTo > expected) hole(e.consumer, e.partition, expected, e.resetTo, e, 'out-of-range');
        expected = e.resetTo;
        continue;
      }
      for (const [offset, id] of e.records) {
        if (expected !== undefined && offset > expected) hole(e.consumer, e.partition, expected, offset, e, 'record');
        // Going backwards is nonmonotonic-poll, the standard checker's.
        expected = offset + 1;
        const info = infos.get(id);
        if (pass && info && info.partition === e.partition) pass.last.set(info.key, { offset, info });
      }
      if (e.nextOffset !== undefined && expected !== undefined && e.nextOffset > expected) {
        hole(e.consumer, e.partition, expected, e.nextOffset, e, 'nextOffset');
        expected = e.nextOffset;
      }
      if (pass && e.highWatermark !== undefined && expected !== undefined && expected >= e.highWatermark) {
        passes.push({ ...pass, end: e.end, highWatermark: e.highWatermark });
        pass = undefined;
      }
    }
  }

  // ---- resurrected-tombstone in passes short enough -----------------------------------------
  let checkedPasses = 0;
  let excusedPasses = 0;
  for (const pass of passes) {
    // The compaction that first kept a tombstone the pass missed (and dropped the value it saw
    // before it) started at least delete.retention.ms before the tombstone went, and swapped
    // after the pass read the value: it spans the gap, or the pass is not covered.
    const from = pass.end - deleteRetentionMs + CLOCK_SLACK_MS;
    if (runs.some((c) => c.start <= from && c.end >= pass.start - CLOCK_SLACK_MS)) {
      excusedPasses++;
      continue;
    }
    checkedPasses++;
    for (const [key, seen] of pass.last) {
      if (seen.info.tombstone) continue;
      const records = (byKey.get(keyOf(pass.partition, key)) ?? []).filter((r) => r.offset < pass.highWatermark);
      const latest = records.at(-1);
      if (!latest || !latest.info.tombstone || latest.offset <= seen.offset) continue;
      if (supersededBefore(latest, pass.end)) continue;
      bad('resurrected-tombstone', {
        consumer: pass.consumer,
        partition: pass.partition,
        key,
        pass: { start: round(pass.start), end: round(pass.end), highWatermark: pass.highWatermark },
        tombstone: describe(latest),
        lastSeen: describe(seen),
      });
    }
  }

  // ---- the final reads: latest value per key present, no resurrected or early-dropped tombstone --
  const final: CompactionStats['final'] = { live: 0, tombstones: 0, absent: 0, superseded: 0, records: 0 };
  for (const f of finals) {
    const figures: CompactionStats['final'] = { live: 0, tombstones: 0, absent: 0, superseded: 0, records: 0 };
    for (const part of f.partitions) {
      if (!part.complete) continue; // incomplete-final-read
      const last = new Map<string, Known>();
      for (const [offset, id] of part.records) {
        const info = infos.get(id);
        if (!info || info.partition !== part.partition) continue;
        if (last.has(info.key)) figures.superseded++;
        last.set(info.key, { offset, info });
        figures.records++;
      }
      const keys = new Set([...byKey.keys()].filter((k) => k.startsWith(`${part.partition}|`)).map((k) => k.slice(k.indexOf('|') + 1)));
      for (const key of keys) {
        const records = (byKey.get(keyOf(part.partition, key)) ?? []).filter((r) => r.offset < part.highWatermark);
        const latest = records.at(-1);
        if (!latest) continue;
        const got = last.get(key);
        const where = { finalRead: f.label, partition: part.partition, key, latest: describe(latest), finalLast: got ? describe(got) : null, readAt: round(f.time) };
        if (got && got.offset === latest.offset) {
          if (got.info.tombstone) figures.tombstones++;
          else figures.live++;
          continue;
        }
        if (got) {
          if (latest.info.tombstone && !got.info.tombstone) bad('resurrected-tombstone', where);
          else bad('latest-value-lost', { ...where, ...(latest.info.tombstone ? { note: 'the latest tombstone is gone, an older one of the key is kept' } : {}) });
          continue;
        }
        figures.absent++;
        if (latest.info.tombstone) {
          if (!expiredBy(latest.info, f.time) && !unplacedTombstoneExpired(latest, f.time)) bad('tombstone-dropped-early', { ...where, deleteRetentionMs, sentBeforeReadMs: round(f.time - latest.info.firstStart) });
        } else if (!unplacedTombstoneExpired(latest, f.time)) bad('latest-value-lost', where);
      }
    }
    if (f === finals.at(-1)) Object.assign(final, figures);
  }

  // ---- figures -----------------------------------------------------------------------------
  const compactions: CompactionStats['compactions'] = { runs: runs.length, ok: 0, failed: 0, partitionsCompacted: 0, partitionsLeased: 0, recordsDropped: 0, batchesWritten: 0, swapsRefused: 0 };
  for (const c of runs) {
    if (c.outcome === 'ok') compactions.ok++;
    else compactions.failed++;
    compactions.partitionsCompacted += c.partitionsCompacted ?? 0;
    compactions.partitionsLeased += c.partitionsLeased ?? 0;
    compactions.recordsDropped += c.recordsDropped ?? 0;
    compactions.batchesWritten += c.batchesWritten ?? 0;
    compactions.swapsRefused += c.swapsRefused ?? 0;
  }
  const all = [...infos.values()];
  return {
    keys: new Set(all.map((i) => keyOf(i.partition, i.key))).size,
    tombstonesSent: all.filter((i) => i.tombstone).length,
    tombstonesAcknowledged: all.filter((i) => i.tombstone && i.acknowledged).length,
    compactions,
    passes: { complete: passes.length, checked: checkedPasses, excused: excusedPasses },
    final,
    holesExcused,
  };
}

/** The first index of a sorted list whose element is at least `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const round = (ms: number) => Math.round(ms);
