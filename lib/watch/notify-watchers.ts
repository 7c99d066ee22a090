import type { SluiceContext } from '../core/context';
import type { WatchReadyMessage } from '../protocol/watch';
import type { ConnectionPoster } from '../store/connection-poster';
import { deleteWatcher, queryWatchers, removeFiredWatch } from '../store/watcher-store';

export interface MovedPartition {
  partition: number;
  /** The partition's high watermark after the commit. */
  highWatermark: number;
}

export interface NotifyResult {
  /** `ready` messages posted. */
  notified: number;
  /** Watcher items whose connection had closed (deleted). */
  gone: number;
}

/**
 * Tells every connection waiting on these partitions of a topic below their new high
 * watermark (`ready`), then forgets that partition's watch, only if it still waits for
 * the same offset (a re-arm in between survives). One strongly consistent Query finds
 * the topic's watchers, whatever the number of partitions that moved. A closed
 * connection's item (every partition it watched) is deleted. Posting before removing
 * means a failure in between costs a duplicate `ready` (one extra fetch for the client),
 * never a lost one. Used by produce's fast path and by the notify-watchers stream
 * trigger, so running it twice for one commit is harmless.
 */
export async function notifyWatchers(
  ctx: SluiceContext,
  poster: ConnectionPoster,
  topic: { name: string; topicId: string },
  moved: readonly MovedPartition[],
): Promise<NotifyResult> {
  const result: NotifyResult = { notified: 0, gone: 0 };
  if (moved.length === 0) return result;
  const highWatermarks = new Map<number, number>();
  for (const { partition, highWatermark } of moved) highWatermarks.set(partition, Math.max(highWatermark, highWatermarks.get(partition) ?? 0));
  const watchers = await queryWatchers(ctx, topic.topicId, ctx.now(), [...highWatermarks.keys()]);
  await Promise.all(
    watchers.map(async (watcher) => {
      const due = [...watcher.offsets].filter(([partition, offset]) => offset < highWatermarks.get(partition)!);
      const outcomes = await Promise.all(
        due.map(async ([partition, offset]) => {
          const ready: WatchReadyMessage = { type: 'ready', topic: topic.name, partition, highWatermark: highWatermarks.get(partition)! };
          if ((await poster.post(watcher.connectionId, ready)) === 'gone') return 'gone';
          result.notified++;
          await removeFiredWatch(ctx, topic.topicId, watcher.connectionId, partition, offset);
          return 'posted';
        }),
      );
      if (outcomes.includes('gone')) {
        result.gone++;
        await deleteWatcher(ctx, topic.topicId, watcher.connectionId);
      }
    }),
  );
  return result;
}
