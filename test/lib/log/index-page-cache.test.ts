import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { cachedEntriesFrom, clearIndexPageCache, INDEX_PAGE_CACHE_MS, rememberEntries } from '../../../lib/log/index-page-cache';
import type { SegmentIndexEntry } from '../../../lib/store/segment-index-store';

const entry = (baseOffset: number, lastOffset: number): SegmentIndexEntry => ({
  baseOffset,
  lastOffset,
  recordCount: lastOffset - baseOffset + 1,
  objectKey: `seg/${baseOffset}`,
  byteStart: 5,
  byteLength: 100,
  firstTimestamp: 0,
  maxTimestamp: 0,
  committedAt: 0,
});
const page = [entry(10, 19), entry(20, 29), entry(30, 39)];
const bases = (entries: SegmentIndexEntry[] | undefined) => entries?.map((e) => e.baseOffset);

describe('index page cache', () => {
  beforeEach(() => clearIndexPageCache());

  it('answers the entries from the one holding the offset on', () => {
    rememberEntries('t1', 0, page, 1000);
    assert.deepEqual(bases(cachedEntriesFrom('t1', 0, 25, 1000)), [20, 30]);
  });

  it('answers nothing for an offset outside the page, or of another partition or topic id', () => {
    rememberEntries('t1', 0, page, 1000);
    assert.equal(cachedEntriesFrom('t1', 0, 9, 1000), undefined);
    assert.equal(cachedEntriesFrom('t1', 0, 40, 1000), undefined);
    assert.equal(cachedEntriesFrom('t1', 1, 25, 1000), undefined);
    assert.equal(cachedEntriesFrom('t2', 0, 25, 1000), undefined);
  });

  it('forgets a page INDEX_PAGE_CACHE_MS after reading it', () => {
    rememberEntries('t1', 0, page, 1000);
    assert.deepEqual(bases(cachedEntriesFrom('t1', 0, 10, 1000 + INDEX_PAGE_CACHE_MS)), [10, 20, 30]);
    assert.equal(cachedEntriesFrom('t1', 0, 10, 1000 + INDEX_PAGE_CACHE_MS + 1), undefined);
  });

  it('keeps the page read last for a partition', () => {
    rememberEntries('t1', 0, page, 1000);
    rememberEntries('t1', 0, [entry(40, 49)], 1000);
    assert.equal(cachedEntriesFrom('t1', 0, 25, 1000), undefined);
    assert.deepEqual(bases(cachedEntriesFrom('t1', 0, 45, 1000)), [40]);
  });
});
