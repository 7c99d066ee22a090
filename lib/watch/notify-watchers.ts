import type { SluiceContext } from '../core/context';
import type { WatchReadyMessage } from '../protocol/watch';
import type { ConnectionPoster } from '../store/connection-poster';
import { deleteFiredWatcher, deleteWatcher, queryWatchers } from '../store/watcher-store';

export interface MovedPartition {
  partition: number;
  /** The partition's high watermark after the commit. */
  highWatermark: number;
}

export interface NotifyResult {
  /** `ready` messages posted. */
  notified: number;
  /** Watchers whose connection had closed (deleted). */
  gone: number;
}

/**
 * Tells every connection waiting on these partitions below their new high watermark
 * (`ready`), then forgets its watch, only if it still waits for the same offset (a re-arm
 * in between survives). A closed connection's watch is deleted. Posting before deleting
 * means a failure in between costs a duplicate `ready` (one extra fetch for the client),
 * never a lost one. Used by produce's fast path and by the notify-watchers stream trigger,
 * so running it twice for one commit is harmless.
 */
export async function notifyWatchers(
  ctx: SluiceContext,
  poster: ConnectionPoster,
  topic: { name: string; topicId: string },
  moved: readonly MovedPartition[],
): Promise<NotifyResult> {
  const result: NotifyResult = { notified: 0, gone: 0 };
  const now = ctx.now();
  await Promise.all(
    moved.map(async ({ partition, highWatermark }) => {
      const watchers = await queryWatchers(ctx, topic.topicId, partition, now);
      await Promise.all(
        watchers
          .filter((watcher) => watcher.offset < highWatermark)
          .map(async (watcher) => {
            const ready: WatchReadyMessage = { type: 'ready', topic: topic.name, partition, highWatermark };
            if ((await poster.post(watcher.connectionId, ready)) === 'gone') {
              result.gone++;
              await deleteWatcher(ctx, topic.topicId, partition, watcher.connectionId);
              return;
            }
            result.notified++;
            await deleteFiredWatcher(ctx, topic.topicId, partition, watcher.connectionId, watcher.offset);
          }),
      );
    }),
  );
  return result;
}
