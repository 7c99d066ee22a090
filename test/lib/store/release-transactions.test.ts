import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { readBatchCounts } from '../../../lib/store/object-ref-store';
import { releaseBatch, releaseLastBatch } from '../../../lib/store/release-transactions';
import { indexKey, readIndexPage, type SegmentIndexEntry } from '../../../lib/store/segment-index-store';
import { getTopic } from '../../../lib/topics/topic-repository';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/** Retention's two release transactions against DynamoDB Local, each outcome named. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

/** One produce call writing one record to each of two partitions: one object, counted twice. */
async function sharedObject(name: string): Promise<{ topicId: string; batches: SegmentIndexEntry[] }> {
  assert.equal((await call(env.url, 'POST', '/v1/topics', { name, partitions: 2 })).status, 201);
  const produced = await call(env.url, 'POST', `/v1/topics/${name}/records`, { records: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] });
  assert.equal(produced.status, 200);
  const { topicId } = await getTopic(ctx, name);
  const batches = [(await readIndexPage(ctx, topicId, 0, 0)).entries[0]!, (await readIndexPage(ctx, topicId, 1, 0)).entries[0]!];
  return { topicId, batches };
}

describe('release transactions', () => {
  it('count a batch off its object once; the last one is refused to releaseBatch', async () => {
    const { topicId, batches } = await sharedObject('release-one');
    const [p0, p1] = batches as [SegmentIndexEntry, SegmentIndexEntry];
    assert.equal(p0.objectKey, p1.objectKey);
    assert.deepEqual(await releaseBatch(ctx, indexKey(topicId, 0, p0.lastOffset), p0.objectKey), { kind: 'released' });
    assert.equal((await readBatchCounts(ctx, [p0.objectKey])).get(p0.objectKey), 1);
    assert.deepEqual(await releaseBatch(ctx, indexKey(topicId, 0, p0.lastOffset), p0.objectKey), { kind: 'batch-gone' });
    assert.deepEqual(await releaseBatch(ctx, indexKey(topicId, 1, p1.lastOffset), p1.objectKey), { kind: 'count-moved' });
    assert.deepEqual((await readIndexPage(ctx, topicId, 1, 0)).entries.length, 1, 'the refused release kept its index item');
  });

  it('retire an object with its last batch only, keep the index item, and are idempotent', async () => {
    const { topicId, batches } = await sharedObject('release-last');
    const [p0, p1] = batches as [SegmentIndexEntry, SegmentIndexEntry];
    assert.deepEqual(await releaseLastBatch(ctx, indexKey(topicId, 0, p0.lastOffset), p0.objectKey), { kind: 'count-too-high' });
    assert.equal((await readBatchCounts(ctx, [p0.objectKey])).get(p0.objectKey), 2);
    await releaseBatch(ctx, indexKey(topicId, 0, p0.lastOffset), p0.objectKey);
    assert.deepEqual(await releaseLastBatch(ctx, indexKey(topicId, 1, p1.lastOffset), p1.objectKey), { kind: 'retired' });
    assert.equal((await readBatchCounts(ctx, [p1.objectKey])).has(p1.objectKey), false);
    assert.equal((await readIndexPage(ctx, topicId, 1, 0)).entries.length, 1);
    assert.deepEqual(await releaseLastBatch(ctx, indexKey(topicId, 1, p1.lastOffset), p1.objectKey), { kind: 'retired' }, 'a rerun after a crash');
    assert.deepEqual(await releaseLastBatch(ctx, indexKey(topicId, 0, p0.lastOffset), p0.objectKey), { kind: 'batch-gone' });
  });
});
