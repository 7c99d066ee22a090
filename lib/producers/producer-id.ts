import { randomBytes } from 'node:crypto';

/**
 * Producer ids are drawn at random so that one cannot be guessed from another (they
 * were a counter once). The range keeps them JSON-safe numbers and valid Kafka int64
 * producer ids, and starts above every id the counter could have issued.
 */
export const PRODUCER_ID_MIN = 2 ** 32;
/** Exclusive: ids stay below Number.MAX_SAFE_INTEGER + 1. */
export const PRODUCER_ID_LIMIT = 2 ** 53;

/** A uniformly random id in [PRODUCER_ID_MIN, PRODUCER_ID_LIMIT). */
export function drawProducerId(bytes: (size: number) => Buffer = randomBytes): number {
  for (;;) {
    const drawn = bytes(8);
    // 53 random bits; a draw below 2^32 (one in 2^21) is drawn again, so the rest stay uniform.
    const high = drawn.readUInt32BE(0) & 0x1f_ffff;
    if (high > 0) return high * 2 ** 32 + drawn.readUInt32BE(4);
  }
}
