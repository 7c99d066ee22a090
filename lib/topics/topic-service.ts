import type { SluiceContext } from '../core/context';
import type { Topic, TopicDescription } from '../protocol/responses';
import { createTopicItem, deleteTopicItem, getTopic, listTopicItems } from './topic-repository';

export interface CreateTopicInput {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

// What the describe route answers: the wire contract's shape.
export type { TopicDescription };

export async function createTopic(ctx: SluiceContext, input: CreateTopicInput): Promise<Topic> {
  const topic: Topic = { ...input, topicId: ctx.newId(), createdAt: ctx.now() };
  await createTopicItem(ctx, topic);
  return topic;
}

export function listTopics(ctx: SluiceContext): Promise<Topic[]> {
  return listTopicItems(ctx);
}

/**
 * The topic item alone: one read, however many partitions. Like Kafka's DescribeTopics it
 * answers no offsets; `listTopicOffsets` (lib/log/list-offsets.ts) reads every partition's head.
 */
export function describeTopic(ctx: SluiceContext, name: string): Promise<TopicDescription> {
  return getTopic(ctx, name);
}

/**
 * Deletes the topic item. Its records are unreachable at once (reads and commits
 * check the topic id); the cleanup trigger removes the partition items afterwards.
 */
export function deleteTopic(ctx: SluiceContext, name: string): Promise<Topic> {
  return deleteTopicItem(ctx, name);
}
