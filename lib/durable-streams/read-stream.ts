import type { SluiceContext } from '../core/context';
import { OffsetOutOfRangeError, ValidationError } from '../core/errors';
import { fetchRecords } from '../log/fetch-records';
import { readHead } from '../store/partition-head-store';
import { LIMITS } from '../protocol/limits';
import { DS_READ_MAX_BYTES, type ReadOffset } from '../protocol/durable-streams';
import type { OffsetRecord } from '../records/log-record';
import type { OpenStream } from './stream-registry';

export interface StreamRead {
  /** The offset the read started at (the log start for `-1`, the tail for `now`). */
  from: number;
  records: OffsetRecord[];
  /** Where the next read starts. */
  nextOffset: number;
  /** Everything the stream held when the read was answered is in it (Stream-Up-To-Date). */
  upToDate: boolean;
  /** The stream is closed and the read reached its final offset (Stream-Closed: EOF). */
  closed: boolean;
}

/**
 * One read of a stream, through the log's fetch: from `offset` on, at most
 * DS_READ_MAX_BYTES of whole records (the first record whatever its size), and, with
 * `waitMs`, a long-poll at the tail that a close ends at once. `now` reads nothing and
 * answers the tail, or with `waitMs` waits at it.
 */
export async function readStream(
  ctx: SluiceContext,
  stream: OpenStream,
  offset: ReadOffset,
  options: { waitMs?: number; signal?: AbortSignal } = {},
): Promise<StreamRead> {
  let from: number | undefined;
  if (offset.kind === 'now') {
    const head = await readHead(ctx, stream.topic.topicId, 0);
    const closed = head.closedAt !== undefined;
    if (!options.waitMs || closed) return { from: head.nextOffset, records: [], nextOffset: head.nextOffset, upToDate: true, closed };
    from = head.nextOffset;
  } else if (offset.kind === 'at') from = offset.offset;
  const result = await fetchRecords(ctx, {
    topic: stream.topic.name,
    partition: 0,
    ...(from === undefined ? {} : { offset: from }),
    maxRecords: LIMITS.fetchMaxRecordsMax,
    maxBytes: DS_READ_MAX_BYTES,
    ...(options.waitMs ? { waitMs: options.waitMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }).catch((error: unknown) => {
    // Past the tail: an offset never minted for this stream (a stream's log start never moves, so nothing is below it).
    if (error instanceof OffsetOutOfRangeError) throw new ValidationError(`offset: ${String(from)} is past the stream's tail`, { field: 'offset' });
    throw error;
  });
  const upToDate = result.nextOffset >= result.highWatermark;
  return {
    from: from ?? result.logStartOffset,
    records: result.records,
    nextOffset: result.nextOffset,
    upToDate,
    closed: upToDate && result.closed === true,
  };
}
