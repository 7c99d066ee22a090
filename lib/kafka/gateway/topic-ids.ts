import type { SluiceContext } from '../../core/context';
import { TopicNotFoundError } from '../../core/errors';
import { TtlCache } from '../../core/ttl-cache';
import type { Topic } from '../../protocol/responses';
import { TOPIC_CACHE_ENTRIES, TOPIC_CACHE_MS, cachedTopic } from '../../topics/topic-repository';
import { listTopics } from '../../topics/topic-service';
import { ZERO_UUID, kafkaTopicId } from '../wire/uuid';

/**
 * Kafka topic ids back to topic names, for requests that name topics by id (Fetch v13+).
 * Sluice keys topics by name, so an id is found by a scan of the Topics table; the
 * answers are kept per container (as long as cached topics, TOPIC_CACHE_MS), and
 * Metadata remembers every topic it describes, so a client that asked Metadata first
 * (as clients do, to learn the ids) costs no scan. A remembered name is checked against
 * the topic as cached now: a topic deleted (or deleted and created again, under a new
 * id) answers its old id as unknown, as Kafka does.
 */
const names = new TtlCache<string, string>({ ttlMs: TOPIC_CACHE_MS, maxEntries: TOPIC_CACHE_ENTRIES });
// Keyed by table too: one process may serve several platforms (tests).
const cacheKey = (ctx: SluiceContext, id: string) => `${ctx.tables.topics}\u0000${id}`;

/** Notes a topic's Kafka id (Metadata calls this for every topic it describes). */
export function rememberTopicId(ctx: SluiceContext, topic: Pick<Topic, 'name' | 'topicId'>): void {
  names.set(cacheKey(ctx, kafkaTopicId(topic.topicId)), topic.name, ctx.now());
}

/**
 * Each id's topic name, or null for an id no topic has now (the zero uuid included).
 * At most one scan, only when an id is not remembered; storage errors are thrown.
 */
export async function topicNamesByIds(ctx: SluiceContext, ids: readonly string[]): Promise<Map<string, string | null>> {
  const found = new Map<string, string | null>();
  const missing: string[] = [];
  for (const id of new Set(ids.map((i) => i.toLowerCase()))) {
    if (id === ZERO_UUID) {
      found.set(id, null);
      continue;
    }
    const hit = names.lookup(cacheKey(ctx, id), ctx.now());
    if (hit && (await stillNamed(ctx, hit.value, id))) found.set(id, hit.value);
    else missing.push(id);
  }
  if (missing.length > 0) {
    const byId = new Map<string, string>();
    for (const topic of await listTopics(ctx)) {
      rememberTopicId(ctx, topic);
      byId.set(kafkaTopicId(topic.topicId), topic.name);
    }
    for (const id of missing) found.set(id, byId.get(id) ?? null);
  }
  return found;
}

async function stillNamed(ctx: SluiceContext, name: string, id: string): Promise<boolean> {
  try {
    return kafkaTopicId((await cachedTopic(ctx, name)).topicId) === id;
  } catch (error) {
    if (error instanceof TopicNotFoundError) return false;
    throw error;
  }
}
