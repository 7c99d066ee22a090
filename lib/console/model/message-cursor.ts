/**
 * Where the message browser reads: a start (earliest, latest, an offset, a time) turned into
 * one offset per partition, and pages of records from several partitions merged into the
 * rows shown. Pure, so tested without a browser (test/lib/console/model/message-cursor.test.ts).
 */
import type { PartitionOffsets } from '../../client/index';
import type { RecordView } from './record-view';

export type StartSpec =
  | { kind: 'earliest' }
  /** The newest page: each partition's last `pageSize` records. */
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  /** The first record at or after this time (offsets-for-times), in each partition. */
  | { kind: 'time'; timestamp: number };

/** Partition → the next offset to read. */
export type Positions = Record<number, number>;

/**
 * Each partition's first offset to read for `start`. An explicit offset is clamped into the
 * partition's readable range (as group resets clamp), so one offset asked of every partition
 * works for partitions shorter than it. A time answers `timeOffsets[p]`, or the high
 * watermark where no record is that late (nothing to show yet).
 */
export function startPositions(partitions: PartitionOffsets[], start: StartSpec, pageSize: number, timeOffsets: Record<number, number | null> = {}): Positions {
  const positions: Positions = {};
  for (const p of partitions) {
    const clamp = (offset: number) => Math.min(p.highWatermark, Math.max(p.logStartOffset, offset));
    switch (start.kind) {
      case 'earliest':
        positions[p.partition] = p.logStartOffset;
        break;
      case 'latest':
        positions[p.partition] = clamp(p.highWatermark - pageSize);
        break;
      case 'offset':
        positions[p.partition] = clamp(start.offset);
        break;
      case 'time':
        positions[p.partition] = clamp(timeOffsets[p.partition] ?? p.highWatermark);
        break;
    }
  }
  return positions;
}

/**
 * Rows from several partitions in one list, each partition's rows kept in offset order:
 * a merge that takes, of the partitions' next rows, the earliest by timestamp (then the
 * lower partition). A plain sort by timestamp would not do: CreateTime is the producer's
 * clock, so within a partition timestamps may go back.
 */
export function mergeRows(pages: RecordView[][]): RecordView[] {
  if (pages.length === 1) return pages[0]!;
  const next = pages.map(() => 0);
  const rows: RecordView[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < pages.length; i++) {
      const row = pages[i]![next[i]!];
      if (!row) continue;
      const best = pick < 0 ? undefined : pages[pick]![next[pick]!]!;
      if (!best || row.timestamp < best.timestamp || (row.timestamp === best.timestamp && row.partition < best.partition)) pick = i;
    }
    if (pick < 0) return rows;
    rows.push(pages[pick]![next[pick]!]!);
    next[pick]!++;
  }
}

/** Keeps the newest `limit` rows of a live view. */
export function keepNewest<T>(rows: T[], limit: number): T[] {
  return rows.length > limit ? rows.slice(rows.length - limit) : rows;
}

/** Whether any partition has more to read past `positions`, by the high watermarks last seen. */
export function hasMore(positions: Positions, highWatermarks: Record<number, number>): boolean {
  return Object.entries(positions).some(([p, offset]) => offset < (highWatermarks[Number(p)] ?? 0));
}

/**
 * Parses the browser's datetime-local value (no zone: the browser's local time) into ms
 * since the epoch; undefined when empty or invalid.
 */
export function parseLocalDateTime(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** `work` over `items` with at most `limit` running at once; answers in `items`' order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
