import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { SluiceContext } from '../core/context';
import { batchGetAll } from './batch-operations';
import { partitionKey } from './partition-key';

/**
 * Compaction's state item of a topic-partition, in the Log table beside the head, and
 * every expression on it. Owned here alone.
 *
 *   pk = <topicId>#<partition>     sk = compaction
 *   cleanedTo       every offset below it has been through compaction (the next run's
 *                   dirty section starts here)
 *   cleanedBytes    the head's `bytesTotal` at `cleanedTo`
 *   cleanedBatches  the head's `batchesTotal` at `cleanedTo`
 *   updatedAt       the run's clock
 *   leaseId, leaseUntil   the run compacting the partition now, and until when: one run
 *                   at a time rewrites a partition's items (EventBridge may start runs
 *                   that overlap), so no run releases an item another run just rewrote
 *
 * Kept apart from the head so compaction never writes the item every produce commit
 * conditions on (a write there would make commits conflict). No `ts`: it stays out of the
 * byTime index, and the Log stream's consumers filter on `sk = head`.
 */
export const COMPACTION_STATE_SORT_KEY = 'compaction';

export interface CompactionState {
  cleanedTo: number;
  cleanedBytes: number;
  cleanedBatches: number;
  updatedAt: number;
}

export const NEVER_COMPACTED: CompactionState = { cleanedTo: 0, cleanedBytes: 0, cleanedBatches: 0, updatedAt: 0 };

export function compactionStateKey(topicId: string, partition: number): { pk: string; sk: string } {
  return { pk: partitionKey(topicId, partition), sk: COMPACTION_STATE_SORT_KEY };
}

function fromItem(item: Record<string, unknown>): CompactionState {
  return {
    cleanedTo: Number(item.cleanedTo ?? 0),
    cleanedBytes: Number(item.cleanedBytes ?? 0),
    cleanedBatches: Number(item.cleanedBatches ?? 0),
    updatedAt: Number(item.updatedAt ?? 0),
  };
}

/** The partitions' states (eventually consistent: a stale one only makes a run look again); NEVER_COMPACTED for a partition without one. */
export async function readCompactionStates(ctx: SluiceContext, topicId: string, partitions: readonly number[]): Promise<Map<number, CompactionState>> {
  const states = new Map<number, CompactionState>(partitions.map((p) => [p, NEVER_COMPACTED]));
  const byPk = new Map(partitions.map((p) => [partitionKey(topicId, p), p]));
  const items = await batchGetAll(
    ctx,
    partitions.map((p) => ({ table: ctx.tables.log, key: compactionStateKey(topicId, p) })),
    { consistent: false },
  );
  for (const { item } of items) states.set(byPk.get(String(item.pk))!, fromItem(item));
  return states;
}

/**
 * Takes the partition's lease for `leaseId` until `until`, unless another run holds one
 * that has not run out at `now`; false then. The lease outlasts the run's timeout, so a
 * run that died only delays the next by the rest of it.
 */
export async function acquireCompactionLease(ctx: SluiceContext, topicId: string, partition: number, leaseId: string, now: number, until: number): Promise<boolean> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: compactionStateKey(topicId, partition),
        UpdateExpression: 'SET leaseId = :id, leaseUntil = :until',
        ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
        ExpressionAttributeValues: { ':id': leaseId, ':until': until, ':now': now },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Gives the lease back and, with `state`, records how far compaction got (only forward).
 * False when the lease was not this run's any more (it ran out and another run took it):
 * then nothing is written.
 */
export async function releaseCompactionLease(ctx: SluiceContext, topicId: string, partition: number, leaseId: string, state?: CompactionState): Promise<boolean> {
  const forward = state !== undefined;
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: compactionStateKey(topicId, partition),
        UpdateExpression: forward ? 'SET cleanedTo = :to, cleanedBytes = :bytes, cleanedBatches = :batches, updatedAt = :now REMOVE leaseId, leaseUntil' : 'REMOVE leaseId, leaseUntil',
        ConditionExpression: forward ? 'leaseId = :id AND (attribute_not_exists(cleanedTo) OR cleanedTo <= :to)' : 'leaseId = :id',
        ExpressionAttributeValues: {
          ':id': leaseId,
          ...(forward ? { ':to': state.cleanedTo, ':bytes': state.cleanedBytes, ':batches': state.cleanedBatches, ':now': state.updatedAt } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
