import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { trimPartition } from '../../../lib/log/trim-partition';
import { enforceRetention } from '../../../lib/retention/enforce-retention';
import { DEFAULT_RETENTION_MS } from '../../../lib/retention/retention-settings';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { readHead } from '../../../lib/store/partition-head-store';
import { queryDuePartitions } from '../../../lib/store/retention-due-store';
import { indexEntries as indexItems, objectExists as objectIn } from '../../support/log-items';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Retention releasing what a trim (Kafka's DeleteRecords) cut off, against DynamoDB Local
 * and the S3 server: the trim moves the log start and marks the partition due; the next
 * run deletes the index items wholly below it and their objects, whatever the topic's
 * retention, and settles the mark so later runs leave the partition alone.
 */
let env: TestPlatform;
let ctx: SluiceContext;
const T = Date.now();

before(async () => {
  env = await startTestPlatform();
  ctx = { ...contextFromEnv(), sleep: async () => undefined };
});

after(async () => {
  await env?.stop();
});

const run = () => enforceRetention(ctx, { defaultRetentionMs: DEFAULT_RETENTION_MS, fullSweep: false });

/** `batches` produce calls (one object each) of two records, the n-th call's records stamped T + n. */
async function topicWith(name: string, config: Record<string, string>, batches: number): Promise<string> {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions: 1, config });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (let b = 0; b < batches; b++) {
    const records = [0, 1].map((i) => ({ partition: 0, timestamp: T + b, value: `v${2 * b + i}` }));
    assert.equal((await call(env.url, 'POST', `/v1/topics/${name}/records`, { records })).status, 200);
  }
  return created.body.topicId as string;
}

const indexEntries = (topicId: string) => indexItems(ctx, topicId);
const objectExists = (key: string) => objectIn(ctx, key);

describe('enforceRetention after a trim', () => {
  it('releases the batches and objects below a trimmed log start of a topic that keeps everything, and settles its mark', async () => {
    const topicId = await topicWith('trim-forever', { 'retention.ms': '-1' }, 3);
    const before = await indexEntries(topicId);
    assert.equal(before.length, 3);
    await trimPartition(ctx, 'trim-forever', 0, 4);
    await run();
    const after = await indexEntries(topicId);
    assert.deepEqual(after.map((e) => e.baseOffset), [4]);
    assert.deepEqual(await Promise.all(before.map((e) => objectExists(e.objectKey))), [false, false, true]);
    // The mark is the running maximum of the first kept batch: a topic that keeps everything is never due again.
    const head = await readHead(ctx, topicId, 0);
    assert.equal(head.retentionFrom, T + 2);
    assert.deepEqual(await queryDuePartitions(ctx, topicId, 0), []);
    assert.equal(head.logStartOffset, 4);
  });

  it('keeps the batch a trim cut in the middle, and marks the partition from it', async () => {
    const topicId = await topicWith('trim-cut', {}, 2);
    await trimPartition(ctx, 'trim-cut', 0, 3);
    await run();
    assert.deepEqual((await indexEntries(topicId)).map((e) => [e.baseOffset, e.lastOffset]), [[2, 3]]);
    const head = await readHead(ctx, topicId, 0);
    assert.equal(head.logStartOffset, 3);
    assert.equal(head.retentionFrom, T + 1);
    const fetched = await call(env.url, 'GET', '/v1/topics/trim-cut/partitions/0/records?encoding=utf8');
    assert.deepEqual((fetched.body.records as { offset: number; value: string }[]).map((r) => [r.offset, r.value]), [[3, 'v3']]);
  });

  it('releases everything of a partition trimmed to its high watermark and clears its mark', async () => {
    const topicId = await topicWith('trim-empty', {}, 2);
    const before = await indexEntries(topicId);
    await trimPartition(ctx, 'trim-empty', 0, -1);
    await run();
    assert.deepEqual(await indexEntries(topicId), []);
    assert.deepEqual(await Promise.all(before.map((e) => objectExists(e.objectKey))), [false, false]);
    assert.equal((await readHead(ctx, topicId, 0)).retentionFrom, undefined);
  });
});
