import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

/** The topic a conditional update applies to: the name and the id read, so a topic deleted or re-created since is never changed. */
export type TopicIdentity = Pick<Topic, 'name' | 'topicId'>;

/**
 * Sets and removes config keys of the topic item, if it still exists with `topic.topicId`;
 * answers the topic as now stored, or `changed` when the id is not there (deleted, or
 * deleted and re-created). Each key is its own map path, so two changes of different
 * keys at once both land. The condition also keeps an update from creating a partial
 * item where a topic was deleted.
 */
export async function updateTopicConfig(
  ctx: SluiceContext,
  topic: TopicIdentity,
  change: { set: Record<string, string>; remove: readonly string[] },
): Promise<Topic | 'changed'> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':topicId': topic.topicId };
  const sets: string[] = [];
  const removes: string[] = [];
  let i = 0;
  for (const [key, value] of Object.entries(change.set)) {
    names[`#k${i}`] = key;
    values[`:v${i}`] = value;
    sets.push(`config.#k${i} = :v${i}`);
    i++;
  }
  for (const key of change.remove) {
    names[`#k${i}`] = key;
    removes.push(`config.#k${i}`);
    i++;
  }
  const expression = [sets.length > 0 ? `SET ${sets.join(', ')}` : '', removes.length > 0 ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.topics,
        Key: topicKey(topic.name),
        UpdateExpression: expression,
        ConditionExpression: 'topicId = :topicId',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return fromTopicItem(result.Attributes ?? {});
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'changed';
    throw error;
  }
}

/**
 * Raises the topic's partition count to `count`, if the item still has `topic.topicId`
 * and fewer partitions; answers the topic as now stored, or `changed` when either does
 * not hold (deleted, re-created, or raised as far by someone else). The count is the one
 * thing a new partition needs: its head item is written by its first commit, as every
 * partition's is (a partition never written reads as the empty head), so this one
 * conditional write is the whole change and there is nothing for a crash to leave half done.
 */
export async function raisePartitionCount(ctx: SluiceContext, topic: TopicIdentity, count: number): Promise<Topic | 'changed'> {
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.topics,
        Key: topicKey(topic.name),
        UpdateExpression: 'SET #partitions = :count',
        ConditionExpression: 'topicId = :topicId AND #partitions < :count',
        // A reserved word in DynamoDB expressions.
        ExpressionAttributeNames: { '#partitions': 'partitions' },
        ExpressionAttributeValues: { ':topicId': topic.topicId, ':count': count },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return fromTopicItem(result.Attributes ?? {});
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'changed';
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
