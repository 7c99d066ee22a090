import { checkCompaction, COMPACTED_ANOMALY_KINDS, type CompactionStats } from './compacted-checker';
import type { FinalRead, GroupCommit, History, HistoryEvent, MembershipView, OffsetsRead, Poll, ProducerInit, SendAttempt, Seek } from './history';

/**
 * The safety checker: pure functions over a run's history. It names anomalies as
 * Jepsen's Kafka checker does, plus the group and fencing properties Sluice promises.
 *
 * - lost-write: an acknowledged value missing from a complete read of its partition after the run.
 * - duplicate: one send's value at two offsets. Allowed only for a non-idempotent send that
 *   had at least as many attempts that may have committed as there are copies.
 * - inconsistent-offsets: two different values at one partition/offset, across reads and acks.
 * - nonmonotonic-send: one producer instance's acknowledged offsets on a partition going backwards.
 * - poll-skip: a consumer's consecutive records on a partition skipping offsets that some
 *   read or acknowledgement shows to exist.
 * - nonmonotonic-poll: a consumer's records on a partition going backwards without a seek.
 * - aborted-read (G1a): a value of a send that surely did not commit (every attempt refused,
 *   or crashed before its commit was sent) seen by a reader.
 * - unseen: an acknowledged value no reader saw by the end of the grace period (the final read has it).
 * Extras:
 * - zombie-write: a fenced producer instance acknowledged, or its value read.
 * - zombie-commit: a member whose lease the harness let lapse committed offsets.
 * - stale-generation-commit: a commit accepted with a generation older than one already observed.
 * - committed-offset-backwards: a group's committed offset for a partition observed lower
 *   than an earlier observation (commits and offset reads, in real-time order).
 * - split-assignment: one partition assigned to two members in the same generation.
 * - group-skip: offsets below a partition's highest committed offset that no member read.
 * - phantom-read: a value read that no producer ever sent.
 * - misplaced-record: a value read in a partition other than the one its key maps to.
 * - incomplete-final-read: a final read could not read a partition to its high watermark.
 * - divergent-final-reads: two complete final reads of a partition to the same high watermark
 *   (over HTTP, and through the Kafka gateway with kcat) not the same records at the same offsets.
 * A compacted history (`history.compaction` set: a cleanup.policy=compact topic) is held to
 * compaction's rules instead of lost-write, poll-skip and group-skip, which its holes break:
 * record-mismatch, compaction-skip, latest-value-lost, resurrected-tombstone and
 * tombstone-dropped-early (compacted-checker.ts).
 */
export const ANOMALY_KINDS = [
  'lost-write',
  'duplicate',
  'inconsistent-offsets',
  'nonmonotonic-send',
  'poll-skip',
  'nonmonotonic-poll',
  'aborted-read',
  'unseen',
  'zombie-write',
  'zombie-commit',
  'stale-generation-commit',
  'committed-offset-backwards',
  'split-assignment',
  'group-skip',
  'phantom-read',
  'misplaced-record',
  'incomplete-final-read',
  'divergent-final-reads',
  ...COMPACTED_ANOMALY_KINDS,
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** The standard checks a compacted log does not keep: records go (superseded ones), leaving holes in the offsets. */
export const NOT_FOR_COMPACTED: readonly AnomalyKind[] = ['lost-write', 'poll-skip', 'group-skip'];

/** The anomalies a history is checked for: the compacted ones only for a compacted history, which skips NOT_FOR_COMPACTED. */
export function checkedKinds(history: Pick<History, 'compaction'>): AnomalyKind[] {
  const compactedOnly: readonly AnomalyKind[] = COMPACTED_ANOMALY_KINDS;
  return ANOMALY_KINDS.filter((kind) => (history.compaction ? !NOT_FOR_COMPACTED.includes(kind) : !compactedOnly.includes(kind)));
}

export const MAX_EXAMPLES = 5;

export interface AnomalyCount {
  /** Occurrences that break a promise. */
  bad: number;
  /** Occurrences the settings allow (duplicates of non-idempotent retried sends). */
  allowed: number;
  /** Up to MAX_EXAMPLES of the bad ones (else of the allowed ones). */
  examples: unknown[];
}

export interface CheckStats {
  sends: number;
  attempts: number;
  attemptsByOutcome: Record<'ok' | 'fail' | 'unknown', number>;
  errorCodes: Record<string, number>;
  valuesSent: number;
  valuesAcknowledged: number;
  valuesAborted: number;
  valuesIndeterminate: number;
  idempotentDuplicateReplies: number;
  polls: number;
  recordsPolled: number;
  finalReads: number;
  finalRecords: number;
  commits: number;
  commitsByOutcome: Record<'ok' | 'fail' | 'unknown', number>;
  generationsSeen: number;
  inits: number;
  /** A compacted history's figures (compacted-checker.ts). */
  compaction?: CompactionStats;
}

export interface CheckResult {
  valid: boolean;
  /** The anomalies this history was checked for (checkedKinds); the others are zero. */
  checked: AnomalyKind[];
  anomalies: Record<AnomalyKind, AnomalyCount>;
  stats: CheckStats;
}

class Tally {
  readonly anomalies = Object.fromEntries(ANOMALY_KINDS.map((k) => [k, { bad: 0, allowed: 0, examples: [] as unknown[] }])) as Record<AnomalyKind, AnomalyCount>;
  private readonly allowedExamples = new Map<AnomalyKind, unknown[]>();

  bad(kind: AnomalyKind, example: unknown): void {
    const a = this.anomalies[kind];
    a.bad++;
    if (a.examples.length < MAX_EXAMPLES) a.examples.push(example);
  }

  allowed(kind: AnomalyKind, example: unknown): void {
    this.anomalies[kind].allowed++;
    const list = this.allowedExamples.get(kind) ?? [];
    if (list.length < MAX_EXAMPLES) list.push(example);
    this.allowedExamples.set(kind, list);
  }

  finish(): Record<AnomalyKind, AnomalyCount> {
    for (const kind of ANOMALY_KINDS) {
      const a = this.anomalies[kind];
      if (a.bad === 0 && a.allowed > 0) a.examples = this.allowedExamples.get(kind) ?? [];
    }
    return this.anomalies;
  }
}

/** What the history says about one value (one record of one send). */
interface ValueInfo {
  value: string;
  sendId: string;
  partition: number;
  idempotent: boolean;
  producer: string;
  attempts: SendAttempt[];
  index: number;
}

const pos = (partition: number, offset: number) => `${partition}:${offset}`;

function byType<T extends HistoryEvent['type']>(events: readonly HistoryEvent[], type: T): Extract<HistoryEvent, { type: T }>[] {
  return events.filter((e): e is Extract<HistoryEvent, { type: T }> => e.type === type);
}

/** An attempt that may have committed: acknowledged (to the client or only to the harness), or unknown and not known to have crashed before its commit. */
export function mayHaveCommitted(a: SendAttempt): boolean {
  return a.outcome === 'ok' || a.hidden === true || (a.outcome === 'unknown' && !a.notCommitted);
}

/** An attempt whose records the harness knows were committed. */
function committed(a: SendAttempt): boolean {
  return (a.outcome === 'ok' || a.hidden === true) && a.offsets !== undefined;
}

/** Attempts that a newer epoch of the same producer had fenced before they started (or before their commit, by the harness's word). */
export function zombieAttempts(sends: readonly SendAttempt[], inits: readonly ProducerInit[]): Set<SendAttempt> {
  const fencedAt = new Map<number, { epoch: number; end: number }[]>();
  for (const init of inits) {
    if (init.outcome !== 'ok' || init.producerId === undefined || init.epoch === undefined) continue;
    fencedAt.set(init.producerId, [...(fencedAt.get(init.producerId) ?? []), { epoch: init.epoch, end: init.end }]);
  }
  const zombies = new Set<SendAttempt>();
  for (const a of sends) {
    if (a.mustBeFenced) zombies.add(a);
    else if (a.idempotent && a.producerId !== undefined && a.epoch !== undefined) {
      if ((fencedAt.get(a.producerId) ?? []).some((f) => f.epoch > a.epoch! && f.end < a.start)) zombies.add(a);
    }
  }
  return zombies;
}

export function check(history: History): CheckResult {
  const { events, roles } = history;
  const compacted = history.compaction !== undefined;
  const tally = new Tally();
  const sends = byType(events, 'send');
  const inits = byType(events, 'init');
  const polls = byType(events, 'poll');
  const seeks = byType(events, 'seek');
  const commits = byType(events, 'commit');
  const views = byType(events, 'view');
  const offsetReads = byType(events, 'offsets');
  const finals = byType(events, 'final-read');

  // ---- sends and values -----------------------------------------------------
  const sendsById = new Map<string, SendAttempt[]>();
  for (const a of sends) sendsById.set(a.sendId, [...(sendsById.get(a.sendId) ?? []), a]);
  for (const list of sendsById.values()) list.sort((x, y) => x.attempt - y.attempt);
  const values = new Map<string, ValueInfo>();
  for (const [sendId, attempts] of sendsById) {
    const first = attempts[0]!;
    first.values.forEach((value, index) => {
      values.set(value, { value, sendId, partition: first.partitions[index]!, idempotent: first.idempotent, producer: first.producer, attempts, index });
    });
  }
  const zombies = zombieAttempts(sends, inits);
  const acked = (v: ValueInfo) => v.attempts.some(committed);
  const aborted = (v: ValueInfo) => v.attempts.every((a) => !mayHaveCommitted(a));
  const zombieOnly = (v: ValueInfo) => v.attempts.every((a) => zombies.has(a));

  // Every place a value was observed: reads (polls and final reads) and acknowledgements.
  const readAt = new Map<string, Set<string>>(); // value -> positions read
  const seenBy = new Map<string, Set<string>>(); // value -> consumers
  const atPosition = new Map<string, Map<string, string[]>>(); // position -> value -> sources
  const observe = (partition: number, offset: number, value: string, source: string) => {
    const key = pos(partition, offset);
    let m = atPosition.get(key);
    if (!m) atPosition.set(key, (m = new Map()));
    const sources = m.get(value) ?? [];
    if (sources.length < 3) sources.push(source);
    m.set(value, sources);
  };
  const read = (partition: number, offset: number, value: string, consumer: string) => {
    observe(partition, offset, value, consumer);
    let at = readAt.get(value);
    if (!at) readAt.set(value, (at = new Set()));
    at.add(pos(partition, offset));
    let by = seenBy.get(value);
    if (!by) seenBy.set(value, (by = new Set()));
    by.add(consumer);
  };
  for (const p of polls) if (p.outcome === 'ok') for (const [offset, value] of p.records) read(p.partition, offset, value, p.consumer);
  for (const f of finals) for (const part of f.partitions) for (const [offset, value] of part.records) read(part.partition, offset, value, `final:${f.label}`);
  const ackedAt = new Map<string, Set<string>>();
  for (const a of sends) {
    if (!committed(a)) continue;
    a.values.forEach((value, i) => {
      const key = pos(a.partitions[i]!, a.offsets![i]!);
      observe(a.partitions[i]!, a.offsets![i]!, value, `ack:${a.sendId}#${a.attempt}${a.hidden ? ' (hidden)' : ''}`);
      let at = ackedAt.get(value);
      if (!at) ackedAt.set(value, (at = new Set()));
      at.add(key);
    });
  }

  // inconsistent-offsets
  for (const [key, byValue] of atPosition) {
    if (byValue.size > 1) {
      const [partition, offset] = key.split(':').map(Number);
      tally.bad('inconsistent-offsets', { partition, offset, values: Object.fromEntries(byValue) });
    }
  }

  // phantom-read, misplaced-record
  for (const [value, positions] of readAt) {
    const info = values.get(value);
    if (!info) {
      tally.bad('phantom-read', { value, at: [...positions], by: [...(seenBy.get(value) ?? [])] });
      continue;
    }
    for (const at of positions) {
      const partition = Number(at.split(':')[0]);
      if (partition !== info.partition) tally.bad('misplaced-record', { value, expectedPartition: info.partition, at });
    }
  }

  // duplicate
  for (const info of values.values()) {
    const positions = new Set([...(readAt.get(info.value) ?? []), ...(ackedAt.get(info.value) ?? [])]);
    if (positions.size < 2) continue;
    const mayCommit = info.attempts.filter(mayHaveCommitted).length;
    const example = {
      value: info.value,
      sendId: info.sendId,
      idempotent: info.idempotent,
      positions: [...positions],
      attempts: info.attempts.map(describeAttempt),
    };
    if (!info.idempotent && positions.size <= mayCommit) tally.allowed('duplicate', example);
    else tally.bad('duplicate', example);
  }

  // aborted-read (G1a) and zombie-write
  for (const info of values.values()) {
    const seen = readAt.get(info.value);
    if (!seen) continue;
    if (zombieOnly(info)) tally.bad('zombie-write', { value: info.value, sendId: info.sendId, readAt: [...seen], attempts: info.attempts.map(describeAttempt) });
    else if (aborted(info)) tally.bad('aborted-read', { value: info.value, sendId: info.sendId, readAt: [...seen], attempts: info.attempts.map(describeAttempt) });
  }
  for (const a of zombies) if (committed(a)) tally.bad('zombie-write', { acknowledged: describeAttempt(a), values: a.values.slice(0, 5) });

  // lost-write, unseen, incomplete-final-read
  for (const f of finals) {
    for (const part of f.partitions) if (!part.complete) tally.bad('incomplete-final-read', { label: f.label, partition: part.partition, highWatermark: part.highWatermark, read: part.records.length });
  }
  for (const [i, f] of finals.entries()) {
    for (const g of finals.slice(i + 1)) {
      for (const part of f.partitions) {
        const other = g.partitions.find((p) => p.partition === part.partition);
        if (!other || !part.complete || !other.complete || other.highWatermark !== part.highWatermark) continue;
        const at = firstDifference(part.records, other.records);
        if (at !== undefined) {
          tally.bad('divergent-final-reads', { partition: part.partition, reads: [f.label, g.label], index: at, records: [part.records[at] ?? null, other.records[at] ?? null], lengths: [part.records.length, other.records.length] });
        }
      }
    }
  }
  const readers = new Set(roles.readers);
  for (const info of values.values()) {
    if (!acked(info)) continue;
    const ackedPositions = [...(ackedAt.get(info.value) ?? [])];
    // A compacted log drops superseded records: latest-value-lost (compacted-checker.ts) instead.
    for (const f of compacted ? [] : finals) {
      const part = f.partitions.find((p) => p.partition === info.partition);
      if (!part || !part.complete) continue;
      if (!part.records.some(([, v]) => v === info.value)) {
        tally.bad('lost-write', { value: info.value, sendId: info.sendId, ackedAt: ackedPositions, finalRead: f.label, highWatermark: part.highWatermark });
      }
    }
    const byReaders = [...(seenBy.get(info.value) ?? [])].some((c) => readers.has(c));
    const inFinal = finals.some((f) => f.partitions.some((p) => p.partition === info.partition && p.records.some(([, v]) => v === info.value)));
    if (readers.size > 0 && !byReaders && inFinal) tally.bad('unseen', { value: info.value, sendId: info.sendId, ackedAt: ackedPositions });
  }

  // nonmonotonic-send
  const visibleOk = sends.filter((a) => a.outcome === 'ok' && a.offsets !== undefined).sort((x, y) => x.start - y.start);
  const lastByProducer = new Map<string, Map<number, { offset: number; end: number; sendId: string }>>();
  for (const a of visibleOk) {
    let last = lastByProducer.get(a.producer);
    if (!last) lastByProducer.set(a.producer, (last = new Map()));
    const inCall = new Map<number, number>();
    a.values.forEach((value, i) => {
      const partition = a.partitions[i]!;
      const offset = a.offsets![i]!;
      const previousInCall = inCall.get(partition);
      if (previousInCall !== undefined && offset <= previousInCall) {
        tally.bad('nonmonotonic-send', { producer: a.producer, partition, sendId: a.sendId, within: 'one call', offsets: [previousInCall, offset] });
      }
      inCall.set(partition, offset);
      const before = last.get(partition);
      if (before && before.sendId !== a.sendId && before.end < a.start && offset <= before.offset) {
        tally.bad('nonmonotonic-send', { producer: a.producer, partition, earlier: before, later: { sendId: a.sendId, offset, value } });
      }
    });
    for (const [partition, offset] of inCall) {
      const before = last.get(partition);
      if (!before || offset > before.offset) last.set(partition, { offset, end: a.end, sendId: a.sendId });
    }
  }

  // poll-skip and nonmonotonic-poll, per consumer and partition, reset by seeks
  const streams = new Map<string, (Poll | Seek)[]>();
  for (const e of [...polls, ...seeks]) {
    const key = `${e.consumer}|${e.partition}`;
    streams.set(key, [...(streams.get(key) ?? []), e]);
  }
  const time = (e: Poll | Seek) => (e.type === 'seek' ? e.time : e.start);
  // Sluice's offsets have no gaps, but a skip only counts when some skipped offset was seen to exist.
  const knownToExist = (partition: number, from: number, to: number) => {
    for (let o = from; o < to && o < from + 10_000; o++) if (atPosition.has(pos(partition, o))) return true;
    return false;
  };
  for (const [key, stream] of streams) {
    stream.sort((x, y) => time(x) - time(y) || (x.type === 'seek' ? -1 : 1));
    const [consumer, partition] = [key.slice(0, key.lastIndexOf('|')), Number(key.slice(key.lastIndexOf('|') + 1))];
    let expected: number | undefined;
    let since: string | undefined;
    for (const e of stream) {
      if (e.type === 'seek') {
        expected = e.offset;
        since = `seek to ${e.offset} (${e.reason})`;
        continue;
      }
      if (e.outcome !== 'ok') continue;
      for (const [offset, value] of e.records) {
        // Compacted: holes are compaction-skip's to judge (compacted-checker.ts).
        if (!compacted && expected !== undefined && offset > expected && knownToExist(partition, expected, offset)) {
          tally.bad('poll-skip', { consumer, partition, expected, got: offset, value, after: since, pollOffset: e.offset });
        } else if (expected !== undefined && offset < expected) {
          tally.bad('nonmonotonic-poll', { consumer, partition, expected, got: offset, value, after: since, pollOffset: e.offset });
        }
        expected = offset + 1;
        since = `offset ${offset}`;
      }
    }
  }
  for (const f of finals) {
    for (const part of f.partitions) {
      let expected = 0;
      for (const [offset, value] of part.records) {
        if (offset > expected && !compacted) tally.bad('poll-skip', { consumer: `final:${f.label}`, partition: part.partition, expected, got: offset, value });
        else if (offset < expected) tally.bad('nonmonotonic-poll', { consumer: `final:${f.label}`, partition: part.partition, expected, got: offset, value });
        expected = offset + 1;
      }
    }
  }

  // groups
  checkGroups(tally, commits, views, offsetReads, polls, new Set(roles.members), compacted);

  // compaction's rules
  const compaction = history.compaction ? checkCompaction(events, history.compaction.deleteRetentionMs, (kind, example) => tally.bad(kind, example)) : undefined;

  const stats = { ...statsOf(sends, sendsById, values, polls, finals, commits, views, inits), ...(compaction ? { compaction } : {}) };
  const anomalies = tally.finish();
  const checked = checkedKinds(history);
  return { valid: checked.every((k) => anomalies[k].bad === 0), checked, anomalies, stats };
}

function checkGroups(
  tally: Tally,
  commits: readonly GroupCommit[],
  views: readonly MembershipView[],
  offsetReads: readonly OffsetsRead[],
  polls: readonly Poll[],
  members: ReadonlySet<string>,
  compacted: boolean,
): void {
  for (const c of commits) if (c.zombie && c.outcome === 'ok') tally.bad('zombie-commit', describeCommit(c));

  // A generation observed (by a view or an accepted commit) before a commit started fences every older one.
  const observed = [
    ...views.map((v) => ({ end: v.end, generation: v.generation, what: `view of ${v.memberId}` })),
    ...commits.filter((c) => c.outcome === 'ok').map((c) => ({ end: c.end, generation: c.generation, what: `commit of ${c.memberId}` })),
  ].sort((a, b) => a.end - b.end);
  const prefixMax: { end: number; generation: number; what: string }[] = [];
  for (const o of observed) {
    const top = prefixMax.at(-1);
    prefixMax.push(top && top.generation >= o.generation ? { ...top, end: o.end } : o);
  }
  for (const c of commits) {
    if (c.outcome !== 'ok') continue;
    const newest = lastBefore(prefixMax, c.start);
    if (newest && newest.generation > c.generation) {
      tally.bad('stale-generation-commit', { commit: describeCommit(c), newerGeneration: newest.generation, observedBy: newest.what });
    }
  }

  // split-assignment
  const owners = new Map<string, string>();
  for (const v of views) {
    if (!v.assignment) continue;
    for (const p of v.assignment) {
      const key = `${v.generation}:${p}`;
      const owner = owners.get(key);
      if (owner === undefined) owners.set(key, v.memberId);
      else if (owner !== v.memberId) tally.bad('split-assignment', { generation: v.generation, partition: p, members: [owner, v.memberId] });
    }
  }

  // committed-offset-backwards: observations of a partition's committed offset, in real-time order.
  const observations = new Map<number, { start: number; end: number; offset: number; what: string }[]>();
  const add = (partition: number, o: { start: number; end: number; offset: number; what: string }) =>
    observations.set(partition, [...(observations.get(partition) ?? []), o]);
  for (const c of commits) {
    if (c.outcome !== 'ok') continue;
    for (const o of c.offsets) add(o.partition, { start: c.start, end: c.end, offset: o.offset, what: `commit by ${c.memberId} gen ${c.generation}` });
  }
  for (const r of offsetReads) {
    for (const o of r.committed) if (o.offset !== null) add(o.partition, { start: r.start, end: r.end, offset: o.offset, what: `read by ${r.consumer}` });
  }
  for (const [partition, list] of observations) {
    const byEnd = [...list].sort((a, b) => a.end - b.end);
    const prefix: { end: number; offset: number; what: string }[] = [];
    for (const o of byEnd) {
      const top = prefix.at(-1);
      prefix.push(top && top.offset >= o.offset ? { ...top, end: o.end } : { end: o.end, offset: o.offset, what: o.what });
    }
    for (const o of list) {
      const highest = lastBefore(prefix, o.start);
      if (highest && highest.offset > o.offset) tally.bad('committed-offset-backwards', { partition, earlier: highest, later: o });
    }
  }

  // group-skip: every offset below the highest committed one was read by some member.
  const highestCommitted = new Map<number, number>();
  for (const c of commits) {
    if (c.outcome !== 'ok') continue;
    for (const o of c.offsets) highestCommitted.set(o.partition, Math.max(highestCommitted.get(o.partition) ?? 0, o.offset));
  }
  const readByMembers = new Map<number, Set<number>>();
  for (const p of polls) {
    if (p.outcome !== 'ok' || !members.has(p.consumer)) continue;
    let set = readByMembers.get(p.partition);
    if (!set) readByMembers.set(p.partition, (set = new Set()));
    for (const [offset] of p.records) set.add(offset);
  }
  // A compacted partition has holes no member could read.
  for (const [partition, highest] of compacted ? [] : highestCommitted) {
    const set = readByMembers.get(partition) ?? new Set<number>();
    for (let o = 0; o < highest; o++) if (!set.has(o)) tally.bad('group-skip', { partition, offset: o, committedUpTo: highest });
  }
}

/** The last element whose `end` is before `t` in a list sorted by `end`. */
function lastBefore<T extends { end: number }>(sorted: readonly T[], t: number): T | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.end < t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? sorted[lo - 1] : undefined;
}

function describeAttempt(a: SendAttempt): Record<string, unknown> {
  return {
    sendId: a.sendId,
    attempt: a.attempt,
    producer: a.producer,
    outcome: a.outcome,
    ...(a.code ? { code: a.code } : {}),
    ...(a.offsets ? { offsets: a.offsets.slice(0, 5) } : {}),
    ...(a.hidden ? { hidden: true } : {}),
    ...(a.notCommitted ? { notCommitted: true } : {}),
    ...(a.mustBeFenced ? { mustBeFenced: true } : {}),
    ...(a.duplicate ? { duplicate: true } : {}),
    ...(a.fault ? { fault: a.fault } : {}),
    via: a.via,
    start: Math.round(a.start),
    end: Math.round(a.end),
  };
}

function describeCommit(c: GroupCommit): Record<string, unknown> {
  return {
    consumer: c.consumer,
    memberId: c.memberId,
    generation: c.generation,
    offsets: c.offsets,
    outcome: c.outcome,
    ...(c.code ? { code: c.code } : {}),
    ...(c.zombie ? { zombie: true } : {}),
    start: Math.round(c.start),
    end: Math.round(c.end),
  };
}

function statsOf(
  sends: readonly SendAttempt[],
  sendsById: ReadonlyMap<string, SendAttempt[]>,
  values: ReadonlyMap<string, ValueInfo>,
  polls: readonly Poll[],
  finals: readonly FinalRead[],
  commits: readonly GroupCommit[],
  views: readonly MembershipView[],
  inits: readonly ProducerInit[],
): CheckStats {
  const attemptsByOutcome = { ok: 0, fail: 0, unknown: 0 };
  const errorCodes: Record<string, number> = {};
  for (const a of sends) {
    attemptsByOutcome[a.outcome]++;
    if (a.code) errorCodes[a.code] = (errorCodes[a.code] ?? 0) + 1;
  }
  let acknowledged = 0;
  let abortedValues = 0;
  for (const v of values.values()) {
    if (v.attempts.some(committed)) acknowledged++;
    else if (v.attempts.every((a) => !mayHaveCommitted(a))) abortedValues++;
  }
  const commitsByOutcome = { ok: 0, fail: 0, unknown: 0 };
  for (const c of commits) commitsByOutcome[c.outcome]++;
  return {
    sends: sendsById.size,
    attempts: sends.length,
    attemptsByOutcome,
    errorCodes,
    valuesSent: values.size,
    valuesAcknowledged: acknowledged,
    valuesAborted: abortedValues,
    valuesIndeterminate: values.size - acknowledged - abortedValues,
    idempotentDuplicateReplies: sends.filter((a) => a.outcome === 'ok' && a.duplicate).length,
    polls: polls.length,
    recordsPolled: polls.reduce((n, p) => n + p.records.length, 0),
    finalReads: finals.length,
    finalRecords: finals.reduce((n, f) => n + f.partitions.reduce((m, p) => m + p.records.length, 0), 0),
    commits: commits.length,
    commitsByOutcome,
    generationsSeen: new Set(views.map((v) => v.generation)).size,
    inits: inits.length,
  };
}

/** The first index at which two reads differ (offset or value), if any. */
function firstDifference(a: readonly [number, string][], b: readonly [number, string][]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i]?.[0] !== b[i]?.[0] || a[i]?.[1] !== b[i]?.[1]) return i;
  }
  return undefined;
}
