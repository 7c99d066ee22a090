import type { SluiceContext } from '../core/context';
import { objectRefCountDown, objectRefCountUp, objectRefDeleteLast, objectRefPut } from './object-ref-store';
import { retiredObjectPut } from './retired-object-store';
import { indexItemCompact, type CompactedEntry } from './segment-index-store';
import { topicIdCheck } from './topic-store';
import { transactWrite } from './transact-write';

/** The batch a compaction swap writes over: the last of the group it replaces, as compaction read it. */
export interface ReplacedBatch {
  lastOffset: number;
  objectKey: string;
  byteStart: number;
}

export interface CompactionSwap {
  topic: { name: string; topicId: string };
  partition: number;
  replaced: ReplacedBatch;
  entry: CompactedEntry;
  /** `create`: the new object's first swapped batch (its ref item is created); `add`: one more of its batches. */
  newRef: 'create' | 'add';
  /** `count-down`: the replaced batch's object keeps other batches; `retire`: this was its last (by the count read). */
  oldRef: 'count-down' | 'retire';
  now: number;
}

/**
 * `swapped`; `batch-changed`: the replaced item is gone or names another object (retention
 * released it, or another run compacted it); `old-ref-moved`: the replaced object's count
 * is not what the swap assumed: read it again; `new-ref-gone`: the new object's ref item
 * went (retention retired it): write no more batches of it; `topic-gone`; `contended`:
 * cancelled for another reason (a concurrent transaction, a throttle): try again.
 */
export type SwapOutcome =
  | { kind: 'swapped' }
  | { kind: 'batch-changed' }
  | { kind: 'old-ref-moved' }
  | { kind: 'new-ref-gone' }
  | { kind: 'topic-gone' }
  | { kind: 'contended' };

/**
 * One transaction that takes a group of batches out of the index and puts the compacted
 * batch in: the item of the group's last batch is rewritten to cover the group (so no
 * offset is ever without an item), the new object is counted, and the replaced batch is
 * counted off its object, which is retired (ref item deleted, marker written) when it was
 * the last. The group's other items stay until compaction releases them: the rewritten item
 * covers them, and readers skip covered items (docs/design.md, "Compaction").
 */
export async function swapCompactedBatch(ctx: SluiceContext, swap: CompactionSwap): Promise<SwapOutcome> {
  const parts = [
    ['topic', topicIdCheck(ctx, swap.topic)],
    ['index', indexItemCompact(ctx, swap.topic.topicId, swap.partition, swap.replaced, swap.entry)],
    ['newRef', swap.newRef === 'create' ? objectRefPut(ctx, { objectKey: swap.entry.objectKey, committedAt: swap.now, batchCount: 1 }) : objectRefCountUp(ctx, swap.entry.objectKey)],
    ['oldRef', swap.oldRef === 'count-down' ? objectRefCountDown(ctx, swap.replaced.objectKey) : objectRefDeleteLast(ctx, swap.replaced.objectKey)],
    ...(swap.oldRef === 'retire' ? [['marker', retiredObjectPut(ctx, swap.replaced.objectKey, swap.now)] as const] : []),
  ] as const;
  const outcome = await transactWrite(ctx, parts);
  if (!outcome) return { kind: 'swapped' };
  if (outcome.failed.has('topic')) return { kind: 'topic-gone' };
  if (outcome.failed.has('index')) return { kind: 'batch-changed' };
  if (outcome.failed.has('newRef')) return { kind: 'new-ref-gone' };
  if (outcome.failed.has('oldRef')) return { kind: 'old-ref-moved' };
  return { kind: 'contended' };
}
