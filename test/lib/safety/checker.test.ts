import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANOMALY_KINDS, check, type AnomalyKind, type CheckResult } from '../../safety/checker';
import type { FinalRead, GroupCommit, HistoryEvent, MembershipView, OffsetsRead, Poll, ProducerInit, SendAttempt, Seek } from '../../safety/history';

/**
 * The safety checker over hand-made histories: each anomaly is found when it is
 * there, and not when the history only looks like it (a retry, a seek, a rebalance).
 */

let clock = 0;
const tick = () => (clock += 10);

function send(fields: Partial<SendAttempt> & Pick<SendAttempt, 'sendId' | 'values'>): SendAttempt {
  const start = tick();
  return {
    type: 'send',
    attempt: 1,
    producer: 'p1',
    idempotent: false,
    partitions: fields.values.map(() => 0),
    start,
    end: tick(),
    outcome: 'ok',
    via: 'http',
    ...fields,
  };
}

function poll(consumer: string, partition: number, records: [number, string][], offset = records[0]?.[0] ?? 0): Poll {
  const start = tick();
  return { type: 'poll', consumer, partition, offset, start, end: tick(), outcome: 'ok', records };
}

function seek(consumer: string, partition: number, offset: number): Seek {
  return { type: 'seek', consumer, partition, offset, time: tick(), reason: 'assigned' };
}

function final(records: [number, string][][], label = 'after-run'): FinalRead {
  return {
    type: 'final-read',
    label,
    time: tick(),
    partitions: records.map((r, partition) => ({ partition, highWatermark: r.length, complete: true, records: r })),
  };
}

function commit(fields: Partial<GroupCommit> & Pick<GroupCommit, 'memberId' | 'generation' | 'offsets'>): GroupCommit {
  const start = tick();
  return { type: 'commit', consumer: 'm0', start, end: tick(), outcome: 'ok', ...fields };
}

function view(memberId: string, generation: number, assignment: number[] | null, consumer = 'm0'): MembershipView {
  const start = tick();
  return { type: 'view', consumer, memberId, generation, assignment, start, end: tick() };
}

function init(producerId: number, epoch: number): ProducerInit {
  const start = tick();
  return { type: 'init', name: 'p0', start, end: tick(), outcome: 'ok', producerId, epoch };
}

function run(events: HistoryEvent[], readers = ['r0'], members = ['m0', 'm1']): CheckResult {
  return check({ events, roles: { readers, members } });
}

function only(result: CheckResult, expected: Partial<Record<AnomalyKind, number>>): void {
  for (const kind of ANOMALY_KINDS) {
    assert.equal(result.anomalies[kind].bad, expected[kind] ?? 0, `${kind}: ${JSON.stringify(result.anomalies[kind].examples)}`);
  }
  assert.equal(result.valid, Object.values(expected).every((n) => n === 0));
}

/** A clean history: two sends on partition 0, read by a reader and in the final read. */
function clean(): HistoryEvent[] {
  return [
    send({ sendId: 'p1.1', values: ['a'], offsets: [0] }),
    send({ sendId: 'p1.2', values: ['b', 'c'], offsets: [1, 2] }),
    seek('r0', 0, 0),
    poll('r0', 0, [[0, 'a']]),
    poll('r0', 0, [
      [1, 'b'],
      [2, 'c'],
    ]),
    final([
      [
        [0, 'a'],
        [1, 'b'],
        [2, 'c'],
      ],
    ]),
  ];
}

describe('the safety checker', () => {
  it('finds nothing in a clean history, and counts what it holds', () => {
    const result = run(clean());
    only(result, {});
    assert.equal(result.stats.sends, 2);
    assert.equal(result.stats.valuesAcknowledged, 3);
    assert.equal(result.stats.recordsPolled, 3);
  });

  it('lost-write: an acknowledged value missing from the final read', () => {
    const events = clean();
    events[events.length - 1] = final([
      [
        [0, 'a'],
        [1, 'b'],
      ],
    ]);
    const result = run(events);
    only(result, { 'lost-write': 1, 'incomplete-final-read': 0 });
    assert.equal((result.anomalies['lost-write'].examples[0] as { value: string }).value, 'c');
  });

  it('lost-write counts a reply the client never saw (the harness knows it committed)', () => {
    const events: HistoryEvent[] = [send({ sendId: 'p1.1', values: ['a'], outcome: 'unknown', code: 'CRASH', hidden: true, offsets: [0] }), final([[]])];
    only(run(events, []), { 'lost-write': 1 });
  });

  it('duplicate: an idempotent value at two offsets is bad, even after a retry', () => {
    const events: HistoryEvent[] = [
      send({ sendId: 'p0.1', idempotent: true, producer: 'p0#1.0', producerId: 1, epoch: 0, values: ['x'], outcome: 'unknown', code: 'HTTP_500' }),
      send({ sendId: 'p0.1', attempt: 2, idempotent: true, producer: 'p0#1.0', producerId: 1, epoch: 0, values: ['x'], offsets: [1] }),
      final([
        [
          [0, 'x'],
          [1, 'x'],
        ],
      ]),
    ];
    only(run(events, []), { duplicate: 1 });
  });

  it('duplicate: allowed for a non-idempotent send retried after an unknown outcome, not for one that surely did not commit', () => {
    const allowed: HistoryEvent[] = [
      send({ sendId: 'p1.1', values: ['x'], outcome: 'unknown', code: 'HTTP_500' }),
      send({ sendId: 'p1.1', attempt: 2, values: ['x'], offsets: [1] }),
      final([
        [
          [0, 'x'],
          [1, 'x'],
        ],
      ]),
    ];
    const result = run(allowed, []);
    only(result, {});
    assert.equal(result.anomalies.duplicate.allowed, 1);

    const crashedFirst: HistoryEvent[] = [
      send({ sendId: 'p1.1', values: ['x'], outcome: 'unknown', code: 'CRASH', notCommitted: true }),
      send({ sendId: 'p1.1', attempt: 2, values: ['x'], offsets: [1] }),
      final([
        [
          [0, 'x'],
          [1, 'x'],
        ],
      ]),
    ];
    only(run(crashedFirst, []), { duplicate: 1 });

    const singleAttempt: HistoryEvent[] = [
      send({ sendId: 'p1.1', values: ['x'], offsets: [0] }),
      final([
        [
          [0, 'x'],
          [1, 'x'],
        ],
      ]),
    ];
    only(run(singleAttempt, []), { duplicate: 1, 'inconsistent-offsets': 0 });
  });

  it('an idempotent retry answered with the original offsets is no duplicate', () => {
    const events: HistoryEvent[] = [
      send({ sendId: 'p0.1', idempotent: true, producer: 'p0#1.0', producerId: 1, epoch: 0, values: ['x'], outcome: 'unknown', code: 'CRASH', hidden: true, offsets: [0] }),
      send({ sendId: 'p0.1', attempt: 2, idempotent: true, producer: 'p0#1.0', producerId: 1, epoch: 0, values: ['x'], offsets: [0], duplicate: true }),
      final([[[0, 'x']]]),
    ];
    only(run(events, []), {});
  });

  it('inconsistent-offsets: two values at one offset, across reads or between an ack and a read', () => {
    const reads: HistoryEvent[] = [...clean(), poll('r1', 0, [[1, 'c']])];
    only(run(reads), { 'inconsistent-offsets': 1, duplicate: 1 });
    const acked: HistoryEvent[] = [send({ sendId: 'p1.1', values: ['a'], offsets: [5] }), final([[[0, 'a']]])];
    const result = run(acked, []);
    assert.equal(result.anomalies['inconsistent-offsets'].bad, 0);
    assert.equal(result.anomalies.duplicate.bad, 1, 'the ack says 5, the read says 0');
  });

  it('nonmonotonic-send: a producer instance acknowledged a lower offset after a higher one', () => {
    const events: HistoryEvent[] = [
      send({ sendId: 'p1.1', values: ['a'], offsets: [3] }),
      send({ sendId: 'p1.2', values: ['b'], offsets: [2] }),
      send({ sendId: 'p2.1', producer: 'p2', values: ['c'], offsets: [1] }),
    ];
    only(run(events, []), { 'nonmonotonic-send': 1 });
  });

  it('poll-skip and nonmonotonic-poll, reset by a seek', () => {
    const skip: HistoryEvent[] = [...clean().slice(0, 3), poll('r0', 0, [[0, 'a']]), poll('r0', 0, [[2, 'c']]), final([[[0, 'a'], [1, 'b'], [2, 'c']]])];
    only(run(skip), { 'poll-skip': 1, unseen: 1 });
    const back: HistoryEvent[] = [...clean().slice(0, 5), poll('r0', 0, [[1, 'b']]), final([[[0, 'a'], [1, 'b'], [2, 'c']]])];
    only(run(back), { 'nonmonotonic-poll': 1 });
    const sought: HistoryEvent[] = [...clean().slice(0, 5), seek('r0', 0, 1), poll('r0', 0, [[1, 'b']]), final([[[0, 'a'], [1, 'b'], [2, 'c']]])];
    only(run(sought), {});
    const unknownGap: HistoryEvent[] = [send({ sendId: 'p1.1', values: ['a', 'c'], outcome: 'unknown', code: 'HTTP_500' }), seek('r0', 0, 0), poll('r0', 0, [[0, 'a']]), poll('r0', 0, [[2, 'c']])];
    only(run(unknownGap), {}); // nothing shows that offset 1 exists
    const gapInFinal: HistoryEvent[] = [...clean().slice(0, 5), final([[[0, 'a'], [2, 'c']]])];
    only(run(gapInFinal), { 'poll-skip': 1, 'lost-write': 1 });
  });

  it('aborted-read (G1a): a value of a refused send, or of one that crashed before its commit, is read', () => {
    const events: HistoryEvent[] = [
      send({ sendId: 'p1.1', values: ['refused'], outcome: 'fail', code: 'COMMIT_CONTENDED' }),
      send({ sendId: 'p1.2', values: ['crashed'], outcome: 'unknown', code: 'CRASH', notCommitted: true }),
      send({ sendId: 'p1.3', values: ['maybe'], outcome: 'unknown', code: 'HTTP_500' }),
      final([
        [
          [0, 'refused'],
          [1, 'crashed'],
          [2, 'maybe'],
        ],
      ]),
    ];
    only(run(events, []), { 'aborted-read': 2 });
  });

  it('unseen: acknowledged and in the final read, but no reader saw it', () => {
    const events = clean().filter((e) => !(e.type === 'poll' && e.records.some(([, v]) => v === 'b')));
    only(run(events), { unseen: 2 });
    only(run(events, []), {});
  });

  it('zombie-write: a fenced instance acknowledged, or its value read', () => {
    const events: HistoryEvent[] = [
      init(1, 0),
      send({ sendId: 'p0.1', idempotent: true, producer: 'p0#1.0', producerId: 1, epoch: 0, values: ['before'], offsets: [0] }),
      init(1, 1),
      send({ sendId: 'p0.z1', idempotent: true, producer: 'p0#1.0', producerId: 1, epoch: 0, values: ['zombie'], offsets: [1] }),
      send({ sendId: 'p0.z2', idempotent: true, producer: 'p0#1.0', producerId: 1, epoch: 0, values: ['held'], outcome: 'fail', code: 'FENCED', mustBeFenced: true }),
      send({ sendId: 'p0.2', idempotent: true, producer: 'p0#1.1', producerId: 1, epoch: 1, values: ['after'], offsets: [2] }),
      final([
        [
          [0, 'before'],
          [1, 'zombie'],
          [2, 'after'],
        ],
      ]),
    ];
    only(run(events, []), { 'zombie-write': 2 });
    const fencedAndRead: HistoryEvent[] = [...events.slice(0, 3), events[4]!, final([[[0, 'before'], [1, 'held']]])];
    only(run(fencedAndRead, []), { 'zombie-write': 1 });
  });

  it('zombie-commit and stale-generation-commit', () => {
    const events: HistoryEvent[] = [
      view('a', 1, [0, 1]),
      view('b', 2, [0, 1], 'm1'),
      commit({ memberId: 'a', generation: 1, offsets: [{ partition: 0, offset: 0 }], zombie: true }),
    ];
    only(run(events, []), { 'zombie-commit': 1, 'stale-generation-commit': 1 });
    const refused: HistoryEvent[] = [...events.slice(0, 2), commit({ memberId: 'a', generation: 1, offsets: [{ partition: 0, offset: 0 }], zombie: true, outcome: 'fail', code: 'ILLEGAL_GENERATION' })];
    only(run(refused, []), {});
  });

  it('committed-offset-backwards across a rebalance, and a read of the committed offsets', () => {
    const polls = [...clean().slice(0, 2), poll('m0', 0, [[0, 'a'], [1, 'b'], [2, 'c']])];
    const events: HistoryEvent[] = [
      ...polls,
      commit({ memberId: 'a', generation: 1, offsets: [{ partition: 0, offset: 3 }] }),
      commit({ memberId: 'b', generation: 2, consumer: 'm1', offsets: [{ partition: 0, offset: 2 }] }),
    ];
    only(run(events, []), { 'committed-offset-backwards': 1 });
    const committed = commit({ memberId: 'a', generation: 1, offsets: [{ partition: 0, offset: 3 }] });
    const read: OffsetsRead = { type: 'offsets', consumer: 'm1', committed: [{ partition: 0, offset: 1 }], start: tick(), end: tick() };
    only(run([...polls, committed, read], []), { 'committed-offset-backwards': 1 });
    const overlapping: OffsetsRead = { ...read, start: committed.start };
    only(run([...polls, committed, overlapping], []), {});
    only(run([...polls, commit({ memberId: 'a', generation: 1, offsets: [{ partition: 0, offset: 2 }] }), commit({ memberId: 'b', generation: 2, offsets: [{ partition: 0, offset: 3 }] })], []), {});
  });

  it('split-assignment: one partition owned by two members in one generation', () => {
    only(run([view('a', 3, [0, 1]), view('b', 3, [1, 2], 'm1'), view('b', 4, [0], 'm1')], []), { 'split-assignment': 1 });
    only(run([view('a', 3, [0, 1]), view('b', 3, null, 'm1'), view('b', 4, [0, 1], 'm1')], []), {});
  });

  it('group-skip: offsets below the committed one that no member read', () => {
    const events: HistoryEvent[] = [...clean().slice(0, 2), poll('m0', 0, [[0, 'a']]), poll('m1', 0, [[2, 'c']]), commit({ memberId: 'a', generation: 1, offsets: [{ partition: 0, offset: 3 }] })];
    only(run(events, []), { 'group-skip': 1, 'poll-skip': 0 });
  });

  it('phantom-read, misplaced-record and incomplete-final-read', () => {
    const events: HistoryEvent[] = [
      send({ sendId: 'p1.1', values: ['a'], partitions: [1], outcome: 'unknown', code: 'HTTP_500' }),
      poll('r0', 0, [[0, 'ghost']]),
      poll('r0', 0, [[1, 'a']]),
      { type: 'final-read', label: 'after-run', time: tick(), partitions: [{ partition: 1, highWatermark: 1, complete: false, records: [] }] },
    ];
    only(run(events, []), { 'phantom-read': 1, 'misplaced-record': 1, 'incomplete-final-read': 1 });
  });

  it('divergent-final-reads: a kcat final read that misses a record the HTTP one has (neither send acknowledged)', () => {
    const events: HistoryEvent[] = [
      send({ sendId: 'kafka-p0.1', values: ['k'], outcome: 'unknown', code: 'REQUEST_TIMED_OUT', via: 'kafka' }),
      send({ sendId: 'kafka-p0.2', values: ['l'], outcome: 'unknown', code: 'REQUEST_TIMED_OUT', via: 'kafka' }),
      poll('r0', 0, [
        [0, 'k'],
        [1, 'l'],
      ]),
      final([
        [
          [0, 'k'],
          [1, 'l'],
        ],
      ]),
      { type: 'final-read', label: 'kcat', time: tick(), partitions: [{ partition: 0, highWatermark: 2, complete: true, records: [[1, 'l']] }] },
    ];
    only(run(events), { 'divergent-final-reads': 1, 'poll-skip': 1 });
    const same = [...events.slice(0, 4), final([[[0, 'k'], [1, 'l']]], 'kcat')];
    only(run(same), {});
  });
});
