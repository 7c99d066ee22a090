import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { commitBatches, type PendingBatch } from '../../../lib/log/commit-batches';
import { readCommitState } from '../../../lib/log/commit-state';
import { FencedError, ProducerAccessDeniedError } from '../../../lib/log/produce-errors';
import type { ProducerClaim } from '../../../lib/log/sequence-check';
import { initProducer } from '../../../lib/producers/init-producer';
import { getTopic } from '../../../lib/topics/topic-repository';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/**
 * The commit transaction itself guards the producer, against DynamoDB Local: each test
 * hands commitBatches a state read for a claim that was valid, as a racing call would
 * have read it, so only the transaction's own conditions stand between it and a commit.
 */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

const batch: PendingBatch = { partition: 0, recordCount: 1, byteStart: 0, byteLength: 10, firstTimestamp: 1, maxTimestamp: 1 };
const claimOf = (producer: { producerId: number; epoch: number }, principal: string): ProducerClaim => ({
  producerId: producer.producerId,
  epoch: producer.epoch,
  principal,
  sequences: new Map([[0, 0]]),
});
const highWatermark = async (name: string) => (await call(env.url, 'GET', `/v1/topics/${name}/partitions/0/offsets`)).body.highWatermark as number;

describe('commitBatches', () => {
  it("refuses a claim on another principal's producer id in the transaction, even when the state it was given passed the check", async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'bound' })).status, 201);
    const topic = await getTopic(ctx, 'bound');
    const alice = await initProducer(ctx, { principal: 'alice' });
    const state = await readCommitState(ctx, topic.topicId, [0], claimOf(alice, 'alice'));
    await assert.rejects(
      commitBatches(ctx, topic, 'seg/bound-1', [batch], ctx.now(), { producer: claimOf(alice, 'bob') }, state),
      (e: unknown) => e instanceof ProducerAccessDeniedError && e.details.field === 'producer.id',
    );
    assert.equal(await highWatermark('bound'), 0, 'nothing was committed');
  });

  it('still fences an epoch superseded after the state was read', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'fenced-late' })).status, 201);
    const topic = await getTopic(ctx, 'fenced-late');
    const old = await initProducer(ctx, { principal: 'alice', name: 'late' });
    const state = await readCommitState(ctx, topic.topicId, [0], claimOf(old, 'alice'));
    await initProducer(ctx, { principal: 'alice', name: 'late' });
    await assert.rejects(commitBatches(ctx, topic, 'seg/fenced-late-1', [batch], ctx.now(), { producer: claimOf(old, 'alice') }, state), FencedError);
    assert.equal(await highWatermark('fenced-late'), 0);
  });

  it("commits the owner's claim", async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'owned' })).status, 201);
    const topic = await getTopic(ctx, 'owned');
    const alice = await initProducer(ctx, { principal: 'alice' });
    const result = await commitBatches(ctx, topic, 'seg/owned-1', [batch], ctx.now(), { producer: claimOf(alice, 'alice') });
    assert.deepEqual([...result.baseOffsets], [[0, 0]]);
    assert.equal(await highWatermark('owned'), 1);
  });
});
