import type { Caller } from '../auth/access-control';
import type { SluiceContext } from '../core/context';
import { ServiceBusyError } from '../core/errors';
import { RETRY, withRetries } from '../core/retry';
import { WATCH_TTL_MS, type WatchRequest, type WatchServerMessage, type WatchedPartition } from '../protocol/watch';
import { markHeadWatched, readHeads, type PartitionHead } from '../store/partition-head-store';
import type { Topic } from '../store/topic-item';
import { armWatcher, removeFiredWatch } from '../store/watcher-store';
import { byTopic, resolveTopic } from './watched-topics';

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
 * topic, in this order: write the connection's watcher item (one UpdateItem naming every
 * partition of the topic in the message), make sure each head is marked watched beyond
 * the watcher's expiry, then read the heads (strongly consistent). A commit after that
 * read carries `watchedUntil` in its stream image, so the notifier sees it and finds the
 * watcher; a commit before it shows in the read, and the answer is `ready` at once (that
 * partition's watch is removed again). No commit falls between.
 *
 * Answers the messages to send, in order: per partition a `ready` (already past the
 * offset) or a `watch-error` (refused: access, unknown topic, partition out of range;
 * nothing written for it), then one `armed` naming the partitions now waiting. A topic is
 * authorized before it is looked up, so a caller without READ learns nothing of it.
 */
export async function armWatches(ctx: SluiceContext, caller: Caller, connectionId: string, request: WatchRequest): Promise<WatchServerMessage[]> {
  const answers = await Promise.all([...byTopic(request.partitions)].map(([topic, partitions]) => armTopic(ctx, caller, connectionId, topic, partitions)));
  const messages = answers.flatMap((answer) => answer.messages);
  messages.push({ type: 'armed', partitions: answers.flatMap((answer) => answer.armed).map(({ topic, partition, offset }) => ({ topic, partition, offset })) });
  return messages;
}

interface TopicAnswer {
  messages: WatchServerMessage[];
  armed: WatchedPartition[];
}

async function armTopic(ctx: SluiceContext, caller: Caller, connectionId: string, topicName: string, watched: WatchedPartition[]): Promise<TopicAnswer> {
  const { topic, valid, refused } = await resolveTopic(ctx, caller, topicName, watched);
  const messages = [...refused];
  if (!topic || valid.length === 0) return { messages, armed: [] };

  const now = ctx.now();
  const expiresAt = now + WATCH_TTL_MS;
  await armWatcher(ctx, { topicId: topic.topicId, topic: topic.name, connectionId, partitions: valid, expiresAt });
  let heads = await readHeads(ctx, topic.topicId, valid.map((w) => w.partition));
  // Heads not yet marked beyond the watcher's expiry (rare: once per WATCH_RENEW_MS) are
  // marked, then read again, so the read that decides comes after the mark.
  const unmarked = valid.filter((w) => !isReady(heads.get(w.partition), w) && !watchedBeyond(heads.get(w.partition), expiresAt));
  if (unmarked.length > 0) {
    await Promise.all(unmarked.map((w) => markWatched(ctx, topic, w.partition, expiresAt)));
    const reread = await readHeads(ctx, topic.topicId, unmarked.map((w) => w.partition));
    heads = new Map([...heads, ...reread]);
  }

  const armed: WatchedPartition[] = [];
  const fired: Promise<unknown>[] = [];
  for (const w of valid) {
    const head = heads.get(w.partition);
    if (isReady(head, w)) {
      messages.push({ type: 'ready', topic: topic.name, partition: w.partition, highWatermark: head!.nextOffset });
      fired.push(removeFiredWatch(ctx, topic.topicId, connectionId, w.partition, w.offset));
    } else {
      armed.push(w);
    }
  }
  await Promise.all(fired);
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
