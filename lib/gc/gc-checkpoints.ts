import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { batchGetAll } from '../store/batch-operations';
import {
  advanceGcCheckpointUpdate,
  fromGcCheckpointItem,
  gcCheckpointKey,
  resetGcCheckpointUpdate,
  type GcCheckpoint,
} from '../store/gc-checkpoint-item';
import { parseSegmentObjectKey } from '../store/object-keys';

/** The segment key prefix (`seg/<2 hex>/`) an object key lives under, or undefined for a key outside the layout. */
export function segmentPrefixOf(objectKey: string): string | undefined {
  const parsed = parseSegmentObjectKey(objectKey);
  return parsed ? `seg/${parsed.prefix}/` : undefined;
}

/** The orphan collector's checkpoints of `prefixes` that exist (strongly consistent reads). */
export async function readGcCheckpoints(ctx: SluiceContext, prefixes: readonly string[]): Promise<Map<string, GcCheckpoint>> {
  const checkpoints = new Map<string, GcCheckpoint>();
  for (const { item } of await batchGetAll(ctx, prefixes.map((prefix) => ({ table: ctx.tables.log, key: gcCheckpointKey(prefix) })))) {
    const checkpoint = fromGcCheckpointItem(item);
    if (checkpoint) checkpoints.set(checkpoint.prefix, checkpoint);
  }
  return checkpoints;
}

/**
 * Moves `prefix`'s checkpoint forward to `decidedBefore`, provided it is further than
 * the stored one and the checkpoint was not reset since `seen` was read (`seen` is
 * undefined when there was none). Answers whether it moved; a run that loses to a
 * further checkpoint or a reset changes nothing.
 */
export async function advanceGcCheckpoint(ctx: SluiceContext, prefix: string, seen: GcCheckpoint | undefined, decidedBefore: number): Promise<boolean> {
  if (!Number.isSafeInteger(decidedBefore) || decidedBefore < 0) throw new Error(`checkpoint time must be a whole number of ms, got ${decidedBefore}`);
  try {
    await ctx.ddb.send(
      new UpdateCommand({ TableName: ctx.tables.log, Key: gcCheckpointKey(prefix), ...advanceGcCheckpointUpdate(decidedBefore, seen?.resets ?? 0, ctx.now()) }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

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
  for (const [prefix, writtenAt] of earliest) {
    try {
      await ctx.ddb.send(new UpdateCommand({ TableName: ctx.tables.log, Key: gcCheckpointKey(prefix), ...resetGcCheckpointUpdate(writtenAt, ctx.now()) }));
      moved++;
    } catch (error) {
      // No checkpoint, or one that never passed these objects: nothing to undo.
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
  return moved;
}
