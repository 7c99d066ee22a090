import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteObjectsCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { collectOrphanObjects, ORPHAN_GRACE_MS } from '../../../lib/gc/collect-orphan-objects';
import { objectRefKey } from '../../../lib/store/object-ref-store';
import { partitionKey } from '../../../lib/store/partition-key';
import { deletePartitionData } from '../../../lib/topics/delete-partition-data';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/** A deleted topic's data goes with it: items, ref items and objects, in an order a retry can finish. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

const later = (base: SluiceContext): SluiceContext => ({ ...base, now: () => Date.now() + ORPHAN_GRACE_MS + 60_000 });
const segmentCount = async () => ((await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: 'seg/' }))).Contents ?? []).length;

describe('deleting a topic', () => {
  it('deletes its objects with its ref and index items, even ones the collector had kept as referenced', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'short-lived', partitions: 2 });
    await call(env.url, 'POST', '/v1/topics/short-lived/records', { records: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] });
    assert.equal(await segmentCount(), 1);
    const first = await collectOrphanObjects(later(ctx));
    assert.equal(first.keptReferenced, 1, 'committed: kept, and the checkpoint moves past it');

    assert.equal((await call(env.url, 'DELETE', '/v1/topics/short-lived')).status, 204);
    await env.platform.triggers.get('cleanup-deleted-topic')!.drain(30_000);
    assert.equal(await segmentCount(), 0, 'deleted by the cleanup itself');
    assert.equal((await collectOrphanObjects(later(ctx))).deleted.length, 0, 'nothing left for the collector');
  });

  it('finishes on a retry after failing between the ref items and the objects: the items stay until the objects are gone', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'crashy', partitions: 1 });
    const topicId = (await call(env.url, 'GET', '/v1/topics/crashy')).body.topicId as string;
    await call(env.url, 'POST', '/v1/topics/crashy/records', { records: [{ value: 'a', partition: 0 }] });
    const [index] = await itemsOf(ctx, topicId, 0).then((items) => items.filter((item) => typeof item.objectKey === 'string'));
    const objectKey = String(index!.objectKey);

    const failing = Object.create(ctx.s3) as typeof ctx.s3;
    failing.send = (async (command: unknown) => {
      if (command instanceof DeleteObjectsCommand) throw new Error('crashed before the object delete');
      return ctx.s3.send(command as never);
    }) as typeof ctx.s3.send;
    await assert.rejects(deletePartitionData({ ...ctx, s3: failing }, topicId, 1), /crashed before the object delete/);
    assert.equal((await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: objectRefKey(objectKey) }))).Item, undefined, 'ref item gone');
    assert.ok((await itemsOf(ctx, topicId, 0)).length >= 2, 'head and index item stay');
    assert.equal(await objectExists(objectKey), true);

    assert.ok((await deletePartitionData(ctx, topicId, 1)) >= 2);
    assert.deepEqual(await itemsOf(ctx, topicId, 0), []);
    assert.equal(await objectExists(objectKey), false);
  });
});

async function itemsOf(c: SluiceContext, topicId: string, partition: number): Promise<Record<string, unknown>[]> {
  const page = await c.ddb.send(new QueryCommand({ TableName: c.tables.log, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition) }, ConsistentRead: true }));
  return page.Items ?? [];
}

async function objectExists(key: string): Promise<boolean> {
  try {
    await ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}
