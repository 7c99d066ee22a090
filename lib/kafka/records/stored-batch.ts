import { BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES } from '../../format/batch-codec';
import { RECORD_BATCH_MAGIC } from './record-batch';

/**
 * Sluice's stored batch (lib/format/batch-codec.ts) is Kafka's RecordBatch v2 less its
 * partitionLeaderEpoch, with its own magic byte; the CRC-32C covers the same bytes in
 * both (attributes to the end). So a stored batch becomes a Kafka batch by inserting the
 * epoch and changing the magic byte: no record is decoded and no CRC recomputed.
 */

const ATTRIBUTES_AT = 17;
const LAST_OFFSET_DELTA_AT = 19;
const RECORD_COUNT_AT = 53;
const MAGIC_AT = 12;

export interface StoredBatchHeader {
  /** Compression and timestamp type bits: 0 is uncompressed CreateTime. */
  attributes: number;
  lastOffsetDelta: number;
  recordCount: number;
}

/** The header fields of a stored batch, read without decoding (or checking) it; undefined if too short to hold a header. */
export function storedBatchHeader(bytes: Uint8Array): StoredBatchHeader | undefined {
  if (bytes.byteLength < BATCH_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { attributes: view.getInt16(ATTRIBUTES_AT), lastOffsetDelta: view.getInt32(LAST_OFFSET_DELTA_AT), recordCount: view.getInt32(RECORD_COUNT_AT) };
}

/** The stored batch (its base offset already in its first eight bytes) as a Kafka RecordBatch v2 with `partitionLeaderEpoch`. */
export function kafkaBatchFromStored(stored: Uint8Array, partitionLeaderEpoch: number): Buffer {
  const out = Buffer.allocUnsafe(stored.byteLength + 4);
  out.set(stored.subarray(0, BATCH_LENGTH_PREFIX_BYTES), 0);
  out.writeInt32BE(out.readInt32BE(8) + 4, 8);
  out.writeInt32BE(partitionLeaderEpoch, 12);
  out.writeInt8(RECORD_BATCH_MAGIC, 16);
  // The CRC and everything after it, unchanged.
  out.set(stored.subarray(MAGIC_AT + 1), 17);
  return out;
}
