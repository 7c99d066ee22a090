import type { SluiceContext } from '../core/context';
import type { PartitionOffsets, Topic, TopicDescription } from '../protocol/responses';
import { readHeads } from '../store/partition-head-store';
import { createTopicItem, deleteTopicItem, getTopic, listTopicItems } from './topic-repository';

export interface CreateTopicInput {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

// What the describe route answers: the wire contract's shapes.
export type { PartitionOffsets, TopicDescription };

export async function createTopic(ctx: SluiceContext, input: CreateTopicInput): Promise<Topic> {
  const topic: Topic = { ...input, topicId: ctx.newId(), createdAt: ctx.now() };
  await createTopicItem(ctx, topic);
  return topic;
}

export function listTopics(ctx: SluiceContext): Promise<Topic[]> {
  return listTopicItems(ctx);
}

export async function describeTopic(ctx: SluiceContext, name: string): Promise<TopicDescription> {
  const topic = await getTopic(ctx, name);
  const partitions = Array.from({ length: topic.partitions }, (_, p) => p);
  const heads = await readHeads(ctx, topic.topicId, partitions);
  return {
    ...topic,
    partitionOffsets: partitions.map((partition) => ({
      partition,
      logStartOffset: heads.get(partition)?.logStartOffset ?? 0,
      highWatermark: heads.get(partition)?.nextOffset ?? 0,
    })),
  };
}

/**
 * Deletes the topic item. Its records are unreachable at once (reads and commits
 * check the topic id); the cleanup trigger removes the partition items afterwards.
 */
export function deleteTopic(ctx: SluiceContext, name: string): Promise<Topic> {
  return deleteTopicItem(ctx, name);
}
