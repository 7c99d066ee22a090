import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { trimPartition } from '../../../lib/log/trim-partition';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { readHead } from '../../../lib/store/partition-head-store';
import { DUE_NOW } from '../../../lib/store/retention-due-store';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** Kafka's DeleteRecords against DynamoDB Local and the S3 server, records produced and fetched over HTTP. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = contextFromEnv();
});

after(async () => {
  await env?.stop();
});

/** A topic of one partition holding `batches` produce calls of `size` records each (offsets 0..batches*size-1). */
async function topicWith(name: string, batches: number, size: number): Promise<string> {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions: 1 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: size }, (_, i) => ({ partition: 0, value: `v${b * size + i}` }));
    assert.equal((await call(env.url, 'POST', `/v1/topics/${name}/records`, { records })).status, 200);
  }
  return created.body.topicId as string;
}

const fetchFrom = (topic: string, offset: number) => call(env.url, 'GET', `/v1/topics/${topic}/partitions/0/records?offset=${offset}&encoding=utf8`);

describe('trimPartition', () => {
  it('moves the log start to the offset, so a fetch below it answers 416 and one at it starts there', async () => {
    await topicWith('trim-basic', 2, 3);
    assert.deepEqual(await trimPartition(ctx, 'trim-basic', 0, 3), { topic: 'trim-basic', partition: 0, logStartOffset: 3, highWatermark: 6 });
    const below = await fetchFrom('trim-basic', 2);
    assert.equal(below.status, 416);
    assert.equal((below.body.error as { code: string }).code, 'OFFSET_OUT_OF_RANGE');
    const at = await fetchFrom('trim-basic', 3);
    assert.deepEqual((at.body.records as { offset: number }[]).map((r) => r.offset), [3, 4, 5]);
  });

  it('may cut a batch in the middle: a reader from the log start gets that batch from the new start on', async () => {
    await topicWith('trim-mid', 1, 5);
    await trimPartition(ctx, 'trim-mid', 0, 2);
    const fromStart = await call(env.url, 'GET', '/v1/topics/trim-mid/partitions/0/records?encoding=utf8');
    assert.deepEqual((fromStart.body.records as { offset: number; value: string }[]).map((r) => [r.offset, r.value]), [[2, 'v2'], [3, 'v3'], [4, 'v4']]);
  });

  it('marks the partition due, so the next retention run releases what the trim cut off', async () => {
    const topicId = await topicWith('trim-due', 1, 2);
    await trimPartition(ctx, 'trim-due', 0, 1);
    assert.equal((await readHead(ctx, topicId, 0)).retentionFrom, DUE_NOW);
  });

  it('takes -1 as the high watermark, emptying the log', async () => {
    await topicWith('trim-all', 2, 2);
    assert.deepEqual(await trimPartition(ctx, 'trim-all', 0, -1), { topic: 'trim-all', partition: 0, logStartOffset: 4, highWatermark: 4 });
    const fetched = await call(env.url, 'GET', '/v1/topics/trim-all/partitions/0/records');
    assert.deepEqual(fetched.body.records, []);
  });

  it('changes nothing for an offset at or below the log start (no move backwards)', async () => {
    const topicId = await topicWith('trim-back', 1, 4);
    await trimPartition(ctx, 'trim-back', 0, 3);
    const before = await readHead(ctx, topicId, 0);
    assert.deepEqual(await trimPartition(ctx, 'trim-back', 0, 1), { topic: 'trim-back', partition: 0, logStartOffset: 3, highWatermark: 4 });
    assert.deepEqual(await readHead(ctx, topicId, 0), before);
  });

  it('refuses an offset past the high watermark with OFFSET_OUT_OF_RANGE and changes nothing', async () => {
    const topicId = await topicWith('trim-past', 1, 2);
    await assert.rejects(trimPartition(ctx, 'trim-past', 0, 3), { code: 'OFFSET_OUT_OF_RANGE' });
    assert.equal((await readHead(ctx, topicId, 0)).logStartOffset, 0);
  });

  it('refuses a partition the topic does not have with PARTITION_NOT_FOUND, and a missing topic with TOPIC_NOT_FOUND', async () => {
    await topicWith('trim-narrow', 1, 1);
    await assert.rejects(trimPartition(ctx, 'trim-narrow', 1, 0), { code: 'PARTITION_NOT_FOUND' });
    await assert.rejects(trimPartition(ctx, 'trim-nowhere', 0, 0), { code: 'TOPIC_NOT_FOUND' });
  });
});
