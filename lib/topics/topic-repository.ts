import type { SluiceContext } from '../core/context';
import { PartitionNotFoundError, TopicExistsError, TopicNotFoundError } from '../core/errors';
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

// The heads are the Log table's (lib/store/partition-head-store.ts); re-exported while callers move their imports there.
