import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keptRecords, latestOffsets, planGroups, splitCovered, type InputBatch, type KeepRules } from '../../../lib/compaction/plan-compaction';
import type { OffsetRecord } from '../../../lib/records/log-record';
import type { SegmentIndexEntry } from '../../../lib/store/segment-index-store';

const NOW = 1_000_000;

function entry(baseOffset: number, lastOffset: number, extra: Partial<SegmentIndexEntry> = {}): SegmentIndexEntry {
  return {
    baseOffset,
    lastOffset,
    recordCount: lastOffset - baseOffset + 1,
    objectKey: `o${baseOffset}-${lastOffset}`,
    byteStart: 5,
    byteLength: 100,
    firstTimestamp: 1,
    maxTimestamp: 1,
    committedAt: 1,
    endBytes: (lastOffset + 1) * 100,
    ...extra,
  };
}

function record(offset: number, key: string | null, value: string | null): OffsetRecord {
  return { offset, key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: [], timestamp: 1 };
}

/** One batch per record, at offsets 0, 1, 2, … */
function batches(...records: [string | null, string | null][]): InputBatch[] {
  return records.map(([key, value], offset) => ({ entry: entry(offset, offset), records: [record(offset, key, value)] }));
}

const rules = (inputs: InputBatch[], extra: Partial<KeepRules> = {}): KeepRules => ({ compact: true, deleteRetentionMs: 1000, now: NOW, latest: latestOffsets(inputs), ...extra });
const offsets = (records: OffsetRecord[]) => records.map((r) => r.offset);

describe('keptRecords', () => {
  it('drops a record when a later record of its key is in the dirty section', () => {
    const inputs = batches(['a', '1'], ['b', '1'], ['a', '2']);
    assert.deepEqual(
      inputs.flatMap((batch) => offsets(keptRecords(batch, rules(inputs)))),
      [1, 2],
    );
  });

  it('keeps every record when only merging (no compact policy)', () => {
    const inputs = batches(['a', '1'], ['a', '2']);
    assert.deepEqual(
      inputs.flatMap((batch) => offsets(keptRecords(batch, rules(inputs, { compact: false })))),
      [0, 1],
    );
  });

  it('keeps records without a key', () => {
    const inputs = batches([null, '1'], [null, '2']);
    assert.deepEqual(
      inputs.flatMap((batch) => offsets(keptRecords(batch, rules(inputs)))),
      [0, 1],
    );
  });

  it('keeps a latest tombstone never compacted, and one compacted less than delete.retention.ms ago', () => {
    const fresh: InputBatch = { entry: entry(0, 0), records: [record(0, 'a', null)] };
    const recent: InputBatch = { entry: entry(0, 0, { cleanedAt: NOW - 999 }), records: [record(0, 'a', null)] };
    assert.equal(keptRecords(fresh, rules([fresh])).length, 1);
    assert.equal(keptRecords(recent, rules([recent])).length, 1);
  });

  it('drops a latest tombstone once its batch was compacted delete.retention.ms ago', () => {
    const old: InputBatch = { entry: entry(0, 0, { cleanedAt: NOW - 1000 }), records: [record(0, 'a', null)] };
    assert.equal(keptRecords(old, rules([old])).length, 0);
  });
});

describe('planGroups', () => {
  it('tiles the inputs: each group starts where the one before ended, and the last ends at the last input', () => {
    const inputs = batches(...Array.from({ length: 10 }, (_, i): [string, string] => [`k${i}`, 'v']));
    const groups = planGroups(inputs, rules(inputs), 6);
    assert.ok(groups.length > 1);
    groups.forEach((group, i) => assert.equal(group.baseOffset, i === 0 ? 0 : groups[i - 1]!.lastOffset + 1));
    assert.equal(groups.at(-1)!.lastOffset, 9);
    assert.deepEqual(groups.flatMap((group) => group.inputs.map((input) => input.entry.baseOffset)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('groups batches while their kept record bytes fit the target', () => {
    // Each record is 3 bytes (key 2 + value 1): two fit 6.
    const inputs = batches(...Array.from({ length: 4 }, (_, i): [string, string] => [`k${i}`, 'v']));
    assert.deepEqual(
      planGroups(inputs, rules(inputs), 6).map((group) => [group.baseOffset, group.lastOffset]),
      [
        [0, 1],
        [2, 3],
      ],
    );
  });

  it('leaves a batch alone that neither merges nor drops anything', () => {
    const inputs = batches(['a', 'long value']);
    const [group] = planGroups(inputs, rules(inputs), 4);
    assert.equal(group!.changed, false);
  });

  it('dates a group by the latest compaction of its inputs, now for one never compacted', () => {
    const inputs: InputBatch[] = [
      { entry: entry(0, 0, { cleanedAt: 10 }), records: [record(0, 'a', '1')] },
      { entry: entry(1, 1, { cleanedAt: 20 }), records: [record(1, 'b', '1')] },
    ];
    assert.equal(planGroups(inputs, rules(inputs), 1 << 20)[0]!.cleanedAt, 20);
    const withNew = [...inputs, { entry: entry(2, 2), records: [record(2, 'c', '1')] }];
    assert.equal(planGroups(withNew, rules(withNew), 1 << 20)[0]!.cleanedAt, NOW);
  });
});

describe('splitCovered', () => {
  it('names the items a later item covers, and keeps the rest in order', () => {
    const items = [entry(0, 0), entry(1, 1), entry(0, 2), entry(3, 3)];
    const { live, covered } = splitCovered(items);
    assert.deepEqual(live.map((e) => [e.baseOffset, e.lastOffset]), [[0, 2], [3, 3]]);
    assert.deepEqual(covered.map((e) => [e.baseOffset, e.lastOffset]), [[0, 0], [1, 1]]);
  });
});
