import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuplicateSequenceError, FencedError, OutOfOrderSequenceError } from '../../../lib/log/produce-errors';
import { checkSequences } from '../../../lib/log/sequence-check';
import type { ProducerPartitionState } from '../../../lib/store/producer-state-store';

const claim = (epoch: number, sequences: [number, number][]) => ({ producerId: 7, epoch, principal: 'alice', sequences: new Map(sequences) });
const counts = (entries: [number, number][]) => new Map(entries);
const state = (epoch: number, nextSequence: number, recent: ProducerPartitionState['recent'] = []): ProducerPartitionState => ({ epoch, nextSequence, recent });

describe('checkSequences', () => {
  it('accepts sequence 0 from a producer new to the partition', () => {
    assert.deepEqual(checkSequences(claim(0, [[1, 0]]), counts([[1, 5]]), new Map([[1, undefined]])), { kind: 'append' });
  });

  it('refuses a first sequence other than 0, naming the expected one', () => {
    assert.throws(
      () => checkSequences(claim(0, [[1, 3]]), counts([[1, 5]]), new Map([[1, undefined]])),
      (e: unknown) => e instanceof OutOfOrderSequenceError && e.details.expected === 0 && e.details.received === 3,
    );
  });

  it('accepts the next sequence in order', () => {
    assert.deepEqual(checkSequences(claim(2, [[0, 10]]), counts([[0, 5]]), new Map([[0, state(2, 10)]])), { kind: 'append' });
  });

  it('refuses a gap as out of order', () => {
    assert.throws(() => checkSequences(claim(2, [[0, 11]]), counts([[0, 5]]), new Map([[0, state(2, 10)]])), OutOfOrderSequenceError);
  });

  it('answers an exact retry with the original offsets and append time', () => {
    const recent = [{ baseSequence: 5, recordCount: 5, baseOffset: 100, appendTime: 42 }];
    assert.deepEqual(checkSequences(claim(2, [[0, 5]]), counts([[0, 5]]), new Map([[0, state(2, 10, recent)]])), {
      kind: 'duplicate',
      baseOffsets: new Map([[0, 100]]),
      appendTime: 42,
    });
  });

  it('refuses a retry whose record count differs from the committed batch', () => {
    const recent = [{ baseSequence: 5, recordCount: 5, baseOffset: 100, appendTime: 42 }];
    assert.throws(() => checkSequences(claim(2, [[0, 5]]), counts([[0, 4]]), new Map([[0, state(2, 10, recent)]])), OutOfOrderSequenceError);
  });

  it('reports a duplicate too old to remember as DUPLICATE_SEQUENCE', () => {
    assert.throws(() => checkSequences(claim(2, [[0, 0]]), counts([[0, 5]]), new Map([[0, state(2, 10)]])), DuplicateSequenceError);
  });

  it('fences an older epoch than the partition has seen', () => {
    assert.throws(
      () => checkSequences(claim(1, [[0, 10]]), counts([[0, 5]]), new Map([[0, state(2, 10)]])),
      (e: unknown) => e instanceof FencedError && e.code === 'FENCED' && e.status === 409,
    );
  });

  it('lets a newer epoch start again at sequence 0', () => {
    assert.deepEqual(checkSequences(claim(3, [[0, 0]]), counts([[0, 5]]), new Map([[0, state(2, 10)]])), { kind: 'append' });
  });

  it('refuses a call that is partly a retry and partly new', () => {
    const recent = [{ baseSequence: 0, recordCount: 2, baseOffset: 0, appendTime: 1 }];
    assert.throws(
      () =>
        checkSequences(
          claim(0, [
            [0, 0],
            [1, 0],
          ]),
          counts([
            [0, 2],
            [1, 2],
          ]),
          new Map([
            [0, state(0, 2, recent)],
            [1, undefined],
          ]),
        ),
      OutOfOrderSequenceError,
    );
  });
});
