import { SluiceError } from '../core/errors';

/** The producer's epoch has been superseded by a newer instance: a zombie write. */
export class FencedError extends SluiceError {
  constructor(producerId: number, epoch: number, currentEpoch: number) {
    super('FENCED', `Producer ${producerId} epoch ${epoch} has been fenced by epoch ${currentEpoch}; this instance must stop`, {
      producerId,
      epoch,
      currentEpoch,
    });
  }
}

export class UnknownProducerError extends SluiceError {
  constructor(producerId: number, epoch: number) {
    super('UNKNOWN_PRODUCER', `Producer ${producerId} with epoch ${epoch} was never issued; call POST /v1/producers first`, {
      field: 'producer',
      producerId,
      epoch,
    });
  }
}

/**
 * A producer id or name that is not the caller's. An id never issued gets the same
 * answer as one issued to another principal, so ids cannot be probed.
 */
export class ProducerAccessDeniedError extends SluiceError {
  constructor(principal: string, producer: { producerId: number } | { name: string }) {
    const byName = 'name' in producer;
    super('PRODUCER_ACCESS_DENIED',
      byName
        ? `Producer name '${producer.name}' is registered to another principal than '${principal}'; use a name of your own`
        : `Producer ${producer.producerId} was not issued to principal '${principal}'; call POST /v1/producers for an id of your own`,
      byName ? { field: 'name', principal, name: producer.name } : { field: 'producer.id', principal, producerId: producer.producerId },
    );
  }
}

export class OutOfOrderSequenceError extends SluiceError {
  constructor(partition: number, expected: number, received: number, reason = '') {
    super('OUT_OF_ORDER_SEQUENCE',
      `Partition ${partition}: expected sequence ${expected}, got ${received}${reason ? `; ${reason}` : ''}`,
      { field: `producer.sequences.${partition}`, partition, expected, received },
    );
  }
}

/** A retry of a batch so old that its offsets are no longer remembered; it was committed once. */
export class DuplicateSequenceError extends SluiceError {
  constructor(partition: number, received: number, nextSequence: number) {
    super('DUPLICATE_SEQUENCE',
      `Partition ${partition}: sequence ${received} was already committed (next expected ${nextSequence}) but is too old to report its offsets`,
      { partition, received, nextSequence },
    );
  }
}

/** A conditional append's expected offset is not the partition's high watermark. */
export class OffsetMismatchError extends SluiceError {
  constructor(partition: number, expectedOffset: number, highWatermark: number) {
    super('OFFSET_MISMATCH',
      `Partition ${partition}: expectedOffset ${expectedOffset} does not match the high watermark ${highWatermark}; nothing was written`,
      { field: 'expectedOffset', partition, expectedOffset, highWatermark },
    );
  }
}
