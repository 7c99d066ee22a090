import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { topicKey, type Topic } from '../../../lib/store/topic-item';
import { deleteTopicRecord, putNewTopic, raisePartitionCount, readTopic, scanTopics, topicIdCheck, topicRecordExists, updateTopicConfig } from '../../../lib/store/topic-store';
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

  it('sets and removes config keys in one update, keeping the keys it does not name', async () => {
    await putNewTopic(ctx, { ...topic('configured', 'c1'), config: { 'retention.ms': '1000', 'compression.type': 'gzip' } });
    const updated = await updateTopicConfig(ctx, { name: 'configured', topicId: 'c1' }, { set: { 'message.timestamp.type': 'LogAppendTime', 'retention.ms': '2000' }, remove: ['compression.type'] });
    const wanted = { ...topic('configured', 'c1'), config: { 'retention.ms': '2000', 'message.timestamp.type': 'LogAppendTime' } };
    assert.deepEqual(updated, wanted);
    assert.deepEqual(await readTopic(ctx, 'configured'), wanted);
  });

  it('changes no config of a topic re-created or deleted since it was read, and creates no item in place of a deleted one', async () => {
    await putNewTopic(ctx, topic('reconfigured', 'r2'));
    assert.equal(await updateTopicConfig(ctx, { name: 'reconfigured', topicId: 'r1' }, { set: { 'retention.ms': '5' }, remove: [] }), 'changed');
    assert.deepEqual(await readTopic(ctx, 'reconfigured'), topic('reconfigured', 'r2'));
    await deleteTopicRecord(ctx, 'reconfigured');
    assert.equal(await updateTopicConfig(ctx, { name: 'reconfigured', topicId: 'r2' }, { set: { 'retention.ms': '5' }, remove: [] }), 'changed');
    assert.equal(await topicRecordExists(ctx, 'reconfigured'), false);
  });

  it('raises the partition count only upwards and only on the topic read', async () => {
    await putNewTopic(ctx, topic('widened', 'w1'));
    assert.equal(await raisePartitionCount(ctx, { name: 'widened', topicId: 'w1' }, 3), 'changed', 'the same count');
    assert.equal(await raisePartitionCount(ctx, { name: 'widened', topicId: 'w1' }, 2), 'changed', 'a lower count');
    assert.equal(await raisePartitionCount(ctx, { name: 'widened', topicId: 'w0' }, 5), 'changed', 'another topic id');
    assert.equal((await readTopic(ctx, 'widened'))?.partitions, 3);
    assert.deepEqual(await raisePartitionCount(ctx, { name: 'widened', topicId: 'w1' }, 5), { ...topic('widened', 'w1'), partitions: 5 });
    assert.equal((await readTopic(ctx, 'widened'))?.partitions, 5);
    await deleteTopicRecord(ctx, 'widened');
    assert.equal(await raisePartitionCount(ctx, { name: 'widened', topicId: 'w1' }, 6), 'changed');
    assert.equal(await topicRecordExists(ctx, 'widened'), false, 'no item is created in place of a deleted topic');
  });
});
