import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { PartitionNotFoundError, TopicExistsError, TopicNotFoundError } from '../core/errors';
import { batchGetAll } from '../store/batch-operations';
import { EMPTY_HEAD, fromHeadItem, headKey, type PartitionHead } from '../store/partition-head-item';
import type { Topic } from '../store/topic-item';
import { deleteTopicRecord, putNewTopic, readTopic, scanTopics, topicRecordExists } from '../store/topic-store';

/** Topic metadata in the Topics table, through lib/store/topic-store. */
export async function createTopicItem(ctx: SluiceContext, topic: Topic): Promise<void> {
  if ((await putNewTopic(ctx, topic)) === 'exists') throw new TopicExistsError(topic.name);
}

export async function getTopic(ctx: SluiceContext, name: string): Promise<Topic> {
  const topic = await readTopic(ctx, name);
  if (!topic) throw new TopicNotFoundError(name);
  return topic;
}

export function topicExists(ctx: SluiceContext, name: string): Promise<boolean> {
  return topicRecordExists(ctx, name);
}

export function listTopicItems(ctx: SluiceContext): Promise<Topic[]> {
  return scanTopics(ctx);
}

export async function deleteTopicItem(ctx: SluiceContext, name: string): Promise<Topic> {
  const deleted = await deleteTopicRecord(ctx, name);
  if (!deleted) throw new TopicNotFoundError(name);
  return deleted;
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
