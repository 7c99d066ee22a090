import type { SluiceContext } from '../core/context';
import { OffsetOutOfRangeError, SluiceError, TopicNotFoundError, ValidationError } from '../core/errors';
import { fetchRecords, type FetchResult } from '../log/fetch-records';
import { cachedTopic, refreshTopic } from '../topics/topic-repository';
import { recordSize } from '../records/log-record';
import type { InheritedRange, StreamFork } from '../store/stream-item-store';
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
  const fork = stream.item.fork;
  // A fork's offsets below its own log's start are its sources' (docs/design.md, "Durable Streams forks").
  if (fork && offset.kind !== 'now') {
    const from = offset.kind === 'start' ? (fork.inherited[0]?.from ?? fork.start) : offset.offset;
    if (from < fork.start) return readInherited(ctx, stream, fork, from);
    if (offset.kind === 'start') return readStream(ctx, stream, { kind: 'at', offset: from }, options);
  }
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

/**
 * A fork's read from `from`, below its own log's start: the inherited ranges' records, by
 * pointer into each source's log (nothing was copied), then, if the read reached the
 * fork's own log with bytes to spare, the fork's own records. Never waits: the inherited
 * range holds data, so a long-poll there answers at once (protocol 5.7). At most
 * DS_READ_MAX_BYTES of whole records (the first whatever its size), as any read.
 */
async function readInherited(ctx: SluiceContext, stream: OpenStream, fork: StreamFork, from: number): Promise<StreamRead> {
  const records: OffsetRecord[] = [];
  let bytes = 0;
  let next = from;
  const take = (fetched: readonly OffsetRecord[], to: number): boolean => {
    for (const record of fetched) {
      if (record.offset < next || record.offset >= to) continue;
      const size = recordSize(record);
      if (records.length > 0 && bytes + size > DS_READ_MAX_BYTES) return false;
      records.push(record);
      bytes += size;
      next = record.offset + 1;
    }
    return true;
  };
  for (const range of fork.inherited) {
    if (next >= range.to) continue;
    const result = await fetchInherited(ctx, range, next, DS_READ_MAX_BYTES - bytes);
    const whole = take(result.records, range.to);
    // A range answered short (the byte limit): the reader goes on from where this one stopped.
    if (!whole || next < range.to) return { from, records, nextOffset: next, upToDate: false, closed: false };
  }
  // At the fork's own log: its records with the bytes left (its head says whether the read is up to date).
  const own = await fetchRecords(ctx, { topic: stream.topic.name, partition: 0, offset: fork.start, maxRecords: LIMITS.fetchMaxRecordsMax, maxBytes: Math.max(1, DS_READ_MAX_BYTES - bytes) });
  take(own.records, Number.MAX_SAFE_INTEGER);
  const upToDate = next >= own.highWatermark;
  return { from, records, nextOffset: next, upToDate, closed: upToDate && own.closed === true };
}

/** One inherited range's records from `offset`, read from its topic's log as it was when the fork was made. */
async function fetchInherited(ctx: SluiceContext, range: InheritedRange, offset: number, maxBytes: number): Promise<FetchResult> {
  // Soft-deletion keeps a source's topic while forks read it; only the Kafka-style API can delete it under them.
  const gone = () => new SluiceError('STREAM_GONE', `The data this fork inherits from topic '${range.topicName}' was deleted`);
  try {
    let topic = await cachedTopic(ctx, range.topicName);
    if (topic.topicId !== range.topicId) topic = await refreshTopic(ctx, range.topicName);
    if (topic.topicId !== range.topicId) throw gone();
  } catch (error) {
    if (error instanceof TopicNotFoundError) throw gone();
    throw error;
  }
  return fetchRecords(ctx, {
    topic: range.topicName,
    partition: 0,
    offset,
    // Offsets are gapless in a stream's log: this many records reach the range's end and no further.
    maxRecords: Math.min(LIMITS.fetchMaxRecordsMax, range.to - offset),
    maxBytes: Math.max(1, maxBytes),
  });
}
