import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { advanceLogStart, EMPTY_HEAD, readHead, readHeads } from '../../../lib/store/partition-head-store';
import { getTopic } from '../../../lib/topics/topic-repository';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/** The partition head's reads and the retention write, against DynamoDB Local. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

/** A topic of two partitions with three records in partition 0 and none in partition 1. */
async function topicWithRecords(name: string): Promise<string> {
  assert.equal((await call(env.url, 'POST', '/v1/topics', { name, partitions: 2 })).status, 201);
  const produced = await call(env.url, 'POST', `/v1/topics/${name}/records`, { records: ['a', 'b', 'c'].map((value) => ({ value, partition: 0 })) });
  assert.equal(produced.status, 200);
  return (await getTopic(ctx, name)).topicId;
}

describe('partition head store', () => {
  it('reads a written head, the empty head for a partition never written, and none in readHeads', async () => {
    const topicId = await topicWithRecords('head-reads');
    assert.equal((await readHead(ctx, topicId, 0)).nextOffset, 3);
    assert.deepEqual(await readHead(ctx, topicId, 1), EMPTY_HEAD);
    const heads = await readHeads(ctx, topicId, [0, 1]);
    assert.equal(heads.get(0)?.nextOffset, 3);
    assert.equal(heads.has(1), true);
    assert.equal(heads.get(1), undefined);
  });

  it('moves the log start forward only: not backwards, not past the high watermark, not onto a missing head', async () => {
    const topicId = await topicWithRecords('head-advance');
    assert.deepEqual(await advanceLogStart(ctx, topicId, 0, 2), { kind: 'advanced' });
    assert.equal((await readHead(ctx, topicId, 0)).logStartOffset, 2);
    assert.deepEqual(await advanceLogStart(ctx, topicId, 0, 1), { kind: 'not-behind' });
    assert.deepEqual(await advanceLogStart(ctx, topicId, 0, 2), { kind: 'not-behind' });
    assert.deepEqual(await advanceLogStart(ctx, topicId, 0, 4), { kind: 'not-behind' }, 'past the high watermark');
    assert.deepEqual(await advanceLogStart(ctx, topicId, 1, 1), { kind: 'not-behind' }, 'no head');
    assert.equal((await readHead(ctx, topicId, 0)).logStartOffset, 2);
    assert.deepEqual(await readHead(ctx, topicId, 1), EMPTY_HEAD, 'no head was created');
  });
});
