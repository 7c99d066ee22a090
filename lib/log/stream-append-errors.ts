import { SluiceError } from '../core/errors';

/** The errors of a Durable Streams append (docs/design.md, "Durable Streams"); each carries what its answer's headers need. */

export class StreamClosedError extends SluiceError {
  constructor(readonly nextOffset: number) {
    super('STREAM_CLOSED', 'The stream is closed: no further appends', { nextOffset });
  }
}

export class StreamSeqRegressionError extends SluiceError {
  constructor(received: string, last: string) {
    super('STREAM_SEQ_REGRESSION', `Stream-Seq: '${received}' does not sort after the last one appended, '${last}'`, { field: 'Stream-Seq' });
  }
}

export class ProducerEpochStaleError extends SluiceError {
  constructor(
    received: number,
    readonly currentEpoch: number,
  ) {
    super('PRODUCER_EPOCH_STALE', `Producer-Epoch: ${received} is older than the producer's current epoch ${currentEpoch}`, { field: 'Producer-Epoch', currentEpoch });
  }
}

export class ProducerSequenceGapError extends SluiceError {
  constructor(
    readonly expectedSeq: number,
    readonly receivedSeq: number,
  ) {
    super('PRODUCER_SEQUENCE_GAP', `Producer-Seq: expected ${expectedSeq}, got ${receivedSeq}`, { field: 'Producer-Seq', expectedSeq, receivedSeq });
  }
}
