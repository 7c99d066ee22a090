import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANOMALY_KINDS, check, checkedKinds, type AnomalyKind, type CheckResult } from './checker';
import type { CompactionRun, FinalRead, HistoryEvent, Poll, SendAttempt, Seek } from './history';

/**
 * The compacted workload's checks over hand-made histories (compacted-checker.ts): each of
 * compaction's rules is found broken when it is, and not when compaction only did what it
 * may (dropped a superseded record, or a tombstone past delete.retention.ms).
 */

const RETENTION = 1000;
let clock = 0;
const tick = () => (clock += 10);
/** Moves the clock on by `ms`. */
const later = (ms: number) => void (clock += ms);

type Rec = [offset: number, id: string, key: string, tombstone?: boolean];

function send(id: string, key: string, offset: number | undefined, fields: Partial<SendAttempt> & { tombstone?: boolean } = {}): SendAttempt {
  const { tombstone = false, ...rest } = fields;
  const start = tick();
  return {
    type: 'send',
    sendId: `send-${id}`,
    attempt: 1,
    producer: 'p1',
    idempotent: false,
    values: [id],
    partitions: [0],
    keys: [key],
    tombstones: [tombstone],
    start,
    end: tick(),
    outcome: offset === undefined ? 'unknown' : 'ok',
    ...(offset === undefined ? { code: 'HTTP_500' } : { offsets: [offset] }),
    via: 'http',
    ...rest,
  };
}

const fields = (records: Rec[]) => ({
  records: records.map(([offset, id]): [number, string] => [offset, id]),
  keys: records.map(([, , key]) => key),
  tombstones: records.map(([, , , tombstone]) => tombstone === true),
});

function poll(consumer: string, offset: number, records: Rec[], nextOffset: number, highWatermark = nextOffset): Poll {
  const start = tick();
  return { type: 'poll', consumer, partition: 0, offset, start, end: tick(), outcome: 'ok', highWatermark, nextOffset, ...fields(records) };
}

function seek(consumer: string, offset: number, reason: Seek['reason'] = 'start'): Seek {
  return { type: 'seek', consumer, partition: 0, offset, time: tick(), reason };
}

function final(records: Rec[], highWatermark: number, label = 'after-compaction'): FinalRead {
  return { type: 'final-read', label, time: tick(), partitions: [{ partition: 0, highWatermark, complete: true, ...fields(records) }] };
}

function compaction(start: number, end: number): CompactionRun {
  return { type: 'compaction', compactor: 'c0', start, end, outcome: 'ok', partitionsCompacted: 1 };
}

function run(events: HistoryEvent[], readers: string[] = []): CheckResult {
  return check({ events, roles: { readers, members: [] }, compaction: { deleteRetentionMs: RETENTION } });
}

function only(result: CheckResult, expected: Partial<Record<AnomalyKind, number>>): void {
  for (const kind of ANOMALY_KINDS) {
    assert.equal(result.anomalies[kind].bad, expected[kind] ?? 0, `${kind}: ${JSON.stringify(result.anomalies[kind].examples)}`);
  }
  assert.equal(result.valid, Object.values(expected).every((n) => n === 0));
}

/** a=a1 (0), b=b1 (1), a=a2 (2), b deleted (3): what the producers wrote. */
function writes(): SendAttempt[] {
  return [send('a1', 'a', 0), send('b1', 'b', 1), send('a2', 'a', 2), send('bx', 'b', 3, { tombstone: true })];
}

/** Read whole before compaction, then compacted to a2 and b's tombstone. */
function clean(): HistoryEvent[] {
  return [
    ...writes(),
    seek('r0', 0),
    poll('r0', 0, [
      [0, 'a1', 'a'],
      [1, 'b1', 'b'],
    ], 2),
    poll('r0', 2, [
      [2, 'a2', 'a'],
      [3, 'bx', 'b', true],
    ], 4),
    compaction(tick(), tick()),
    final([
      [2, 'a2', 'a'],
      [3, 'bx', 'b', true],
    ], 4),
  ];
}

describe('the compacted checker', () => {
  it('finds nothing when compaction dropped only superseded records, and counts what it saw', () => {
    const result = run(clean(), ['r0']);
    only(result, {});
    const stats = result.stats.compaction!;
    assert.equal(stats.keys, 2);
    assert.equal(stats.tombstonesSent, 1);
    assert.deepEqual(stats.final, { live: 1, tombstones: 1, absent: 0, superseded: 0, records: 2 });
    assert.equal(stats.compactions.runs, 1);
    assert.equal(stats.passes.complete, 1);
  });

  it('holds a compacted history to compaction rules instead of lost-write, poll-skip and group-skip, and a standard one not', () => {
    assert.ok(!checkedKinds({ compaction: { deleteRetentionMs: RETENTION } }).includes('lost-write'));
    assert.ok(!checkedKinds({ compaction: { deleteRetentionMs: RETENTION } }).includes('poll-skip'));
    assert.ok(!checkedKinds({ compaction: { deleteRetentionMs: RETENTION } }).includes('group-skip'));
    assert.ok(checkedKinds({ compaction: { deleteRetentionMs: RETENTION } }).includes('resurrected-tombstone'));
    assert.ok(!checkedKinds({}).includes('resurrected-tombstone'));
    assert.ok(checkedKinds({}).includes('lost-write'));
  });

  describe('record-mismatch (offsets: each record read is what its produce wrote)', () => {
    it('finds a record read with another key', () => {
      const events = clean();
      events[events.length - 1] = final([
        [2, 'a2', 'b'],
        [3, 'bx', 'b', true],
      ], 4);
      only(run(events), { 'record-mismatch': 1 });
    });

    it('finds a tombstone read with a value, and a value read as a tombstone', () => {
      const events = clean();
      events[events.length - 1] = final([
        [2, 'a2', 'a', true],
        [3, 'bx', 'b', false],
      ], 4);
      only(run(events), { 'record-mismatch': 2 });
    });

    it('leaves two records at one offset to inconsistent-offsets, and offsets going backwards to nonmonotonic-poll', () => {
      const events: HistoryEvent[] = [
        ...writes(),
        seek('r0', 0),
        poll('r0', 0, [
          [2, 'a2', 'a'],
          [1, 'b1', 'b'],
        ], 3),
        final([
          [2, 'a1', 'a'],
          [3, 'bx', 'b', true],
        ], 4),
      ];
      const result = run(events);
      assert.ok(result.anomalies['nonmonotonic-poll'].bad >= 1);
      assert.ok(result.anomalies['inconsistent-offsets'].bad >= 1);
    });
  });

  describe('compaction-skip (offsets: a reader moves over nothing live)', () => {
    it('finds a reader that moved over the latest record of its key', () => {
      // a2 is a's latest and nothing supersedes it: the reader's next record comes after it.
      const events: HistoryEvent[] = [...writes(), seek('r0', 2), poll('r0', 2, [[3, 'bx', 'b', true]], 4)];
      const result = run(events);
      only(result, { 'compaction-skip': 1 });
      assert.equal((result.anomalies['compaction-skip'].examples[0] as { skipped: { id: string } }).skipped.id, 'a2');
    });

    it('finds a hole a fetch moved over by its nextOffset, a tombstone too when it is younger than delete.retention.ms', () => {
      const events: HistoryEvent[] = [...writes(), seek('r0', 2), poll('r0', 2, [], 4)];
      only(run(events), { 'compaction-skip': 2 });
    });

    it('finds the records an out-of-range refusal skipped when the reader went on from the log start it gave', () => {
      const refused: Poll = { type: 'poll', consumer: 'r0', partition: 0, offset: 2, start: tick(), end: tick(), outcome: 'fail', code: 'OFFSET_OUT_OF_RANGE', records: [], resetTo: 3 };
      const events: HistoryEvent[] = [...writes(), seek('r0', 2), refused, poll('r0', 3, [[3, 'bx', 'b', true]], 4)];
      only(run(events), { 'compaction-skip': 1 });
    });

    it('allows moving over a record superseded by one sent before the read, and a tombstone sent delete.retention.ms before', () => {
      const events: HistoryEvent[] = [...writes()];
      later(RETENTION);
      events.push(seek('r0', 0), poll('r0', 0, [[2, 'a2', 'a']], 4));
      const result = run(events);
      only(result, {});
      assert.equal(result.stats.compaction!.holesExcused, 3);
    });

    it('does not take a record sent after the read as a reason for the hole', () => {
      const events: HistoryEvent[] = [send('a1', 'a', 0), send('b1', 'b', 1), seek('r0', 0), poll('r0', 0, [[1, 'b1', 'b']], 2), send('a2', 'a', 2)];
      only(run(events), { 'compaction-skip': 1 });
    });

    it('allows a hole over a record that an unacknowledged send of its key, which may sit after it, superseded', () => {
      const events: HistoryEvent[] = [send('a1', 'a', 0), send('b1', 'b', 1), send('a2', 'a', undefined), seek('r0', 0), poll('r0', 0, [[1, 'b1', 'b']], 3)];
      only(run(events), {});
    });
  });

  describe('latest-value-lost', () => {
    it('finds a final read whose last record of a key is older than the acknowledged latest', () => {
      const events = clean();
      events[events.length - 1] = final([
        [0, 'a1', 'a'],
        [3, 'bx', 'b', true],
      ], 4);
      const result = run(events);
      only(result, { 'latest-value-lost': 1 });
      const example = result.anomalies['latest-value-lost'].examples[0] as { key: string; latest: { id: string }; finalLast: { id: string } };
      assert.deepEqual([example.key, example.latest.id, example.finalLast.id], ['a', 'a2', 'a1']);
    });

    it('finds a key missing from the final read whose latest record is a value', () => {
      const events = clean();
      events[events.length - 1] = final([[3, 'bx', 'b', true]], 4);
      only(run(events), { 'latest-value-lost': 1 });
    });

    it('takes the latest from what any reader saw, not only from acknowledgements', () => {
      const events: HistoryEvent[] = [send('a1', 'a', 0), send('a2', 'a', undefined), seek('r0', 0), poll('r0', 0, [[0, 'a1', 'a'], [1, 'a2', 'a']], 2), final([[0, 'a1', 'a']], 2)];
      only(run(events), { 'latest-value-lost': 1 });
    });

    it('allows a key to be gone when a tombstone of it, sent long enough ago, may have followed unseen', () => {
      const events: HistoryEvent[] = [send('a1', 'a', 0), send('ax', 'a', undefined, { tombstone: true })];
      later(RETENTION);
      events.push(final([], 2));
      only(run(events), {});
    });
  });

  describe('resurrected-tombstone', () => {
    it('finds a final read showing a value of a key whose latest record is a tombstone', () => {
      const events = clean();
      events[events.length - 1] = final([
        [1, 'b1', 'b'],
        [2, 'a2', 'a'],
      ], 4);
      const result = run(events);
      only(result, { 'resurrected-tombstone': 1 });
      assert.equal((result.anomalies['resurrected-tombstone'].examples[0] as { key: string }).key, 'b');
    });

    it('finds a pass from offset 0 to the end within delete.retention.ms that saw the value but not the tombstone after it', () => {
      const events: HistoryEvent[] = [...writes()];
      events.push(compaction(tick(), tick()));
      later(RETENTION);
      // The tombstone may have expired (a hole over it alone is allowed); the value before it may not be read in the same short pass.
      events.push(compaction(tick(), tick()), seek('s0', 0, 'scan'), poll('s0', 0, [[1, 'b1', 'b']], 2, 4), poll('s0', 2, [[2, 'a2', 'a']], 4));
      const result = run(events);
      only(result, { 'resurrected-tombstone': 1 });
      assert.deepEqual(result.stats.compaction!.passes, { complete: 1, checked: 1, excused: 0 });
    });

    it('excuses the pass when one compaction run spans delete.retention.ms before its end to its start', () => {
      const events: HistoryEvent[] = [...writes()];
      const start = tick();
      later(RETENTION);
      events.push(compaction(start, tick()), seek('s0', 0, 'scan'), poll('s0', 0, [[1, 'b1', 'b']], 2, 4), poll('s0', 2, [[2, 'a2', 'a']], 4));
      const result = run(events);
      only(result, {});
      assert.deepEqual(result.stats.compaction!.passes, { complete: 1, checked: 0, excused: 1 });
    });

    it('excuses the pass when a later record of the key was sent before it ended', () => {
      const events: HistoryEvent[] = [...writes()];
      later(RETENTION);
      events.push(send('b2', 'b', 4), seek('s0', 0, 'scan'), poll('s0', 0, [[1, 'b1', 'b']], 2, 4), poll('s0', 2, [[2, 'a2', 'a']], 4));
      only(run(events), {});
    });
  });

  describe('tombstone-dropped-early', () => {
    it('finds a key whose latest record is a tombstone missing from a final read sooner than delete.retention.ms after it was sent', () => {
      const events = clean();
      events[events.length - 1] = final([[2, 'a2', 'a']], 4);
      const result = run(events);
      only(result, { 'tombstone-dropped-early': 1 });
      assert.equal((result.anomalies['tombstone-dropped-early'].examples[0] as { key: string }).key, 'b');
    });

    it('allows it once delete.retention.ms has passed since the tombstone was sent', () => {
      const events = clean();
      events.pop();
      later(RETENTION);
      events.push(final([[2, 'a2', 'a']], 4));
      const result = run(events);
      only(result, {});
      assert.deepEqual(result.stats.compaction!.final, { live: 1, tombstones: 0, absent: 1, superseded: 0, records: 1 });
    });
  });
});
