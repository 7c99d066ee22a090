import type { SluiceContext } from '../core/context';
import { advanceGcCheckpoint, moveGcCheckpointBack, readGcCheckpoints } from '../store/gc-checkpoint-store';
import { parseSegmentObjectKey, segmentPrefixOf } from '../store/object-keys';

export { advanceGcCheckpoint, readGcCheckpoints, segmentPrefixOf };

/**
 * Moves the checkpoints of the prefixes holding `objectKeys` back, so that the orphan
 * collector lists those objects again: what must follow deleting the ref item of an
 * object the collector may already have passed (it decided "referenced, keep" and
 * never looks behind its checkpoint). Call it *after* the ref items are gone: a run
 * that lists the objects afterwards deletes them, and a run that started before the
 * reset cannot move the checkpoint over them again (see `advanceGcCheckpoint`).
 * Keys outside the segment layout are ignored. Answers how many checkpoints moved.
 */
export async function resetGcCheckpoints(ctx: SluiceContext, objectKeys: Iterable<string>): Promise<number> {
  const earliest = new Map<string, number>();
  for (const key of objectKeys) {
    const parsed = parseSegmentObjectKey(key);
    const prefix = segmentPrefixOf(key);
    if (!parsed || prefix === undefined) continue;
    earliest.set(prefix, Math.min(earliest.get(prefix) ?? Infinity, parsed.writtenAt));
  }
  let moved = 0;
  // No checkpoint, or one that never passed these objects: nothing to undo.
  for (const [prefix, writtenAt] of earliest) if (await moveGcCheckpointBack(ctx, prefix, writtenAt)) moved++;
  return moved;
}
