import type { SluiceContext } from '../core/context';
import { partitionKey } from './partition-key';
import type { TransactItem } from './transact-write';

/**
 * The state of one Durable Streams idempotent producer (`Producer-Id`) on one stream, in
 * the Log table beside the stream's partition head, and every expression on it. Owned
 * here alone. The protocol's producers declare their own epochs and count sequences per
 * request, where Sluice's Kafka producers are issued epochs and count per record, so
 * they keep their own item; it is written in the same transaction as the append it
 * admits (lib/store/commit-transaction.ts), so a crash cannot separate the two.
 */
export interface StreamProducerState {
  epoch: number;
  /** The highest sequence accepted in `epoch`. */
  lastSeq: number;
  /** The stream's tail right after that append: what a duplicate of it answers. */
  nextOffset: number;
}

const STREAM_PRODUCER_PREFIX = 'dsprod#';

export function streamProducerKey(topicId: string, producerId: string): { pk: string; sk: string } {
  return { pk: partitionKey(topicId, 0), sk: `${STREAM_PRODUCER_PREFIX}${producerId}` };
}

export function isStreamProducerItem(item: Record<string, unknown>): boolean {
  return typeof item.sk === 'string' && item.sk.startsWith(STREAM_PRODUCER_PREFIX);
}

export function fromStreamProducerItem(item: Record<string, unknown> | undefined): StreamProducerState | undefined {
  if (!item) return undefined;
  return { epoch: Number(item.epoch), lastSeq: Number(item.lastSeq), nextOffset: Number(item.nextOffset) };
}

/** The producer's state after an accepted append, conditional on it being unchanged since it was read (`previous`). */
export function streamProducerPut(ctx: SluiceContext, topicId: string, producerId: string, previous: StreamProducerState | undefined, next: StreamProducerState): TransactItem {
  return {
    Put: {
      TableName: ctx.tables.log,
      Item: { ...streamProducerKey(topicId, producerId), producerId, ...next },
      ConditionExpression: previous ? 'epoch = :epoch AND lastSeq = :lastSeq' : 'attribute_not_exists(pk)',
      ...(previous ? { ExpressionAttributeValues: { ':epoch': previous.epoch, ':lastSeq': previous.lastSeq } } : {}),
    },
  };
}
