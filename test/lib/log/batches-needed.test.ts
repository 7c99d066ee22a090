import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchesNeeded } from '../../../lib/log/fetch-records';
import type { SegmentIndexEntry } from '../../../lib/store/segment-index-store';

/** Index entries of `count` batches of `size` records of `bytes` record bytes each, from offset 0, one object each. */
function batches(count: number, size: number, bytes: number, sizes: 'recorded' | 'unrecorded' = 'recorded'): SegmentIndexEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    baseOffset: i * size,
    lastOffset: i * size + size - 1,
    recordCount: size,
    objectKey: `seg/${i}`,
    byteStart: 5,
    byteLength: size * (bytes + 10) + 61,
    firstTimestamp: 0,
    maxTimestamp: 0,
    committedAt: 0,
    ...(sizes === 'recorded' ? { recordBytes: size * bytes, firstRecordBytes: bytes } : {}),
  }));
}

const offsets = (window: SegmentIndexEntry[]) => window.map((e) => [e.baseOffset, e.lastOffset]);
const start = { next: 0, answered: 0 };

describe('batchesNeeded', () => {
  it('picks exactly the batches that hold maxRecords records, no read-ahead', () => {
    const entries = batches(10, 100, 1000);
    assert.deepEqual(offsets(batchesNeeded(entries, 0, { ...start, recordsLeft: 100, bytesLeft: 1 << 30 })), [[0, 99]]);
    assert.deepEqual(offsets(batchesNeeded(entries, 0, { ...start, recordsLeft: 300, bytesLeft: 1 << 30 })), [[0, 99], [100, 199], [200, 299]]);
    assert.deepEqual(offsets(batchesNeeded(entries, 0, { ...start, recordsLeft: 101, bytesLeft: 1 << 30 })), [[0, 99], [100, 199]]);
  });

  it('picks a later batch only when all of it fits in maxBytes, so none is read to be cut short', () => {
    const entries = batches(10, 100, 1000);
    // 3 whole batches are 300,000 bytes: the third fits in 300,000 but not in 299,999.
    assert.equal(batchesNeeded(entries, 0, { ...start, recordsLeft: 1000, bytesLeft: 300_000 }).length, 3);
    assert.equal(batchesNeeded(entries, 0, { ...start, recordsLeft: 1000, bytesLeft: 299_999 }).length, 2);
  });

  it('picks a later batch that maxRecords ends inside when its first record fits', () => {
    const entries = batches(10, 100, 1000);
    // 150 records: the second batch is needed for 50 of them, and 101,000 bytes hold its first record.
    assert.equal(batchesNeeded(entries, 0, { ...start, recordsLeft: 150, bytesLeft: 101_000 }).length, 2);
    assert.equal(batchesNeeded(entries, 0, { ...start, recordsLeft: 150, bytesLeft: 100_999 }).length, 1);
  });

  it('picks only the first batch when it alone passes maxBytes', () => {
    assert.equal(batchesNeeded(batches(3, 100, 1000), 0, { ...start, recordsLeft: 1000, bytesLeft: 50_000 }).length, 1);
  });

  it('always picks the first batch, even when its first record alone passes maxBytes', () => {
    assert.equal(batchesNeeded(batches(3, 10, 5000), 0, { ...start, recordsLeft: 100, bytesLeft: 10 }).length, 1);
  });

  it('picks nothing when the records or bytes wanted are already answered', () => {
    const entries = batches(3, 10, 100);
    assert.equal(batchesNeeded(entries, 1, { next: 10, answered: 10, recordsLeft: 0, bytesLeft: 1 << 20 }).length, 0);
    assert.equal(batchesNeeded(entries, 1, { next: 10, answered: 10, recordsLeft: 100, bytesLeft: 99 }).length, 0);
  });

  it('counts only the records from next in a batch read from its middle, bounding its bytes by the whole batch', () => {
    const entries = batches(3, 100, 1000);
    // From offset 50: 50 records of the first batch, so the second is needed for 60 records.
    assert.deepEqual(offsets(batchesNeeded(entries, 0, { next: 50, answered: 0, recordsLeft: 50, bytesLeft: 1 << 30 })), [[0, 99]]);
    assert.deepEqual(offsets(batchesNeeded(entries, 0, { next: 50, answered: 0, recordsLeft: 60, bytesLeft: 1 << 30 })), [[0, 99], [100, 199]]);
    // The tail holds 50,000 bytes, but only the whole batch's 100,000 is known: whether the
    // second batch's first record fits in 60,000 is decided after the first is read.
    assert.deepEqual(offsets(batchesNeeded(entries, 0, { next: 50, answered: 0, recordsLeft: 60, bytesLeft: 60_000 })), [[0, 99]]);
  });

  it('reads items without recorded sizes one round at a time, the first of each round always', () => {
    const entries = batches(3, 10, 100, 'unrecorded');
    assert.equal(batchesNeeded(entries, 0, { ...start, recordsLeft: 100, bytesLeft: 1 << 20 }).length, 1);
    assert.equal(batchesNeeded(entries, 1, { next: 10, answered: 10, recordsLeft: 90, bytesLeft: 1 << 20 }).length, 1);
  });

  it('stops before a hole, and picks nothing when the hole is first', () => {
    const entries = batches(4, 10, 100);
    entries.splice(2, 1); // offsets 20-29 released
    assert.deepEqual(offsets(batchesNeeded(entries, 0, { ...start, recordsLeft: 100, bytesLeft: 1 << 20 })), [[0, 9], [10, 19]]);
    assert.equal(batchesNeeded(entries, 2, { next: 20, answered: 20, recordsLeft: 80, bytesLeft: 1 << 20 }).length, 0);
  });
});
