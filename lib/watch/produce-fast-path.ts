import type { SluiceContext } from '../core/context';
import { logLine } from '../observability/log-sink';
import { connectionPosterFromEnv } from '../store/connection-poster';
import type { PartitionHead } from '../store/partition-head-store';
import { notifyWatchers, type MovedPartition } from './notify-watchers';

/**
 * Produce's fast path to waiting readers: after a commit, the partitions whose head (as
 * the commit read it) was marked watched are notified at once, before the answer, instead
 * of one stream-trigger hop later. Partitions nobody watches cost nothing here: no
 * request is made. It never fails the produce: the records are committed whatever
 * happens here, and the notify-watchers stream trigger is the backstop.
 */
export async function notifyAfterCommit(
  ctx: SluiceContext,
  topic: { name: string; topicId: string },
  headsRead: ReadonlyMap<number, PartitionHead | undefined>,
  committed: readonly MovedPartition[],
): Promise<void> {
  try {
    const now = ctx.now();
    const watched = committed.filter(({ partition }) => (headsRead.get(partition)?.watchedUntil ?? 0) > now);
    if (watched.length === 0) return;
    const poster = connectionPosterFromEnv();
    if (!poster) return;
    await notifyWatchers(ctx, poster, topic, watched);
  } catch (error) {
    logLine({ level: 'WARN', message: 'produce could not notify watchers; the stream trigger will', topic: topic.name, error: String(error) });
  }
}
