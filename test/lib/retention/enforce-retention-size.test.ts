import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { trimPartition } from '../../../lib/log/trim-partition';
import { enforceRetention } from '../../../lib/retention/enforce-retention';
import { DEFAULT_RETENTION_MS } from '../../../lib/retention/retention-settings';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { DUE_NOW, readHead } from '../../../lib/store/partition-head-store';
import { indexEntries as indexItems, objectExists as objectIn } from '../../support/log-items';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Kafka's retention.bytes against DynamoDB Local and the S3 server: commits count stored
 * bytes on the head and mark a partition past its limit due; the next run moves the log
 * start to the first batch of the newest retention.bytes (a batch goes only if at least
 * that much remains, Kafka's rule), then releases what lies below.
 */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = { ...contextFromEnv(), sleep: async () => undefined };
});

after(async () => {
  await env?.stop();
});

const run = () => enforceRetention(ctx, { defaultRetentionMs: DEFAULT_RETENTION_MS, fullSweep: false });

async function createTopic(name: string, config: Record<string, string>): Promise<string> {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions: 1, config });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.topicId as string;
}

/** `calls` produce calls (one object, one batch each) of two equal records. */
async function produce(name: string, calls: number): Promise<void> {
  for (let c = 0; c < calls; c++) {
    const records = [0, 1].map(() => ({ partition: 0, value: 'x'.repeat(100) }));
    assert.equal((await call(env.url, 'POST', `/v1/topics/${name}/records`, { records })).status, 200);
  }
}

const indexEntries = (topicId: string) => indexItems(ctx, topicId);
const objectExists = (key: string) => objectIn(ctx, key);

/** The stored size of one of `produce`'s batches, measured on a scratch topic. */
let batchBytes: number;

describe('enforceRetention by retention.bytes', () => {
  before(async () => {
    const scratch = await createTopic('size-scratch', {});
    await produce('size-scratch', 2);
    const [a, b] = await indexEntries(scratch);
    assert.equal(a!.byteLength, b!.byteLength, 'equal calls make equal batches');
    batchBytes = a!.byteLength;
  });

  it('counts stored bytes on the head and on each index item as commits land', async () => {
    const topicId = await createTopic('size-count', {});
    await produce('size-count', 3);
    assert.equal((await readHead(ctx, topicId, 0)).bytesTotal, 3 * batchBytes);
    assert.deepEqual((await indexEntries(topicId)).map((e) => e.endBytes), [1, 2, 3].map((n) => n * batchBytes));
  });

  it('marks a partition due once a commit takes it past its retention.bytes, and not before', async () => {
    const topicId = await createTopic('size-mark', { 'retention.bytes': String(2 * batchBytes) });
    await produce('size-mark', 2);
    assert.notEqual((await readHead(ctx, topicId, 0)).retentionFrom, DUE_NOW);
    await produce('size-mark', 1);
    assert.equal((await readHead(ctx, topicId, 0)).retentionFrom, DUE_NOW);
  });

  it('keeps the newest batches holding at least retention.bytes and releases the older ones and their objects', async () => {
    const topicId = await createTopic('size-keep', { 'retention.bytes': String(Math.floor(2.5 * batchBytes)) });
    await produce('size-keep', 5);
    const before = await indexEntries(topicId);
    await run();
    // 5 batches: dropping a third would leave 2 < 2.5 batches, so three stay.
    const head = await readHead(ctx, topicId, 0);
    assert.equal(head.logStartOffset, 4);
    assert.equal(head.logStartBytes, 2 * batchBytes);
    assert.deepEqual((await indexEntries(topicId)).map((e) => e.baseOffset), [4, 6, 8]);
    assert.deepEqual(await Promise.all(before.map((e) => objectExists(e.objectKey))), [false, false, true, true, true]);
    // Settled from the first kept batch, not due again until a commit takes it past the limit once more.
    assert.notEqual(head.retentionFrom, DUE_NOW);
  });

  it('applies to a topic whose retention.ms is -1, and always keeps the newest batch', async () => {
    const topicId = await createTopic('size-forever', { 'retention.ms': '-1', 'retention.bytes': '1' });
    await produce('size-forever', 3);
    await run();
    assert.deepEqual((await indexEntries(topicId)).map((e) => e.baseOffset), [4]);
    const fetched = await call(env.url, 'GET', '/v1/topics/size-forever/partitions/0/records');
    assert.deepEqual((fetched.body.records as { offset: number }[]).map((r) => r.offset), [4, 5]);
  });

  it('counts the size from a trimmed log start: the batch a trim cut in the middle counts whole', async () => {
    const topicId = await createTopic('size-trim', { 'retention.bytes': String(10 * batchBytes) });
    await produce('size-trim', 3);
    await trimPartition(ctx, 'size-trim', 0, 3);
    assert.equal((await readHead(ctx, topicId, 0)).logStartBytes, batchBytes);
  });

  it('leaves a partition under its retention.bytes alone', async () => {
    const topicId = await createTopic('size-under', { 'retention.ms': '-1', 'retention.bytes': String(10 * batchBytes) });
    await produce('size-under', 3);
    await run();
    assert.equal((await readHead(ctx, topicId, 0)).logStartOffset, 0);
    assert.equal((await indexEntries(topicId)).length, 3);
  });
});
