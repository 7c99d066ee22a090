import type { SluiceContext } from '../core/context';
import { ServiceBusyError, ValidationError } from '../core/errors';
import { rebalanceGroupsOfTopic } from '../groups/coordinator';
import { noticeRebalance } from '../groups/member-binding';
import { logLine } from '../observability/log-sink';
import type { Topic, TopicDescription } from '../protocol/responses';
import type { ConnectionPoster } from '../store/connection-poster';
import { changeTopicConfig, createTopicItem, deleteTopicItem, getTopic, listTopicItems, raiseTopicPartitions } from './topic-repository';

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

/**
 * Reads before each conditional write: the write lands only on the topic item read (same
 * id), so a topic deleted meanwhile is never half re-created by the update, and one
 * re-created meanwhile is judged afresh. Losing this many races in a row means the name
 * is being deleted and re-created continuously.
 */
const TOPIC_UPDATE_ATTEMPTS = 3;

/**
 * Sets (a string) and removes (null) config keys, already validated against the known keys
 * (lib/protocol/topic-config.ts), and answers the topic as describe does. Other containers
 * see the change within TOPIC_CACHE_MS (lib/topics/topic-repository.ts).
 */
export async function alterTopicConfig(ctx: SluiceContext, name: string, change: Record<string, string | null>): Promise<Topic> {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const [key, value] of Object.entries(change)) {
    if (value === null) remove.push(key);
    else set[key] = value;
  }
  for (let attempt = 1; attempt <= TOPIC_UPDATE_ATTEMPTS; attempt++) {
    const topic = await getTopic(ctx, name);
    const updated = await changeTopicConfig(ctx, topic, { set, remove });
    if (updated) return updated;
  }
  throw new ServiceBusyError(`topic '${name}' was deleted or re-created during each of ${TOPIC_UPDATE_ATTEMPTS} attempts to change its config`);
}

/**
 * Raises the topic's partition count to `count`, the new total (Kafka's CreatePartitions):
 * only upwards, so a count at or below the current one is a 400 naming it. Keys then map
 * to other partitions (murmur2 mod the count, as in Kafka; docs/design.md, "Topic
 * administration"). Groups consuming the topic are rebalanced onto the new count before this
 * answers, and with `poster` their members bound to a watch connection are sent the
 * `rebalance` notice, as the coordinator's trigger sends it; a group whose rebalance or
 * notice fails is logged, and picks the count up at its next rebalance (members: their next heartbeat).
 */
export async function createPartitions(ctx: SluiceContext, name: string, count: number, options: { poster?: ConnectionPoster } = {}): Promise<Topic> {
  for (let attempt = 1; attempt <= TOPIC_UPDATE_ATTEMPTS; attempt++) {
    const topic = await getTopic(ctx, name);
    if (count <= topic.partitions) {
      throw new ValidationError(`count: must be more than ${topic.partitions}, the topic's partition count (partitions are only added, never removed)`, {
        field: 'count',
        limit: topic.partitions + 1,
        partitions: topic.partitions,
      });
    }
    const raised = await raiseTopicPartitions(ctx, topic, count);
    if (!raised) continue;
    await rebalanceConsumers(ctx, name, raised.partitions, options.poster);
    return raised;
  }
  throw new ServiceBusyError(`topic '${name}' changed during each of ${TOPIC_UPDATE_ATTEMPTS} attempts to add partitions`);
}

/** The partitions are added whatever happens here: a failure is logged, not answered (a retry would only be told the count is taken). */
async function rebalanceConsumers(ctx: SluiceContext, topic: string, partitions: number, poster: ConnectionPoster | undefined): Promise<void> {
  const warn = (message: string, error: unknown, group?: string) =>
    logLine({ level: 'WARN', message, topic, ...(group === undefined ? {} : { group }), error: String(error) });
  const failedRebalance = 'rebalance after adding partitions failed; the group picks up the count at its next rebalance';
  try {
    const { rebalanced, failed } = await rebalanceGroupsOfTopic(ctx, topic, partitions);
    for (const { group, error } of failed) warn(failedRebalance, error, group);
    if (!poster) return;
    for (const outcome of rebalanced.filter((o) => o.changed)) {
      try {
        const notices = await noticeRebalance(ctx, poster, outcome.group, outcome.generation);
        for (const error of notices.failed) warn('rebalance notice failed; the member learns at its next heartbeat', error, outcome.group);
      } catch (error) {
        warn('rebalance notices failed; the members learn at their next heartbeat', error, outcome.group);
      }
    }
  } catch (error) {
    warn(failedRebalance, error);
  }
}
