import type { LogRecord } from '../records/log-record';
import { encodeBatch } from './batch-codec';

/**
 * A segment object holds the batches of every partition one produce call touches,
 * back to back; the commit records each batch's byte range, so a fetch reads only
 * the bytes of its own partition with a ranged GET.
 */
export interface PartitionBatch {
  partition: number;
  records: LogRecord[];
}

export interface EncodedSegmentObject {
  body: Buffer;
  ranges: Map<number, { byteStart: number; byteLength: number }>;
}

export function encodeSegmentObject(batches: readonly PartitionBatch[]): EncodedSegmentObject {
  const parts: Buffer[] = [];
  const ranges = new Map<number, { byteStart: number; byteLength: number }>();
  let position = 0;
  for (const batch of batches) {
    const encoded = encodeBatch(batch.records);
    ranges.set(batch.partition, { byteStart: position, byteLength: encoded.byteLength });
    parts.push(encoded);
    position += encoded.byteLength;
  }
  return { body: Buffer.concat(parts), ranges };
}
