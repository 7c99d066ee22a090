import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { OffsetOutOfRangeError } from '../../../lib/core/errors';
import { fetchRecords } from '../../../lib/log/fetch-records';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { advanceLogStart, headKey } from '../../../lib/store/partition-head-store';
import { partitionKey } from '../../../lib/store/partition-key';
import { fromIndexItem, indexKey, type SegmentIndexEntry } from '../../../lib/store/segment-index-store';
import { getTopic } from '../../../lib/topics/topic-repository';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * A fetch never skips offsets: index items or objects that disappear between its head
 * read and its index read (retention releasing them) end it before the hole, or answer
 * OFFSET_OUT_OF_RANGE with the new log start. Against DynamoDB Local and s3rver; the
 * races are made deterministic by doing the release from inside the fetch's own requests.
 */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = contextFromEnv();
});

after(async () => {
  await env?.stop();
});

/** A one-partition topic with three batches of two records: offsets 0-1, 2-3, 4-5, one object each. */
async function threeBatches(name: string): Promise<{ topicId: string; batches: SegmentIndexEntry[] }> {
  assert.equal((await call(env.url, 'POST', '/v1/topics', { name, partitions: 1 })).status, 201);
  for (const n of [0, 2, 4]) {
    const produced = await call(env.url, 'POST', `/v1/topics/${name}/records`, { records: [{ value: `v${n}` }, { value: `v${n + 1}` }] });
    assert.equal(produced.status, 200, JSON.stringify(produced.body));
  }
  const { topicId } = await getTopic(ctx, name);
  const { Items } = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tables.log,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
      ExpressionAttributeValues: { ':pk': partitionKey(topicId, 0), ':o': 'o#' },
      ConsistentRead: true,
    }),
  );
  const batches = (Items ?? []).map(fromIndexItem);
  assert.deepEqual(batches.map((b) => [b.baseOffset, b.lastOffset]), [[0, 1], [2, 3], [4, 5]]);
  return { topicId, batches };
}

const deleteIndexItem = (c: SluiceContext, topicId: string, entry: SegmentIndexEntry) =>
  c.ddb.send(new DeleteCommand({ TableName: c.tables.log, Key: indexKey(topicId, 0, entry.lastOffset) }));
const advanceHead = async (c: SluiceContext, topicId: string, to: number) =>
  assert.deepEqual(await advanceLogStart(c, topicId, 0, to), { kind: 'advanced' });

async function outOfRange(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    const result = await promise;
    assert.fail(`expected OFFSET_OUT_OF_RANGE, got ${JSON.stringify(result)}`);
  } catch (error) {
    assert.ok(error instanceof OffsetOutOfRangeError, String(error));
    assert.equal(error.status, 416);
    return error.details;
  }
}

/**
 * A context whose DynamoDB client runs `release` (with the plain context) right after
 * the fetch's first read of the partition head, and holds the fetch's index reads until
 * it is done: what retention would do between the fetch's head read and its index read
 * (which the fetch sends at the same time, so either may be answered first).
 */
function releasingAfterHeadRead(topicId: string, release: () => Promise<void>): SluiceContext {
  const ddb = Object.create(ctx.ddb) as typeof ctx.ddb;
  let released: Promise<void> | undefined;
  let headRead!: () => void;
  const headWasRead = new Promise<void>((resolve) => (headRead = resolve));
  ddb.send = (async (command: unknown) => {
    if (command instanceof QueryCommand) await headWasRead.then(() => released);
    const response = await ctx.ddb.send(command as never);
    if (!released && command instanceof GetCommand && (command.input.Key as { pk: string; sk: string }).sk === headKey(topicId, 0).sk) {
      released = release();
      headRead();
      await released;
    }
    return response;
  }) as typeof ctx.ddb.send;
  return { ...ctx, tables: ctx.tables, ddb };
}

/** A context whose S3 client runs `release` before the fetch's GET of `objectKey` is sent. */
function releasingBeforeGet(objectKey: string, release: () => Promise<void>): SluiceContext {
  const s3 = Object.create(ctx.s3) as typeof ctx.s3;
  let released = false;
  s3.send = (async (command: unknown) => {
    if (!released && command instanceof GetObjectCommand && command.input.Key === objectKey) {
      released = true;
      await release();
    }
    return ctx.s3.send(command as never);
  }) as typeof ctx.s3.send;
  return { ...ctx, tables: ctx.tables, s3 };
}

const read = (c: SluiceContext, topic: string, offset: number) => fetchRecords(c, { topic, partition: 0, offset, maxRecords: 100, maxBytes: 1 << 20 });

describe('fetch across released batches', () => {
  it('answers 416, never records from offset 2, when the batch holding offset 0 has no index item (head unchanged)', async () => {
    const { topicId, batches } = await threeBatches('gap-at-start');
    await deleteIndexItem(ctx, topicId, batches[0]!);
    const details = await outOfRange(read(ctx, 'gap-at-start', 0));
    assert.equal(details.offset, 0);
    // The head still says 0; the answer names the first offset a fetch can serve, so a reader moves on.
    assert.equal(details.logStartOffset, 2);
    assert.equal(details.highWatermark, 6);
    assert.deepEqual((await read(ctx, 'gap-at-start', 2)).records.map((r) => r.offset), [2, 3, 4, 5]);
  });

  it('stops before a hole in the middle, and the next fetch from the hole is 416', async () => {
    const { topicId, batches } = await threeBatches('gap-in-middle');
    await deleteIndexItem(ctx, topicId, batches[1]!);
    const first = await read(ctx, 'gap-in-middle', 0);
    assert.deepEqual(first.records.map((r) => r.offset), [0, 1]);
    assert.equal(first.nextOffset, 2);
    const details = await outOfRange(read(ctx, 'gap-in-middle', first.nextOffset));
    assert.equal(details.logStartOffset, 4);
  });

  it('answers 416 with the new log start when retention moves the head and releases batches between the head read and the index read', async () => {
    const { topicId, batches } = await threeBatches('released-mid-fetch');
    const racing = releasingAfterHeadRead(topicId, async () => {
      await advanceHead(ctx, topicId, 4);
      await deleteIndexItem(ctx, topicId, batches[0]!);
      await deleteIndexItem(ctx, topicId, batches[1]!);
    });
    const details = await outOfRange(read(racing, 'released-mid-fetch', 1));
    assert.deepEqual(details, { offset: 1, logStartOffset: 4, highWatermark: 6 });
    assert.deepEqual((await read(ctx, 'released-mid-fetch', 4)).records.map((r) => r.offset), [4, 5]);
  });

  it('answers 416 when every batch below the high watermark was released mid-fetch', async () => {
    const { topicId, batches } = await threeBatches('all-released-mid-fetch');
    const racing = releasingAfterHeadRead(topicId, async () => {
      await advanceHead(ctx, topicId, 6);
      for (const batch of batches) await deleteIndexItem(ctx, topicId, batch);
    });
    assert.deepEqual(await outOfRange(read(racing, 'all-released-mid-fetch', 0)), { offset: 0, logStartOffset: 6, highWatermark: 6 });
  });

  it('answers 416 when the object of the first batch is gone by the time it is read (released and collected)', async () => {
    const { topicId, batches } = await threeBatches('object-gone');
    const racing = releasingBeforeGet(batches[0]!.objectKey, async () => {
      await advanceHead(ctx, topicId, 2);
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: batches[0]!.objectKey }));
    });
    assert.deepEqual(await outOfRange(read(racing, 'object-gone', 0)), { offset: 0, logStartOffset: 2, highWatermark: 6 });
  });

  it('returns the records before a batch whose object is gone, and no record after it', async () => {
    const { topicId, batches } = await threeBatches('object-gone-later');
    const racing = releasingBeforeGet(batches[1]!.objectKey, async () => {
      await advanceHead(ctx, topicId, 4);
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: batches[1]!.objectKey }));
    });
    const result = await read(racing, 'object-gone-later', 0);
    assert.deepEqual(result.records.map((r) => r.offset), [0, 1]);
    assert.equal(result.nextOffset, 2);
    assert.deepEqual(await outOfRange(read(ctx, 'object-gone-later', 2)), { offset: 2, logStartOffset: 4, highWatermark: 6 });
  });

  it('reads a log without holes as before', async () => {
    await threeBatches('no-gap');
    const result = await read(ctx, 'no-gap', 1);
    assert.deepEqual(result.records.map((r) => [r.offset, Buffer.from(r.value!).toString()]), [[1, 'v1'], [2, 'v2'], [3, 'v3'], [4, 'v4'], [5, 'v5']]);
    assert.equal(result.nextOffset, 6);
  });
});
