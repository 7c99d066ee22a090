import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { batchGetAll } from './batch-operations';

/**
 * The Log table item that records how far the orphan collector has got in one
 * segment key prefix (`seg/<2 hex>/`), and every expression on it. Owned here alone.
 *
 *   pk = gc#<prefix>, e.g. gc#seg/3f/     sk = checkpoint
 *   decidedBefore  every segment object under the prefix whose key's written-at time
 *                  is earlier than this (epoch ms) has been decided: deleted, or kept
 *                  because a ref item named it. The next run lists the prefix with
 *                  StartAfter = <prefix><decidedBefore, 13 digits>.
 *   resets         how many times the checkpoint was moved back (absent: never)
 *   updatedAt      the writer's clock when it last moved
 *
 * `decidedBefore` only moves forward, except through a reset, which also bumps
 * `resets`. Moving forward is conditional on `resets` being what the collector read
 * when its run began, so a run that listed from before a reset cannot advance the
 * checkpoint back over it. Items without `ts` stay out of the `byTime` index, and the
 * Log stream's consumers filter on other sort keys. See docs/design.md, "Orphan objects".
 */
const GC_CHECKPOINT_PREFIX = 'gc#';
export const GC_CHECKPOINT_SORT_KEY = 'checkpoint';

export interface GcCheckpoint {
  /** The key prefix it covers, `seg/<2 hex>/`. */
  prefix: string;
  decidedBefore: number;
  resets: number;
  updatedAt: number;
}

export function gcCheckpointKey(prefix: string): { pk: string; sk: string } {
  return { pk: GC_CHECKPOINT_PREFIX + prefix, sk: GC_CHECKPOINT_SORT_KEY };
}

/** The prefix a checkpoint item's key names, or undefined for another item. */
export function prefixOfGcCheckpointKey(pk: unknown): string | undefined {
  return typeof pk === 'string' && pk.startsWith(GC_CHECKPOINT_PREFIX) ? pk.slice(GC_CHECKPOINT_PREFIX.length) : undefined;
}

export function fromGcCheckpointItem(item: Record<string, unknown> | undefined): GcCheckpoint | undefined {
  const prefix = prefixOfGcCheckpointKey(item?.pk);
  if (!item || prefix === undefined || item.sk !== GC_CHECKPOINT_SORT_KEY) return undefined;
  return { prefix, decidedBefore: Number(item.decidedBefore ?? 0), resets: Number(item.resets ?? 0), updatedAt: Number(item.updatedAt ?? 0) };
}

/**
 * The StartAfter of a listing that resumes at `decidedBefore`: it sorts after every
 * key written before that time and before every key written at or after it (the
 * written-at time is 13 digits, followed by `-`).
 */
export function gcCheckpointStartAfter(prefix: string, decidedBefore: number): string {
  return prefix + String(decidedBefore).padStart(13, '0');
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
  const resetsSeen = seen?.resets ?? 0;
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: gcCheckpointKey(prefix),
        UpdateExpression: 'SET decidedBefore = :to, updatedAt = :now',
        ConditionExpression:
          '(attribute_not_exists(decidedBefore) OR decidedBefore < :to) AND ' +
          (resetsSeen === 0 ? '(attribute_not_exists(resets) OR resets = :resets)' : 'resets = :resets'),
        ExpressionAttributeValues: { ':to': decidedBefore, ':resets': resetsSeen, ':now': ctx.now() },
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

/**
 * Moves an existing checkpoint back to `decidedBefore` and bumps `resets`; a missing
 * checkpoint, or one already at or before that time, is left alone. Answers whether it moved.
 */
export async function moveGcCheckpointBack(ctx: SluiceContext, prefix: string, decidedBefore: number): Promise<boolean> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: gcCheckpointKey(prefix),
        UpdateExpression: 'SET decidedBefore = :to, updatedAt = :now ADD resets :one',
        ConditionExpression: 'decidedBefore > :to',
        ExpressionAttributeValues: { ':to': decidedBefore, ':now': ctx.now(), ':one': 1 },
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
