import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compactLog } from '../../../lib/compaction/compact-log';
import { DEFAULT_COMPACTION_LIMITS, type CompactionLimits } from '../../../lib/compaction/compact-partition';
import type { SluiceContext } from '../../../lib/core/context';
import { fetchRecords } from '../../../lib/log/fetch-records';
import { clearIndexPageCache } from '../../../lib/log/index-page-cache';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { readBatchCounts } from '../../../lib/store/object-ref-store';
import { indexEntries, objectExists } from '../../support/log-items';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Compaction against DynamoDB Local and the S3 server, through the real SDK: small batches
 * merge into larger ones, a compacted topic keeps the latest record per key, tombstones go
 * after delete.retention.ms, and readers see the same offsets throughout.
 */
let env: TestPlatform;
let ctx: SluiceContext;
/** Added to the real clock: a test moves compaction's time forward by this much. */
let skew = 0;

before(async () => {
  env = await startTestPlatform();
  ctx = { ...contextFromEnv(), now: () => Date.now() + skew, sleep: async () => undefined };
});

after(async () => {
  await env?.stop();
});

/** Merge at once (no minimum age), in small batches, so a test needs only a few records. */
const LIMITS: CompactionLimits = { ...DEFAULT_COMPACTION_LIMITS, mergeMinAgeMs: 0, targetBatchBytes: 64, targetObjectBytes: 256 };

async function topic(name: string, config: Record<string, string> = {}): Promise<string> {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions: 1, config });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.topicId as string;
}

/** One produce call per record: one batch and one object each. */
async function produceEach(name: string, records: { key?: string; value: string | null }[]): Promise<void> {
  for (const record of records) {
    const produced = await call(env.url, 'POST', `/v1/topics/${name}/records`, { records: [{ partition: 0, ...record }] });
    assert.equal(produced.status, 200, JSON.stringify(produced.body));
  }
}

async function readAll(name: string, from = 0): Promise<{ offset: number; key: string | null; value: string | null }[]> {
  clearIndexPageCache();
  const out: { offset: number; key: string | null; value: string | null }[] = [];
  let offset = from;
  for (;;) {
    const result = await fetchRecords(ctx, { topic: name, partition: 0, offset, maxRecords: 1000, maxBytes: 1 << 20 });
    for (const r of result.records) out.push({ offset: r.offset, key: r.key && Buffer.from(r.key).toString(), value: r.value && Buffer.from(r.value).toString() });
    if (result.nextOffset >= result.highWatermark) return out;
    assert.ok(result.nextOffset > offset, `fetch from ${offset} made no progress`);
    offset = result.nextOffset;
  }
}

const compact = (name: string) => compactLog(ctx, { topics: [name], force: true, limits: LIMITS });

describe('compactLog', () => {
  it('merges a partition written one record per call into fewer batches, with the same records at the same offsets', async () => {
    const topicId = await topic('merge-small');
    await produceEach('merge-small', Array.from({ length: 12 }, (_, i) => ({ value: `v${i}` })));
    const before = await readAll('merge-small');
    const oldObjects = (await indexEntries(ctx, topicId)).map((entry) => entry.objectKey);

    const result = await compact('merge-small');

    assert.equal(result.partitionsCompacted, 1);
    const entries = await indexEntries(ctx, topicId);
    assert.ok(entries.length < 12 / 2, `${entries.length} index items left of 12`);
    assert.deepEqual(await readAll('merge-small'), before);
    // The items tile the offsets: each starts where the one before ended.
    entries.forEach((entry, i) => assert.equal(entry.baseOffset, i === 0 ? 0 : entries[i - 1]!.lastOffset + 1));
    for (const key of oldObjects) assert.equal(await objectExists(ctx, key), false, `${key} was retired`);
    const counts = await readBatchCounts(ctx, [...new Set(entries.map((entry) => entry.objectKey))]);
    const perObject = new Map<string, number>();
    for (const entry of entries) perObject.set(entry.objectKey, (perObject.get(entry.objectKey) ?? 0) + 1);
    assert.deepEqual(counts, perObject);
  });

  it('keeps only the latest record of each key on a compacted topic, at its original offset', async () => {
    await topic('compact-latest', { 'cleanup.policy': 'compact' });
    await produceEach('compact-latest', [
      { key: 'a', value: 'a1' },
      { key: 'b', value: 'b1' },
      { key: 'a', value: 'a2' },
      { key: 'c', value: 'c1' },
      { key: 'b', value: 'b2' },
      { key: 'a', value: 'a3' },
    ]);
    await compact('compact-latest');
    assert.deepEqual(await readAll('compact-latest'), [
      { offset: 3, key: 'c', value: 'c1' },
      { offset: 4, key: 'b', value: 'b2' },
      { offset: 5, key: 'a', value: 'a3' },
    ]);
  });

  it('answers a fetch from inside a compacted hole with the next record kept, and moves the reader past a hole at the end', async () => {
    await topic('compact-holes', { 'cleanup.policy': 'compact' });
    await produceEach('compact-holes', [
      { key: 'x', value: 'x1' },
      { key: 'y', value: 'y1' },
      { key: 'x', value: 'x2' },
      { key: 'y', value: 'y2' },
    ]);
    await compact('compact-holes');
    clearIndexPageCache();
    const inside = await fetchRecords(ctx, { topic: 'compact-holes', partition: 0, offset: 0, maxRecords: 1, maxBytes: 1 << 20 });
    assert.deepEqual(inside.records.map((r) => r.offset), [2]);
    assert.equal(inside.nextOffset, 3);
    const rest = await fetchRecords(ctx, { topic: 'compact-holes', partition: 0, offset: 3, maxRecords: 10, maxBytes: 1 << 20 });
    assert.deepEqual(rest.records.map((r) => r.offset), [3]);
    assert.equal(rest.nextOffset, 4);
  });

  it('keeps a tombstone through its first compaction and drops it once delete.retention.ms has passed since', async () => {
    await topic('compact-tombstone', { 'cleanup.policy': 'compact', 'delete.retention.ms': '60000' });
    await produceEach('compact-tombstone', [
      { key: 'k', value: 'k1' },
      { key: 'other', value: 'o1' },
      { key: 'k', value: null },
    ]);
    await compact('compact-tombstone');
    assert.deepEqual(await readAll('compact-tombstone'), [
      { offset: 1, key: 'other', value: 'o1' },
      { offset: 2, key: 'k', value: null },
    ]);
    // More writes make the partition dirty again; a minute later the tombstone may go.
    await produceEach('compact-tombstone', [{ key: 'other', value: 'o2' }]);
    skew = 61_000;
    try {
      await compact('compact-tombstone');
    } finally {
      skew = 0;
    }
    assert.deepEqual(await readAll('compact-tombstone'), [{ offset: 3, key: 'other', value: 'o2' }]);
  });

  it('lets a reader that fetched before compaction go on from its next offset without seeing any record twice', async () => {
    await topic('compact-reader', { 'cleanup.policy': 'compact' });
    await produceEach('compact-reader', Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 3}`, value: `v${i}` })));
    const first = await fetchRecords(ctx, { topic: 'compact-reader', partition: 0, offset: 0, maxRecords: 4, maxBytes: 1 << 20 });
    await compact('compact-reader');
    // The cache still holds index entries naming objects compaction retired: the fetch must read the index again.
    const rest = await fetchRecords(ctx, { topic: 'compact-reader', partition: 0, offset: first.nextOffset, maxRecords: 100, maxBytes: 1 << 20 });
    const offsets = [...first.records, ...rest.records].map((r) => r.offset);
    assert.deepEqual(offsets, [0, 1, 2, 3, 7, 8, 9]);
    assert.equal(rest.nextOffset, 10);
  });

  it('changes nothing when run again with nothing new', async () => {
    const topicId = await topic('compact-idempotent', { 'cleanup.policy': 'compact' });
    await produceEach('compact-idempotent', [
      { key: 'a', value: '1' },
      { key: 'a', value: '2' },
    ]);
    await compact('compact-idempotent');
    const entries = await indexEntries(ctx, topicId);
    const again = await compact('compact-idempotent');
    assert.equal(again.partitions[0]!.batchesWritten, 0);
    assert.deepEqual(await indexEntries(ctx, topicId), entries);
  });
});
