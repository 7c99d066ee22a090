import { requireAccess, type Caller } from '../auth/access-control';
import type { SluiceContext } from '../core/context';
import { ServiceBusyError, SluiceError } from '../core/errors';
import { RETRY, withRetries } from '../core/retry';
import { WATCH_TTL_MS, type WatchRequest, type WatchServerMessage, type WatchedPartition } from '../protocol/watch';
import { markHeadWatched, readHeads, type PartitionHead } from '../store/partition-head-store';
import type { Topic } from '../store/topic-item';
import { deleteFiredWatcher, putWatcher } from '../store/watcher-store';
import { cachedTopic, requirePartition } from '../topics/topic-repository';
import { watchErrorOf } from './watch-errors';

/**
 * How far past a watcher's expiry the head's `watchedUntil` is set, and so how often
 * re-arming has to write the head: once per this period per partition, not per arm (the
 * head is the hottest item of a partition, which every produce commit updates). The price
 * of a long period: after its last watcher leaves, a partition stays marked this long, and
 * each commit to it pays one watcher Query (docs/design.md, "Waiting at the tail").
 */
export const WATCH_RENEW_MS = 24 * 60 * 60 * 1000;

const MARK_RETRY = { attempts: 4, baseDelayMs: 20, maxDelayMs: 200 };

/**
 * Arms a connection's one-shot watches (docs/design.md, "Waiting at the tail"). Per
 * partition, in this order: put the watcher item, make sure the head is marked watched
 * beyond the watcher's expiry, then read the head (strongly consistent). A commit after
 * that read carries `watchedUntil` in its stream image, so the notifier sees it and finds
 * the watcher; a commit before it shows in the read, and the answer is `ready` at once
 * (the watcher is deleted again). No commit falls between.
 *
 * Answers the messages to send, in order: per partition a `ready` (already past the
 * offset) or a `watch-error` (refused: access, unknown topic, partition out of range;
 * nothing written for it), then one `armed` naming the partitions now waiting. A topic is
 * authorized before it is looked up, so a caller without READ learns nothing of it.
 */
export async function armWatches(ctx: SluiceContext, caller: Caller, connectionId: string, request: WatchRequest): Promise<WatchServerMessage[]> {
  const byTopic = new Map<string, Map<number, WatchedPartition>>();
  for (const watched of request.partitions) {
    // A partition named twice waits for the last offset given.
    let partitions = byTopic.get(watched.topic);
    if (!partitions) byTopic.set(watched.topic, (partitions = new Map()));
    partitions.set(watched.partition, watched);
  }
  const answers = await Promise.all([...byTopic].map(([topic, partitions]) => armTopic(ctx, caller, connectionId, topic, [...partitions.values()])));
  const messages = answers.flatMap((answer) => answer.messages);
  messages.push({ type: 'armed', partitions: answers.flatMap((answer) => answer.armed).map(({ topic, partition, offset }) => ({ topic, partition, offset })) });
  return messages;
}

interface TopicAnswer {
  messages: WatchServerMessage[];
  armed: WatchedPartition[];
}

async function armTopic(ctx: SluiceContext, caller: Caller, connectionId: string, topicName: string, watched: WatchedPartition[]): Promise<TopicAnswer> {
  let topic: Topic;
  try {
    await requireAccess(ctx, caller, { resourceType: 'TOPIC', resourceName: topicName, operation: 'READ' });
    // As fetch does: the 5 s per-container cache (docs/design.md, "Per-container caches").
    topic = await cachedTopic(ctx, topicName);
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    return { messages: watched.map((w) => watchErrorOf(error, { topic: w.topic, partition: w.partition })), armed: [] };
  }
  const messages: WatchServerMessage[] = [];
  const valid: WatchedPartition[] = [];
  for (const w of watched) {
    try {
      requirePartition(topic, w.partition);
      valid.push(w);
    } catch (error) {
      if (!(error instanceof SluiceError)) throw error;
      messages.push(watchErrorOf(error, { topic: w.topic, partition: w.partition }));
    }
  }
  if (valid.length === 0) return { messages, armed: [] };

  const now = ctx.now();
  const expiresAt = now + WATCH_TTL_MS;
  await Promise.all(valid.map((w) => putWatcher(ctx, { topicId: topic.topicId, topic: topic.name, partition: w.partition, connectionId, offset: w.offset, expiresAt })));
  let heads = await readHeads(ctx, topic.topicId, valid.map((w) => w.partition));
  // Heads not yet marked beyond the watchers' expiry (rare: once per WATCH_RENEW_MS) are
  // marked, then read again, so the read that decides comes after the mark.
  const unmarked = valid.filter((w) => !isReady(heads.get(w.partition), w) && !watchedBeyond(heads.get(w.partition), expiresAt));
  if (unmarked.length > 0) {
    await Promise.all(unmarked.map((w) => markWatched(ctx, topic, w.partition, expiresAt)));
    const reread = await readHeads(ctx, topic.topicId, unmarked.map((w) => w.partition));
    heads = new Map([...heads, ...reread]);
  }

  const armed: WatchedPartition[] = [];
  for (const w of valid) {
    const head = heads.get(w.partition);
    if (isReady(head, w)) {
      messages.push({ type: 'ready', topic: topic.name, partition: w.partition, highWatermark: head!.nextOffset });
      await deleteFiredWatcher(ctx, topic.topicId, w.partition, connectionId, w.offset);
    } else {
      armed.push(w);
    }
  }
  return { messages, armed };
}

function isReady(head: PartitionHead | undefined, watched: WatchedPartition): boolean {
  return head !== undefined && head.nextOffset > watched.offset;
}

function watchedBeyond(head: PartitionHead | undefined, expiresAt: number): boolean {
  return head?.watchedUntil !== undefined && head.watchedUntil >= expiresAt;
}

async function markWatched(ctx: SluiceContext, topic: Topic, partition: number, expiresAt: number): Promise<void> {
  await withRetries(
    ctx,
    MARK_RETRY,
    async () => {
      const outcome = await markHeadWatched(ctx, topic, partition, expiresAt + WATCH_RENEW_MS, expiresAt);
      return outcome.kind === 'contended' ? RETRY : undefined;
    },
    () => new ServiceBusyError(`the head of ${topic.name}/${partition} stayed contended while marking it watched`),
  );
}
