import type { SluiceContext } from '../core/context';
import { objectRefCountDown, objectRefDeleteLast } from './object-ref-store';
import { indexItemDelete, indexItemExists } from './segment-index-store';
import { transactWrite } from './transact-write';

/**
 * Retention's two small transactions over an expired batch's index item and its
 * object's ref item (see lib/retention/enforce-retention.ts), each answering a typed
 * outcome. `contended` is a cancellation for another reason than a condition (a
 * concurrent transaction on the same item, a throttle): try again later.
 */
export type ReleaseBatchOutcome = { kind: 'released' } | { kind: 'batch-gone' } | { kind: 'count-moved' } | { kind: 'contended' };

/**
 * Deletes the index item (if it still exists) and counts it off its object's ref item
 * (if more than this batch is counted). `batch-gone`: released already, by a concurrent
 * run. `count-moved`: the ref item counts at most this batch (or is gone): read it again.
 */
export async function releaseBatch(ctx: SluiceContext, index: { pk: string; sk: string }, objectKey: string): Promise<ReleaseBatchOutcome> {
  const outcome = await transactWrite(ctx, [
    ['index', indexItemDelete(ctx, index, objectKey)],
    ['ref', objectRefCountDown(ctx, objectKey)],
  ]);
  if (!outcome) return { kind: 'released' };
  if (outcome.failed.has('index')) return { kind: 'batch-gone' };
  if (outcome.failed.has('ref')) return { kind: 'count-moved' };
  return { kind: 'contended' };
}

export type ReleaseLastBatchOutcome = { kind: 'retired' } | { kind: 'batch-gone' } | { kind: 'count-too-high' } | { kind: 'contended' };

/**
 * Deletes the ref item of the object whose last batch this is, checking in the same
 * transaction that the index item still exists (so a stale count cannot retire an
 * object another batch still references); the index item itself stays. `retired` also
 * when the ref item was gone already (a rerun). `batch-gone`: finished by a concurrent
 * run. `count-too-high`: the ref item counts more batches than this one.
 */
export async function releaseLastBatch(ctx: SluiceContext, index: { pk: string; sk: string }, objectKey: string): Promise<ReleaseLastBatchOutcome> {
  const outcome = await transactWrite(ctx, [
    ['index', indexItemExists(ctx, index, objectKey)],
    ['ref', objectRefDeleteLast(ctx, objectKey)],
  ]);
  if (!outcome) return { kind: 'retired' };
  if (outcome.failed.has('index')) return { kind: 'batch-gone' };
  if (outcome.failed.has('ref')) return { kind: 'count-too-high' };
  return { kind: 'contended' };
}
