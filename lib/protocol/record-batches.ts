import { acceptedTypes } from './live';

/**
 * The fetch answer as stored batches: a fetch with `Accept: application/vnd.sluice.record-batches`
 * is answered with the batches' bytes as S3 holds them, one after another (the format is
 * docs/design.md's "Segment objects": Kafka's RecordBatch v2 less its leader epoch), each
 * with its real base offset in its first eight bytes. The server neither decodes nor
 * checks them: the reader does, CRC-32C included, as a Kafka consumer does. That keeps the
 * fetch to the index read and the GETs, and its bytes to what S3 returned.
 *
 * What the JSON answer carries beside its records comes in headers. A batch may hold
 * records below the offset asked for, or from `nextOffset` on (where `maxRecords` ended
 * inside it): a reader skips both. An empty body is an empty answer.
 */
export const RECORD_BATCHES_TYPE = 'application/vnd.sluice.record-batches';

/** The headers of a batches answer (lower-case, as HTTP/2 and API Gateway send them). */
export const RECORD_BATCHES_HEADERS = {
  nextOffset: 'sluice-next-offset',
  highWatermark: 'sluice-high-watermark',
  logStartOffset: 'sluice-log-start-offset',
  /** `true` when the partition is closed (a Durable Streams stream): the high watermark is final. */
  closed: 'sluice-closed',
} as const;

/**
 * Whether a fetch asks for stored batches: its `Accept` header names the type (q above 0)
 * ahead of `application/json`, or without it. A client that accepts either in that order
 * gets batches; one that lists JSON first gets JSON.
 */
export function wantsRecordBatches(accept: string | undefined): boolean {
  const types = acceptedTypes(accept);
  const batches = types.indexOf(RECORD_BATCHES_TYPE);
  const json = types.indexOf('application/json');
  return batches >= 0 && (json < 0 || batches < json);
}
