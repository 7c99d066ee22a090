import type { SluiceContext } from '../core/context';
import { readCommitItems } from '../store/commit-transaction';
import type { PartitionHead } from '../store/partition-head-store';
import type { ProducerPartitionState } from '../store/producer-state-store';
import type { StreamProducerState } from '../store/stream-producer-store';
import { FencedError, ProducerAccessDeniedError, UnknownProducerError } from './produce-errors';
import type { ProducerClaim } from './sequence-check';
import { recordMetric } from '../observability/metrics';

/** What a commit must know before it writes: each partition's head and, for an idempotent call, the producer's state. */
export interface CommitState {
  heads: Map<number, PartitionHead | undefined>;
  producerStates: Map<number, ProducerPartitionState | undefined>;
  /** A Durable Streams producer's state, when the call names one and it exists. */
  streamProducer?: StreamProducerState;
}

/** One strongly consistent BatchGet across the Log and Producers tables; refuses a claim on a producer that is not current or not the caller's. */
export async function readCommitState(
  ctx: SluiceContext,
  topicId: string,
  partitions: readonly number[],
  claim?: ProducerClaim,
  streamProducerId?: string,
): Promise<CommitState> {
  const { heads, producerStates, producer, streamProducer } = await readCommitItems(ctx, topicId, partitions, claim?.producerId, streamProducerId);
  if (claim) {
    // Ownership first, and the same answer for an id never issued: nothing about another's producer leaks.
    if (!producer || producer.principal !== claim.principal) throw new ProducerAccessDeniedError(claim.principal, { producerId: claim.producerId });
    if (producer.epoch < claim.epoch) throw new UnknownProducerError(claim.producerId, claim.epoch);
    if (producer.epoch > claim.epoch) {
      recordMetric('FencedWrites', 'Count', 1);
      throw new FencedError(claim.producerId, claim.epoch, producer.epoch);
    }
  }
  return { heads, producerStates, ...(streamProducer ? { streamProducer } : {}) };
}
