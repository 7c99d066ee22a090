import { InvalidArgumentError } from 'commander';
import { SluiceApiError } from '../../lib/client/sluice-http-client';
import type { PartitionOffsets } from '../../lib/client/types';
import { dateTime } from './parsers';

/**
 * Where `sluice consume` starts and stops in each partition, as kcat's and rpk's offsets
 * read: earliest, latest, an offset, `-N` (N records before the end) or `@time`
 * (offsets-for-times); and a stop offset or time.
 */

export type StartPosition = 'earliest' | 'latest' | number | { fromEnd: number } | { time: number };
export type StopPosition = { offset: number } | { time: number };

const TIME_HELP = 'ISO 8601 such as @2026-12-01T10:00:00Z, or @ms since the epoch';

function time(value: string): number {
  try {
    return dateTime(value.slice(1));
  } catch {
    throw new InvalidArgumentError(`a time must be ${TIME_HELP}`);
  }
}

function offset(value: string): number | undefined {
  return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

/** `--from`: earliest, latest, an offset, -N (N before each partition's high watermark) or @time; kcat's `beginning` and `end` too. */
export function startPosition(value: string): StartPosition {
  if (value === 'earliest' || value === 'beginning') return 'earliest';
  if (value === 'latest' || value === 'end') return 'latest';
  if (value.startsWith('@')) return { time: time(value) };
  const n = offset(value.startsWith('-') ? value.slice(1) : value);
  if (n !== undefined) return value.startsWith('-') ? { fromEnd: n } : n;
  throw new InvalidArgumentError(`must be earliest, latest, an offset, -N (N records before the end) or @time (${TIME_HELP})`);
}

/** `--to`: an offset to stop before, or @time: stop at the first record at or after it. */
export function stopPosition(value: string): StopPosition {
  if (value.startsWith('@')) return { time: time(value) };
  const n = offset(value);
  if (n !== undefined) return { offset: n };
  throw new InvalidArgumentError(`must be an offset or @time (${TIME_HELP})`);
}

/**
 * The first offset to read of a partition. `offsetForTime` is asked only for `@time`
 * (the offsets route with `?timestamp=`); a time no record reaches starts at the high
 * watermark, as Kafka's offsets-for-times. An explicit offset outside the partition's
 * range is refused (OFFSET_OUT_OF_RANGE); `-N` past the log start starts at the log start.
 */
export async function startOffset(
  from: StartPosition,
  topic: string,
  range: PartitionOffsets,
  offsetForTime: (timestamp: number) => Promise<number | null>,
): Promise<number> {
  if (from === 'earliest') return range.logStartOffset;
  if (from === 'latest') return range.highWatermark;
  if (typeof from === 'number') {
    if (from < range.logStartOffset || from > range.highWatermark) {
      throw new SluiceApiError(
        416,
        'OFFSET_OUT_OF_RANGE',
        `Partition ${range.partition}: offset ${from} is out of range; valid offsets are ${range.logStartOffset}..${range.highWatermark} (the high watermark)`,
        false,
        { topic, partition: range.partition, offset: from, logStartOffset: range.logStartOffset, highWatermark: range.highWatermark },
      );
    }
    return from;
  }
  if ('fromEnd' in from) return Math.max(range.logStartOffset, range.highWatermark - from.fromEnd);
  return (await offsetForTime(from.time)) ?? range.highWatermark;
}

/**
 * The offset a partition is read up to (exclusive). Without --follow never past the high
 * watermark as of the start; with it, `--to`'s offset or nothing (Infinity). A stop time
 * is checked per record (`pastStop`), so it also ends a follow at records still to come.
 */
export function endOffset(to: StopPosition | undefined, range: PartitionOffsets, follow: boolean): number {
  const limit = to !== undefined && 'offset' in to ? to.offset : Infinity;
  return follow ? limit : Math.min(limit, range.highWatermark);
}

/**
 * Whether a record is past where its partition stops: at or after the end offset, or
 * (`--to @time`) the first record with a timestamp at or after the stop time, the offset
 * offsets-for-times would answer for that time.
 */
export function pastStop(record: { offset: number; timestamp: number }, end: number, to: StopPosition | undefined): boolean {
  return record.offset >= end || (to !== undefined && 'time' in to && record.timestamp >= to.time);
}
