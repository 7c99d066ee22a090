import type { ProducerPartitionState } from '../store/producer-state-store';
import { DuplicateSequenceError, FencedError, OutOfOrderSequenceError } from './produce-errors';
import { recordMetric } from '../observability/metrics';

/** An idempotent call: the producer, its epoch, the caller's principal, and the base sequence it gives each partition. */
export interface ProducerClaim {
  producerId: number;
  epoch: number;
  /** Who makes the call; the producer id must have been issued to it. */
  principal: string;
  sequences: ReadonlyMap<number, number>;
}

export type SequenceVerdict = { kind: 'append' } | { kind: 'duplicate'; baseOffsets: Map<number, number>; appendTime: number };

/**
 * Decides, from each partition's producer state, whether a call is new (its sequences
 * follow on), an exact retry of a committed call (answer the original offsets), or
 * refused. Kafka's rules: a new producer or epoch starts at sequence 0; a newer epoch
 * fences older ones; any gap or partial overlap is out of order.
 */
export function checkSequences(
  claim: ProducerClaim,
  recordCounts: ReadonlyMap<number, number>,
  states: ReadonlyMap<number, ProducerPartitionState | undefined>,
): SequenceVerdict {
  const duplicates = new Map<number, number>();
  let appendTime = 0;
  let appends = 0;
  for (const [partition, sequence] of claim.sequences) {
    const count = recordCounts.get(partition)!;
    const state = states.get(partition);
    if (state && state.epoch > claim.epoch) {
      recordMetric('FencedWrites', 'Count', 1);
      throw new FencedError(claim.producerId, claim.epoch, state.epoch);
    }
    if (!state || state.epoch < claim.epoch) {
      if (sequence !== 0) throw new OutOfOrderSequenceError(partition, 0, sequence, 'a new producer epoch starts at sequence 0');
      appends++;
      continue;
    }
    if (sequence === state.nextSequence) {
      appends++;
      continue;
    }
    if (sequence > state.nextSequence) throw new OutOfOrderSequenceError(partition, state.nextSequence, sequence);
    const committed = state.recent.find((b) => b.baseSequence === sequence);
    if (!committed) throw new DuplicateSequenceError(partition, sequence, state.nextSequence);
    if (committed.recordCount !== count) {
      throw new OutOfOrderSequenceError(
        partition,
        state.nextSequence,
        sequence,
        `sequence ${sequence} was committed with ${committed.recordCount} records, this retry has ${count}`,
      );
    }
    duplicates.set(partition, committed.baseOffset);
    appendTime = committed.appendTime;
  }
  if (duplicates.size === 0) return { kind: 'append' };
  if (appends === 0) return { kind: 'duplicate', baseOffsets: duplicates, appendTime };
  const [partition] = [...duplicates.keys()];
  throw new OutOfOrderSequenceError(
    partition!,
    states.get(partition!)!.nextSequence,
    claim.sequences.get(partition!)!,
    'part of this call was already committed; a retry must resend exactly the same batches',
  );
}
