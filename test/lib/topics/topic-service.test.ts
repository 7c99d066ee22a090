import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { setLogSink, type LogLine } from '../../../lib/observability/log-sink';
import { topicKey } from '../../../lib/store/topic-item';
import { readTopic } from '../../../lib/store/topic-store';
import { alterTopicConfig, createPartitions, createTopic } from '../../../lib/topics/topic-service';
import { startPlatformContext } from '../../support/platform-context';
import type { TestPlatform } from '../../support/local-platform';

/**
 * Topic administration in lib/topics against DynamoDB Local, with another writer made to
 * change the topic between the service's read and its conditional write.
 */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  ({ env, ctx } = await startPlatformContext());
});

after(async () => {
  setLogSink(undefined);
  await env?.stop();
});

/** A context that runs `meddle` (once) just before the first Topics UpdateItem is sent: another writer winning the race. */
function meddling(meddle: () => Promise<unknown>, options: { failGroupScans?: boolean } = {}): SluiceContext {
  let done = false;
  const ddb = new Proxy(ctx.ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown, ...rest: unknown[]) => {
        if (!done && command instanceof UpdateCommand && command.input.TableName === ctx.tables.topics) {
          done = true;
          await meddle();
        }
        if (options.failGroupScans && command instanceof ScanCommand && command.input.TableName === ctx.tables.groups) throw new Error('throttled');
        return (target.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      };
    },
  });
  return { ...ctx, ddb };
}

const recreate = (name: string, partitions: number) => async () => {
  await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.topics, Key: topicKey(name) }));
  await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.topics, Item: { ...topicKey(name), name, topicId: `${name}-again`, partitions, config: {}, createdAt: 1 } }));
};
const remove = (name: string) => () => ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.topics, Key: topicKey(name) }));

describe('alterTopicConfig', () => {
  it('applies the change to the topic that has the name when it writes, if it was re-created after the read', async () => {
    await createTopic(ctx, { name: 'reborn', partitions: 1, config: { 'compression.type': 'gzip' } });
    const altered = await alterTopicConfig(meddling(recreate('reborn', 2)), 'reborn', { 'retention.ms': '1000' });
    assert.equal(altered.topicId, 'reborn-again');
    assert.deepEqual(altered.config, { 'retention.ms': '1000' });
    assert.deepEqual(await readTopic(ctx, 'reborn'), altered);
  });

  it('answers TOPIC_NOT_FOUND when the topic is deleted between the read and the write, and leaves no item', async () => {
    await createTopic(ctx, { name: 'vanishing', partitions: 1, config: {} });
    await assert.rejects(alterTopicConfig(meddling(remove('vanishing')), 'vanishing', { 'retention.ms': '1000' }), { code: 'TOPIC_NOT_FOUND' });
    assert.equal(await readTopic(ctx, 'vanishing'), undefined);
  });
});

describe('createPartitions', () => {
  it('refuses, naming the count now stored, when another caller raised it as far between the read and the write', async () => {
    await createTopic(ctx, { name: 'raced', partitions: 2, config: {} });
    const raceTo = (count: number) => () => ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.topics, Key: topicKey('raced'), UpdateExpression: 'SET #p = :n', ExpressionAttributeNames: { '#p': 'partitions' }, ExpressionAttributeValues: { ':n': count } }));
    await assert.rejects(createPartitions(meddling(raceTo(4)), 'raced', 4), { code: 'INVALID_REQUEST', details: { field: 'count', limit: 5, partitions: 4 } });
    assert.equal((await readTopic(ctx, 'raced'))?.partitions, 4);
  });

  it('answers TOPIC_NOT_FOUND when the topic is deleted between the read and the write, and leaves no item', async () => {
    await createTopic(ctx, { name: 'gone', partitions: 1, config: {} });
    await assert.rejects(createPartitions(meddling(remove('gone')), 'gone', 3), { code: 'TOPIC_NOT_FOUND' });
    assert.equal(await readTopic(ctx, 'gone'), undefined);
  });

  it('judges a topic re-created after the read against its own count: a count above it is applied to it', async () => {
    await createTopic(ctx, { name: 'renewed', partitions: 1, config: {} });
    const raised = await createPartitions(meddling(recreate('renewed', 2)), 'renewed', 3);
    assert.deepEqual([raised.topicId, raised.partitions], ['renewed-again', 3]);
  });

  it('never lowers a re-created topic with more partitions than the count asked: 400 naming its count', async () => {
    await createTopic(ctx, { name: 'lowered', partitions: 1, config: {} });
    await assert.rejects(createPartitions(meddling(recreate('lowered', 8)), 'lowered', 4), { code: 'INVALID_REQUEST', details: { field: 'count', partitions: 8, limit: 9 } });
    assert.equal((await readTopic(ctx, 'lowered'))?.partitions, 8);
  });

  it('still answers the raised topic when rebalancing its groups fails, and logs the failure', async () => {
    const lines: LogLine[] = [];
    setLogSink((line) => lines.push(line));
    try {
      await createTopic(ctx, { name: 'unbalanced', partitions: 1, config: {} });
      const raised = await createPartitions(meddling(async () => undefined, { failGroupScans: true }), 'unbalanced', 2);
      assert.equal(raised.partitions, 2);
      assert.equal((await readTopic(ctx, 'unbalanced'))?.partitions, 2);
      assert.deepEqual(lines.map((l) => [l.level, l.topic, l.error]), [['WARN', 'unbalanced', 'Error: throttled']]);
    } finally {
      setLogSink(undefined);
    }
  });
});
