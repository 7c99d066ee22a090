import type { SluiceContext } from '../core/context';
import { PartitionNotFoundError, TopicExistsError, TopicNotFoundError } from '../core/errors';
import { TtlCache } from '../core/ttl-cache';
import type { Topic } from '../store/topic-item';
import { deleteTopicRecord, putNewTopic, raisePartitionCount, readTopic, scanTopics, topicRecordExists, updateTopicConfig, type TopicIdentity } from '../store/topic-store';

/** Topic metadata in the Topics table, through lib/store/topic-store. */
export async function createTopicItem(ctx: SluiceContext, topic: Topic): Promise<void> {
  if ((await putNewTopic(ctx, topic)) === 'exists') throw new TopicExistsError(topic.name);
  forgetTopic(ctx, topic.name);
}

/** The topic as stored now (one strongly consistent read). */
export async function getTopic(ctx: SluiceContext, name: string): Promise<Topic> {
  const topic = await readTopic(ctx, name);
  if (!topic) throw new TopicNotFoundError(name);
  return topic;
}

/**
 * How long a container reuses a topic it read (docs/design.md, "Per-container caches").
 * It delays what other containers change: a delete (or a delete and re-create), a config
 * change, a raised partition count. Produce does not depend on it for deletes (its commit
 * checks the topic id, and `cachedTopic` is re-read on a refusal); a fetch may read a
 * deleted topic's records for up to this long. A config change reaches another
 * container's produce calls within this long. A partition above the cached count is never
 * refused from the cache: produce, fetch and watch re-read the topic first; but keyed
 * and keyless records are spread over the cached count for up to this long.
 */
export const TOPIC_CACHE_MS = 5_000;
/** Topics a container keeps; the least recently used go first. */
export const TOPIC_CACHE_ENTRIES = 1_000;

const topics = new TtlCache<string, Topic>({ ttlMs: TOPIC_CACHE_MS, maxEntries: TOPIC_CACHE_ENTRIES });
// Keyed by table too: one process may serve several platforms (tests).
const cacheKey = (ctx: SluiceContext, name: string) => `${ctx.tables.topics}\u0000${name}`;

/**
 * The topic from this container's cache, at most TOPIC_CACHE_MS old, else read (and
 * cached). A topic that does not exist is not cached: creating it shows at once.
 */
export function cachedTopic(ctx: SluiceContext, name: string): Promise<Topic> {
  return topics.get(cacheKey(ctx, name), ctx.now(), () => getTopic(ctx, name));
}

/** The topic read again (strongly consistent) and cached, for a caller that learned its cached copy may be stale. */
export async function refreshTopic(ctx: SluiceContext, name: string): Promise<Topic> {
  forgetTopic(ctx, name);
  return cachedTopic(ctx, name);
}

/** Drops the cached topic (it was deleted or created here). */
export function forgetTopic(ctx: SluiceContext, name: string): void {
  topics.delete(cacheKey(ctx, name));
}

/**
 * Applies a config change to the topic item as read with `topic`'s id; `undefined` when
 * that topic is gone or was re-created since (the caller reads again).
 */
export async function changeTopicConfig(ctx: SluiceContext, topic: TopicIdentity, change: { set: Record<string, string>; remove: readonly string[] }): Promise<Topic | undefined> {
  const updated = await updateTopicConfig(ctx, topic, change);
  forgetTopic(ctx, topic.name);
  return updated === 'changed' ? undefined : updated;
}

/** Raises the partition count of the topic as read with `topic`'s id; `undefined` when that topic is gone, re-created, or already has `count`. */
export async function raiseTopicPartitions(ctx: SluiceContext, topic: TopicIdentity, count: number): Promise<Topic | undefined> {
  const updated = await raisePartitionCount(ctx, topic, count);
  forgetTopic(ctx, topic.name);
  return updated === 'changed' ? undefined : updated;
}

export function topicExists(ctx: SluiceContext, name: string): Promise<boolean> {
  return topicRecordExists(ctx, name);
}

export function listTopicItems(ctx: SluiceContext): Promise<Topic[]> {
  return scanTopics(ctx);
}

export async function deleteTopicItem(ctx: SluiceContext, name: string): Promise<Topic> {
  const deleted = await deleteTopicRecord(ctx, name);
  forgetTopic(ctx, name);
  if (!deleted) throw new TopicNotFoundError(name);
  return deleted;
}

export function requirePartition(topic: Topic, partition: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= topic.partitions) {
    throw new PartitionNotFoundError(topic.name, partition, topic.partitions);
  }
}

// The heads are the Log table's (lib/store/partition-head-store.ts); re-exported while callers move their imports there.
