import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { topicKey, type Topic } from '../../../lib/store/topic-item';
import { deleteTopicRecord, putNewTopic, readTopic, scanTopics, topicIdCheck, topicRecordExists } from '../../../lib/store/topic-store';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** The Topics table store, against DynamoDB Local. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = contextFromEnv();
});

after(async () => {
  await env?.stop();
});

const topic = (name: string, topicId = `${name}-id`): Topic => ({ name, topicId, partitions: 3, config: { 'retention.ms': '1000' }, createdAt: 1_700_000_000_000 });

/** Commits the check with one unrelated write (in another table: the Topics table holds topics only), answering whether the transaction went through. */
async function commitsWith(check: ReturnType<typeof topicIdCheck>): Promise<boolean> {
  try {
    await ctx.ddb.send(new TransactWriteCommand({ TransactItems: [check, { Put: { TableName: ctx.tables.producers, Item: { pk: `scratch#${Math.random()}` } } }] }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'TransactionCanceledException') return false;
    throw error;
  }
}

describe('topic store', () => {
  it('creates a topic item that reads back as the same topic', async () => {
    assert.equal(await putNewTopic(ctx, topic('created')), 'created');
    assert.deepEqual(await readTopic(ctx, 'created'), topic('created'));
  });

  it('answers exists for a name already taken and leaves the first topic as it was', async () => {
    await putNewTopic(ctx, topic('taken', 'first'));
    assert.equal(await putNewTopic(ctx, topic('taken', 'second')), 'exists');
    assert.equal((await readTopic(ctx, 'taken'))?.topicId, 'first');
  });

  it('reads no topic, and no existence, for a name never created', async () => {
    assert.equal(await readTopic(ctx, 'never'), undefined);
    assert.equal(await topicRecordExists(ctx, 'never'), false);
    await putNewTopic(ctx, topic('present'));
    assert.equal(await topicRecordExists(ctx, 'present'), true);
  });

  it('scans every topic, sorted by name, across pages', async () => {
    const names = Array.from({ length: 5 }, (_, i) => `scan-${String.fromCharCode(101 - i)}`);
    for (const name of names) await putNewTopic(ctx, topic(name));
    const scanned = (await scanTopics(ctx, { pageSize: 2 })).map((t) => t.name).filter((name) => name.startsWith('scan-'));
    assert.deepEqual(scanned, [...names].sort());
  });

  it('deletes a topic answering the deleted topic, and answers undefined when there was none', async () => {
    await putNewTopic(ctx, topic('doomed'));
    assert.deepEqual(await deleteTopicRecord(ctx, 'doomed'), topic('doomed'));
    assert.equal((await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.topics, Key: topicKey('doomed'), ConsistentRead: true }))).Item, undefined);
    assert.equal(await deleteTopicRecord(ctx, 'doomed'), undefined);
  });

  it('checks in a transaction that the topic still has the id the caller read', async () => {
    await putNewTopic(ctx, topic('checked', 'v1'));
    assert.equal(await commitsWith(topicIdCheck(ctx, { name: 'checked', topicId: 'v1' })), true);
    assert.equal(await commitsWith(topicIdCheck(ctx, { name: 'checked', topicId: 'v0' })), false, 'a re-created topic fails the check');
    await deleteTopicRecord(ctx, 'checked');
    assert.equal(await commitsWith(topicIdCheck(ctx, { name: 'checked', topicId: 'v1' })), false, 'a deleted topic fails the check');
  });
});
