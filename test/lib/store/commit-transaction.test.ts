import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { commitTransaction, readCommitItems, type CommitWrite } from '../../../lib/store/commit-transaction';
import { isObjectReferenced } from '../../../lib/store/object-ref-store';
import { readHead, type PartitionHead } from '../../../lib/store/partition-head-store';
import type { SegmentIndexEntry } from '../../../lib/store/segment-index-store';
import { getTopic } from '../../../lib/topics/topic-repository';
import { call, type TestPlatform } from '../../support/local-platform';
import { startPlatformContext } from '../../support/platform-context';

/** The produce commit's transaction against DynamoDB Local: each outcome is named, none is decoded by position by a caller. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  await env?.stop();
});

async function topicNamed(name: string): Promise<{ name: string; topicId: string }> {
  assert.equal((await call(env.url, 'POST', '/v1/topics', { name })).status, 201);
  return getTopic(ctx, name);
}

const entry = (baseOffset: number, objectKey: string): SegmentIndexEntry => ({
  baseOffset,
  lastOffset: baseOffset,
  recordCount: 1,
  objectKey,
  byteStart: 0,
  byteLength: 10,
  firstTimestamp: 5,
  maxTimestamp: 5,
  committedAt: 1,
});

const write = (topic: { name: string; topicId: string }, objectKey: string, head: PartitionHead | undefined): CommitWrite => ({
  topic,
  objectKey,
  committedAt: 1,
  batches: [{ partition: 0, head, entry: entry(head?.nextOffset ?? 0, objectKey) }],
});

describe('commitTransaction', () => {
  it('commits: the head moves past the batch and the object is referenced', async () => {
    const topic = await topicNamed('tx-committed');
    assert.deepEqual(await commitTransaction(ctx, write(topic, 'seg/tx-committed-1', undefined)), { kind: 'committed' });
    assert.equal((await readHead(ctx, topic.topicId, 0)).nextOffset, 1);
    assert.equal(await isObjectReferenced(ctx, 'seg/tx-committed-1'), true);
  });

  it('answers contended, writing nothing, when the head moved since it was read', async () => {
    const topic = await topicNamed('tx-contended');
    await commitTransaction(ctx, write(topic, 'seg/tx-contended-1', undefined));
    assert.deepEqual(await commitTransaction(ctx, write(topic, 'seg/tx-contended-2', undefined)), { kind: 'contended' });
    assert.equal((await readHead(ctx, topic.topicId, 0)).nextOffset, 1);
    assert.equal(await isObjectReferenced(ctx, 'seg/tx-contended-2'), false);
  });

  it('answers topic-gone when the topic was deleted (or re-created with another id)', async () => {
    const topic = await topicNamed('tx-gone');
    assert.deepEqual(await commitTransaction(ctx, write({ ...topic, topicId: 'another-id' }, 'seg/tx-gone-1', undefined)), { kind: 'topic-gone' });
    assert.equal((await call(env.url, 'DELETE', '/v1/topics/tx-gone')).status, 204);
    assert.deepEqual(await commitTransaction(ctx, write(topic, 'seg/tx-gone-2', undefined)), { kind: 'topic-gone' });
    assert.equal(await isObjectReferenced(ctx, 'seg/tx-gone-2'), false);
  });

  it('answers outcome-unknown when the object was already committed, even against a fresh head', async () => {
    const topic = await topicNamed('tx-twice');
    await commitTransaction(ctx, write(topic, 'seg/tx-twice-1', undefined));
    const head = await readHead(ctx, topic.topicId, 0);
    assert.deepEqual(await commitTransaction(ctx, write(topic, 'seg/tx-twice-1', head)), { kind: 'outcome-unknown' });
    assert.equal((await readHead(ctx, topic.topicId, 0)).nextOffset, 1);
  });

  it('records an idempotent producer state beside the head, read back by readCommitItems', async () => {
    const topic = await topicNamed('tx-producer');
    const { body: producer } = await call(env.url, 'POST', '/v1/producers');
    const claim = { producerId: producer.producerId as number, epoch: producer.epoch as number, principal: 'anonymous' };
    const committed = await commitTransaction(ctx, {
      ...write(topic, 'seg/tx-producer-1', undefined),
      producer: claim,
      batches: [{ partition: 0, head: undefined, entry: entry(0, 'seg/tx-producer-1'), producerState: { previous: undefined, baseSequence: 0, appendTime: 7 } }],
    });
    assert.deepEqual(committed, { kind: 'committed' });
    const read = await readCommitItems(ctx, topic.topicId, [0], claim.producerId);
    assert.equal(read.heads.get(0)?.nextOffset, 1);
    assert.deepEqual(read.producerStates.get(0), { epoch: claim.epoch, nextSequence: 1, recent: [{ baseSequence: 0, recordCount: 1, baseOffset: 0, appendTime: 7 }] });
    assert.equal(read.producer?.epoch, claim.epoch);
    // A claim on an epoch that is not current does not commit: the producer check is part of the transaction.
    const stale = await commitTransaction(ctx, {
      ...write(topic, 'seg/tx-producer-2', read.heads.get(0)),
      producer: { ...claim, epoch: claim.epoch + 1 },
      batches: [{ partition: 0, head: read.heads.get(0), entry: entry(1, 'seg/tx-producer-2'), producerState: { previous: read.producerStates.get(0), baseSequence: 1, appendTime: 8 } }],
    });
    assert.deepEqual(stale, { kind: 'contended' });
    assert.equal((await readHead(ctx, topic.topicId, 0)).nextOffset, 1);
  });
});
