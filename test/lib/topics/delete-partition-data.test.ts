import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { SluiceContext } from '../../../lib/context';
import { collectOrphanObjects, ORPHAN_GRACE_MS } from '../../../lib/gc/collect-orphan-objects';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** A deleted topic's objects are collected even after the collector had passed them as referenced. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = { ...contextFromEnv(), sleep: async () => undefined };
});

after(async () => {
  await env?.stop();
});

const later = (base: SluiceContext): SluiceContext => ({ ...base, now: () => Date.now() + ORPHAN_GRACE_MS + 60_000 });
const segmentCount = async () => ((await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: 'seg/' }))).Contents ?? []).length;

describe('deleting a topic', () => {
  it('lets the orphan collector delete its objects, even ones an earlier run kept as referenced', async () => {
    await call(env.url, 'POST', '/v1/topics', { name: 'short-lived', partitions: 2 });
    await call(env.url, 'POST', '/v1/topics/short-lived/records', { records: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] });
    assert.equal(await segmentCount(), 1);
    const first = await collectOrphanObjects(later(ctx));
    assert.equal(first.keptReferenced, 1, 'committed: kept, and the checkpoint moves past it');

    assert.equal((await call(env.url, 'DELETE', '/v1/topics/short-lived')).status, 204);
    await env.platform.triggers.get('cleanup-deleted-topic')!.drain(30_000);

    const second = await collectOrphanObjects(later(ctx));
    assert.equal(second.deleted.length, 1);
    assert.equal(await segmentCount(), 0);
  });
});
