import type { SluiceContext } from '../core/context';
import { partitionKey } from './partition-key';
import type { TransactItem } from './transact-write';

/**
 * Per topic-partition state of one idempotent producer, in the Log table beside the
 * partition head, and every expression on it. Owned here alone. It remembers the next
 * expected sequence number and the last few committed batches, so a retried batch is
 * recognised and answered with its original offsets (Kafka keeps five; so do we).
 */
export const RECENT_BATCHES_KEPT = 5;

const PRODUCER_STATE_PREFIX = 'prod#';

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
  return { pk: partitionKey(topicId, partition), sk: `${PRODUCER_STATE_PREFIX}${producerId}` };
}

export function isProducerStateItem(item: Record<string, unknown>): boolean {
  return typeof item.sk === 'string' && item.sk.startsWith(PRODUCER_STATE_PREFIX);
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

/**
 * A produce commit's write of the producer's state for one partition after `batch`:
 * conditional on the state being unchanged since it was read (`previous`), the same
 * guarantee the head's condition gives offsets. A new epoch starts a fresh recent list.
 */
export function producerStatePut(
  ctx: SluiceContext,
  topicId: string,
  partition: number,
  producer: { producerId: number; epoch: number },
  previous: ProducerPartitionState | undefined,
  batch: CommittedBatchRef,
  updatedAt: number,
): TransactItem {
  return {
    Put: {
      TableName: ctx.tables.log,
      Item: {
        ...producerStateKey(topicId, partition, producer.producerId),
        producerId: producer.producerId,
        epoch: producer.epoch,
        nextSequence: batch.baseSequence + batch.recordCount,
        recent: withCommittedBatch(previous && previous.epoch === producer.epoch ? previous.recent : [], batch),
        updatedAt,
      },
      ConditionExpression: previous ? 'epoch = :oldEpoch AND nextSequence = :oldNext' : 'attribute_not_exists(pk)',
      ...(previous ? { ExpressionAttributeValues: { ':oldEpoch': previous.epoch, ':oldNext': previous.nextSequence } } : {}),
    },
  };
}
