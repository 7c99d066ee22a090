import { requireAccess, type Caller } from '../auth/access-control';
import type { SluiceContext } from '../core/context';
import { SluiceError } from '../core/errors';
import type { WatchServerMessage, WatchedPartition } from '../protocol/watch';
import type { Topic } from '../store/topic-item';
import { cachedTopic, refreshTopic, requirePartition } from '../topics/topic-repository';
import { watchErrorOf } from './watch-errors';

/** A message's partitions by topic; a partition named twice keeps the last offset given. */
export function byTopic(partitions: readonly WatchedPartition[]): Map<string, WatchedPartition[]> {
  const grouped = new Map<string, Map<number, WatchedPartition>>();
  for (const watched of partitions) {
    let topic = grouped.get(watched.topic);
    if (!topic) grouped.set(watched.topic, (topic = new Map()));
    topic.set(watched.partition, watched);
  }
  return new Map([...grouped].map(([topic, partitions]) => [topic, [...partitions.values()]]));
}

export interface ResolvedTopic {
  /** Undefined when the whole topic was refused. */
  topic?: Topic;
  /** The partitions that exist, to arm or check. */
  valid: WatchedPartition[];
  /** A `watch-error` per partition refused (access, unknown topic, partition out of range). */
  refused: WatchServerMessage[];
}

/**
 * What `watch` and `check` both do first for a topic: authorize READ (the same check and
 * ACLs as the HTTP fetch) before looking the topic up, so a denied and an unknown topic
 * look alike, then refuse the partitions out of range one by one.
 */
export async function resolveTopic(ctx: SluiceContext, caller: Caller, topicName: string, watched: readonly WatchedPartition[]): Promise<ResolvedTopic> {
  let topic: Topic;
  try {
    await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topicName, operation: 'READ' });
    // As fetch does: the 5 s per-container cache (docs/design.md, "Per-container caches"),
    // read again before refusing a partition above the cached count (partitions may have been added).
    topic = await cachedTopic(ctx, topicName);
    if (watched.some((w) => w.partition >= topic.partitions)) topic = await refreshTopic(ctx, topicName);
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    return { valid: [], refused: watched.map((w) => watchErrorOf(error, { topic: w.topic, partition: w.partition })) };
  }
  const valid: WatchedPartition[] = [];
  const refused: WatchServerMessage[] = [];
  for (const w of watched) {
    try {
      requirePartition(topic, w.partition);
      valid.push(w);
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      refused.push(watchErrorOf(error, { topic: w.topic, partition: w.partition }));
    }
  }
  return { topic, valid, refused };
}
