import type { SluiceContext } from '../core/context';
import { batchGetAll, type TableKey } from '../store/batch-operations';
import { fromHeadItem, headKey, type PartitionHead } from '../store/partition-head-item';
import { fromProducerItem, producerKey } from '../store/producer-item';
import { fromProducerStateItem, producerStateKey, type ProducerPartitionState } from '../store/producer-state-item';
import { FencedError, ProducerAccessDeniedError, UnknownProducerError } from './produce-errors';
import type { ProducerClaim } from './sequence-check';
import { recordMetric } from '../observability/metrics';

/** What a commit must know before it writes: each partition's head and, for an idempotent call, the producer's state. */
export interface CommitState {
  heads: Map<number, PartitionHead | undefined>;
  producerStates: Map<number, ProducerPartitionState | undefined>;
}

/** One strongly consistent BatchGet across the Log and Producers tables. */
export async function readCommitState(
  ctx: SluiceContext,
  topicId: string,
  partitions: readonly number[],
  claim?: ProducerClaim,
): Promise<CommitState> {
  const heads = new Map<number, PartitionHead | undefined>(partitions.map((p) => [p, undefined]));
  const producerStates = new Map<number, ProducerPartitionState | undefined>();
  const keys: TableKey[] = partitions.map((p) => ({ table: ctx.tables.log, key: headKey(topicId, p) }));
  if (claim) {
    for (const p of partitions) keys.push({ table: ctx.tables.log, key: producerStateKey(topicId, p, claim.producerId) });
    keys.push({ table: ctx.tables.producers, key: producerKey(claim.producerId) });
  }
  // A commit needs at most 2 keys per partition plus one: one BatchGetItem.
  const items = await batchGetAll(ctx, keys);
  let producerItem: Record<string, unknown> | undefined;
  const partitionOf = (pk: unknown) => Number(String(pk).slice(topicId.length + 1));
  for (const { table, item } of items) {
    if (table === ctx.tables.producers) producerItem = item;
    else if (item.sk === 'head') heads.set(partitionOf(item.pk), fromHeadItem(item));
    else producerStates.set(partitionOf(item.pk), fromProducerStateItem(item));
  }
  if (claim) {
    const producer = fromProducerItem(producerItem);
    // Ownership first, and the same answer for an id never issued: nothing about another's producer leaks.
    if (!producer || producer.principal !== claim.principal) throw new ProducerAccessDeniedError(claim.principal, { producerId: claim.producerId });
    if (producer.epoch < claim.epoch) throw new UnknownProducerError(claim.producerId, claim.epoch);
    if (producer.epoch > claim.epoch) {
      recordMetric('FencedWrites', 'Count', 1);
      throw new FencedError(claim.producerId, claim.epoch, producer.epoch);
    }
  }
  return { heads, producerStates };
}
