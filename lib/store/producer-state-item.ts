import { partitionKey } from './partition-key';

/**
 * Per topic-partition state of one idempotent producer, in the Log table beside the
 * partition head. Owned here alone. It remembers the next expected sequence number
 * and the last few committed batches, so a retried batch is recognised and answered
 * with its original offsets (Kafka keeps five; so do we).
 */
export const RECENT_BATCHES_KEPT = 5;

export interface CommittedBatchRef {
  baseSequence: number;
  recordCount: number;
  baseOffset: number;
  /** The call's append time, so a retry's answer carries the same timestamps as the original. */
  appendTime: number;
}

export interface ProducerPartitionState {
  epoch: number;
  nextSequence: number;
  recent: CommittedBatchRef[];
}

export function producerStateKey(topicId: string, partition: number, producerId: number): { pk: string; sk: string } {
  return { pk: partitionKey(topicId, partition), sk: `prod#${producerId}` };
}

export function fromProducerStateItem(item: Record<string, unknown> | undefined): ProducerPartitionState | undefined {
  if (!item) return undefined;
  return {
    epoch: Number(item.epoch),
    nextSequence: Number(item.nextSequence),
    recent: ((item.recent as Record<string, unknown>[] | undefined) ?? []).map((b) => ({
      baseSequence: Number(b.baseSequence),
      recordCount: Number(b.recordCount),
      baseOffset: Number(b.baseOffset),
      appendTime: Number(b.appendTime),
    })),
  };
}

/** The recent list after committing one more batch, newest last. */
export function withCommittedBatch(recent: readonly CommittedBatchRef[], batch: CommittedBatchRef): CommittedBatchRef[] {
  return [...recent, batch].slice(-RECENT_BATCHES_KEPT);
}
