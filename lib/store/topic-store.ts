import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { fromTopicItem, toTopicItem, topicKey, type Topic } from './topic-item';
import type { TransactItem } from './transact-write';
import { scanAll } from './batch-operations';

/**
 * The Topics table: every read, write and expression on a topic item. Features call
 * these and turn the typed answers into errors where a caller should see one.
 */

/** Writes a new topic item; a name already taken is `exists` and the item there is left alone. */
export async function putNewTopic(ctx: SluiceContext, topic: Topic): Promise<'created' | 'exists'> {
  try {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.topics, Item: toTopicItem(topic), ConditionExpression: 'attribute_not_exists(pk)' }));
    return 'created';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'exists';
    throw error;
  }
}

/** The topic named `name` (strongly consistent), or undefined when there is none. */
export async function readTopic(ctx: SluiceContext, name: string): Promise<Topic | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.topics, Key: topicKey(name), ConsistentRead: true }));
  return result.Item ? fromTopicItem(result.Item) : undefined;
}

/** Whether a topic named `name` exists, reading only its key. */
export async function topicRecordExists(ctx: SluiceContext, name: string): Promise<boolean> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.topics, Key: topicKey(name), ConsistentRead: true, ProjectionExpression: 'pk' }));
  return result.Item !== undefined;
}

/** Every topic, sorted by name. `pageSize` bounds each Scan page (tests use it to cross pages). */
export async function scanTopics(ctx: SluiceContext, options: { pageSize?: number } = {}): Promise<Topic[]> {
  const items = await scanAll(ctx, { TableName: ctx.tables.topics, ConsistentRead: true, Limit: options.pageSize });
  return items.map(fromTopicItem).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Deletes the topic item, answering the topic it held, or undefined when there was none. */
export async function deleteTopicRecord(ctx: SluiceContext, name: string): Promise<Topic | undefined> {
  try {
    const result = await ctx.ddb.send(
      new DeleteCommand({ TableName: ctx.tables.topics, Key: topicKey(name), ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }),
    );
    return fromTopicItem(result.Attributes ?? {});
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * A transaction's check that the topic still exists with the id the caller read, so a
 * write never lands in a topic deleted (or deleted and re-created) since.
 */
export function topicIdCheck(ctx: SluiceContext, topic: Pick<Topic, 'name' | 'topicId'>): TransactItem {
  return {
    ConditionCheck: {
      TableName: ctx.tables.topics,
      Key: topicKey(topic.name),
      ConditionExpression: 'topicId = :topicId',
      ExpressionAttributeValues: { ':topicId': topic.topicId },
    },
  };
}
