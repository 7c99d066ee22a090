import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasMore, keepNewest, mapLimit, mergeRows, parseLocalDateTime, startPositions } from '../../../../lib/console/model/message-cursor';
import type { RecordView } from '../../../../lib/console/model/record-view';

const partitions = [
  { partition: 0, logStartOffset: 0, highWatermark: 100 },
  { partition: 1, logStartOffset: 40, highWatermark: 50 },
  { partition: 2, logStartOffset: 0, highWatermark: 0 },
];
const row = (partition: number, offset: number, timestamp: number): RecordView => ({ partition, offset, timestamp, key: { kind: 'null' }, value: { kind: 'null' }, headers: [] });

describe('startPositions', () => {
  it('starts each partition at its log start for earliest', () => {
    assert.deepEqual(startPositions(partitions, { kind: 'earliest' }, 20), { 0: 0, 1: 40, 2: 0 });
  });

  it("starts each partition a page before its high watermark for latest, not before its log start", () => {
    assert.deepEqual(startPositions(partitions, { kind: 'latest' }, 20), { 0: 80, 1: 40, 2: 0 });
  });

  it('clamps an explicit offset into each partition’s readable range', () => {
    assert.deepEqual(startPositions(partitions, { kind: 'offset', offset: 45 }, 20), { 0: 45, 1: 45, 2: 0 });
    assert.deepEqual(startPositions(partitions, { kind: 'offset', offset: 7 }, 20), { 0: 7, 1: 40, 2: 0 });
  });

  it('starts at the offset for the time, or the high watermark where no record is that late', () => {
    assert.deepEqual(startPositions(partitions, { kind: 'time', timestamp: 5 }, 20, { 0: 12, 1: null, 2: null }), { 0: 12, 1: 50, 2: 0 });
  });
});

describe('mergeRows', () => {
  it('interleaves partitions by timestamp, the lower partition first on a tie', () => {
    const merged = mergeRows([[row(0, 0, 10), row(0, 1, 30)], [row(1, 0, 10), row(1, 1, 20)]]);
    assert.deepEqual(merged.map((r) => [r.partition, r.offset]), [[0, 0], [1, 0], [1, 1], [0, 1]]);
  });

  it("keeps a partition's rows in offset order when its timestamps go back", () => {
    const merged = mergeRows([[row(0, 0, 50), row(0, 1, 5)], [row(1, 0, 20)]]);
    assert.deepEqual(merged.map((r) => [r.partition, r.offset]), [[1, 0], [0, 0], [0, 1]]);
  });

  it('answers one page as it is', () => {
    const page = [row(3, 9, 2), row(3, 10, 1)];
    assert.equal(mergeRows([page]), page);
  });
});

describe('keepNewest and hasMore', () => {
  it('keeps the last rows past the limit', () => {
    assert.deepEqual(keepNewest([1, 2, 3, 4], 2), [3, 4]);
    assert.deepEqual(keepNewest([1, 2], 5), [1, 2]);
  });

  it('says there is more while some partition is behind its high watermark', () => {
    assert.equal(hasMore({ 0: 100, 1: 49 }, { 0: 100, 1: 50 }), true);
    assert.equal(hasMore({ 0: 100, 1: 50 }, { 0: 100, 1: 50 }), false);
  });
});

describe('parseLocalDateTime', () => {
  it('reads a datetime-local value as local time', () => {
    assert.equal(parseLocalDateTime('2026-03-01T12:30:15'), new Date(2026, 2, 1, 12, 30, 15).getTime());
    assert.equal(parseLocalDateTime('2026-03-01T12:30'), new Date(2026, 2, 1, 12, 30).getTime());
  });

  it('answers undefined for an empty or malformed value', () => {
    assert.equal(parseLocalDateTime(''), undefined);
    assert.equal(parseLocalDateTime('yesterday'), undefined);
  });
});

describe('mapLimit', () => {
  it('answers in the items’ order with no more than the limit running at once', async () => {
    let running = 0;
    let most = 0;
    const answers = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      // Later items finish first, so the answers' order is the items', not the finishing order.
      await new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < n; i++) await Promise.resolve();
      running--;
      return n * 10;
    });
    assert.deepEqual(answers, [50, 10, 40, 20, 30]);
    assert.equal(most, 2);
  });

  it('answers nothing for no items', async () => {
    assert.deepEqual(await mapLimit([], 3, async () => 1), []);
  });

  it('rejects with the first failure', async () => {
    await assert.rejects(mapLimit([1, 2], 2, async (n) => (n === 2 ? Promise.reject(new Error('boom')) : n)), /boom/);
  });
});
