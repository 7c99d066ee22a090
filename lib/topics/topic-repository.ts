import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { PartitionNotFoundError, TopicExistsError, TopicNotFoundError } from '../core/errors';
import { batchGetAll } from '../store/batch-operations';
import { EMPTY_HEAD, fromHeadItem, headKey, type PartitionHead } from '../store/partition-head-item';
import { fromTopicItem, toTopicItem, topicKey, type Topic } from '../store/topic-item';

/** Topic metadata in the Topics table. */
export async function createTopicItem(ctx: SluiceContext, topic: Topic): Promise<void> {
  try {
    await ctx.ddb.send(
      new PutCommand({ TableName: ctx.tables.topics, Item: toTopicItem(topic), ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new TopicExistsError(topic.name);
    throw error;
  }
}

export async function getTopic(ctx: SluiceContext, name: string): Promise<Topic> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.topics, Key: topicKey(name), ConsistentRead: true }));
  if (!result.Item) throw new TopicNotFoundError(name);
  return fromTopicItem(result.Item);
}

export async function topicExists(ctx: SluiceContext, name: string): Promise<boolean> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.topics, Key: topicKey(name), ConsistentRead: true, ProjectionExpression: 'pk' }));
  return result.Item !== undefined;
}

export async function listTopicItems(ctx: SluiceContext): Promise<Topic[]> {
  const topics: Topic[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(new ScanCommand({ TableName: ctx.tables.topics, ExclusiveStartKey: startKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) topics.push(fromTopicItem(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return topics.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function deleteTopicItem(ctx: SluiceContext, name: string): Promise<Topic> {
  try {
    const result = await ctx.ddb.send(
      new DeleteCommand({
        TableName: ctx.tables.topics,
        Key: topicKey(name),
        ConditionExpression: 'attribute_exists(pk)',
        ReturnValues: 'ALL_OLD',
      }),
    );
    return fromTopicItem(result.Attributes ?? {});
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new TopicNotFoundError(name);
    throw error;
  }
}

export function requirePartition(topic: Topic, partition: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
    throw new PartitionNotFoundError(topic.name, partition, topic.partitions);
  }
}

/** Reads partition heads with strongly consistent reads; a partition never written has the empty head. */
export async function readHeads(ctx: SluiceContext, topicId: string, partitions: readonly number[]): Promise<Map<number, PartitionHead | undefined>> {
  const heads = new Map<number, PartitionHead | undefined>(partitions.map((p) => [p, undefined]));
  const byKey = new Map(partitions.map((p) => [headKey(topicId, p).pk, p]));
  const items = await batchGetAll(ctx, partitions.map((p) => ({ table: ctx.tables.log, key: headKey(topicId, p) })));
  for (const { item } of items) heads.set(byKey.get(String(item.pk))!, fromHeadItem(item));
  return heads;
}

export async function readHead(ctx: SluiceContext, topicId: string, partition: number): Promise<PartitionHead> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: headKey(topicId, partition), ConsistentRead: true }));
  return fromHeadItem(result.Item) ?? EMPTY_HEAD;
}
