import { ValidationError } from '../core/errors';
import type { PartitionHead } from '../store/partition-head-store';
import type { StreamProducerState } from '../store/stream-producer-store';
import { ProducerEpochStaleError, ProducerSequenceGapError, StreamClosedError, StreamSeqRegressionError } from './stream-append-errors';

/** What a Durable Streams append asks of the commit besides its records. */
export interface StreamAppend {
  /** Close the stream with this append (`Stream-Closed: true`). */
  close?: boolean;
  /** `Stream-Seq`: must sort after the last one appended. */
  writerSeq?: string;
  /** The idempotent producer's headers. */
  producer?: { id: string; epoch: number; seq: number };
}

export type StreamVerdict =
  | { kind: 'append'; producerState?: { previous: StreamProducerState | undefined; epoch: number; seq: number } }
  /** An exact retry of an accepted append: answer it again, write nothing. */
  | { kind: 'duplicate'; nextOffset: number; lastSeq: number; closed: boolean };

/** How a closing producer is remembered on the head, so its retry is known after the close. */
export function closedByOf(producer: { id: string; epoch: number; seq: number }): string {
  return `${producer.epoch}/${producer.seq}/${producer.id}`;
}

/**
 * Decides a Durable Streams append against the head and its producer's state (protocol
 * 5.2 and 5.2.1), in the protocol's order: a retry of the closing append is a duplicate;
 * otherwise a closed stream refuses; then the producer's epoch and sequence (a stale
 * epoch is refused even on a closed stream, so a zombie learns it is fenced); then
 * `Stream-Seq`. Run before the commit and again inside every attempt, on fresh state.
 */
export function checkStreamAppend(head: PartitionHead | undefined, state: StreamProducerState | undefined, append: StreamAppend): StreamVerdict {
  const nextOffset = head?.nextOffset ?? 0;
  const producer = append.producer;
  if (producer && state && producer.epoch < state.epoch) throw new ProducerEpochStaleError(producer.epoch, state.epoch);
  if (head?.closedAt !== undefined) {
    if (producer && head.closedBy === closedByOf(producer)) return { kind: 'duplicate', nextOffset, lastSeq: producer.seq, closed: true };
    throw new StreamClosedError(nextOffset);
  }
  let producerState: { previous: StreamProducerState | undefined; epoch: number; seq: number } | undefined;
  if (producer) {
    if (!state || producer.epoch > state.epoch) {
      if (producer.seq !== 0) throw new ValidationError(`Producer-Seq: a new producer epoch starts at sequence 0, got ${producer.seq}`, { field: 'Producer-Seq' });
    } else if (producer.seq <= state.lastSeq) {
      return { kind: 'duplicate', nextOffset: state.nextOffset, lastSeq: state.lastSeq, closed: false };
    } else if (producer.seq > state.lastSeq + 1) {
      throw new ProducerSequenceGapError(state.lastSeq + 1, producer.seq);
    }
    producerState = { previous: state, epoch: producer.epoch, seq: producer.seq };
  }
  // Byte-wise, as the protocol says and as DynamoDB compares the head's condition.
  if (append.writerSeq !== undefined && head?.writerSeq !== undefined && Buffer.compare(Buffer.from(head.writerSeq), Buffer.from(append.writerSeq)) >= 0) {
    throw new StreamSeqRegressionError(append.writerSeq, head.writerSeq);
  }
  return { kind: 'append', ...(producerState ? { producerState } : {}) };
}
