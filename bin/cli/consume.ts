import { SluiceConsumer } from '../../lib/client/consumer';
import { withRetries } from '../../lib/client/retry';
import { SluiceApiError, type SluiceHttpClient } from '../../lib/client/sluice-http-client';
import type { AssignorName, FetchedRecord, PartitionOffsets, ResetPolicy } from '../../lib/client/types';
import { FETCH_MAX_RECORDS, type GlobalOptions, clientFor, watchSocket } from './common';
import { out } from './output';
import type { StartFrom } from './parsers';

/** `sluice consume` without --group: each partition read from a start offset up to its high watermark, or followed. */

/** Retries of a read that failed with a retriable error, before `consume` gives up. */
const READ_RETRIES = 4;
/** --follow without a watch URL: each partition read to the end long-polls this long (the server's maximum). */
const FOLLOW_WAIT_MS = 20_000;

export interface ConsumeOptions {
  partition?: number[];
  from: StartFrom;
  maxRecords?: number;
  follow?: boolean;
  pollIntervalMs: number;
  keySeparator?: string;
  base64?: boolean;
  group?: string;
  sessionTimeoutMs: number;
  reset?: ResetPolicy;
  assignor?: AssignorName;
  clientId?: string;
  commitIntervalMs: number;
}

/** Options of `consume` that only mean something with --group. */
export const GROUP_ONLY_OPTIONS = ['sessionTimeoutMs', 'reset', 'assignor', 'clientId', 'commitIntervalMs'] as const;

export interface Position {
  partition: number;
  next: number;
  /** Read up to here: the high watermark when consume started. */
  end: number;
}

export async function consume(topic: string, opts: ConsumeOptions, globals: GlobalOptions): Promise<void> {
  const client = clientFor(globals, await watchSocket(globals));
  const controller = new AbortController();
  const { signal } = controller;
  const stop = (): void => controller.abort();
  if (opts.follow) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  try {
    await consumeLoop(client, topic, opts, globals, signal);
  } catch (err) {
    if (!signal.aborted) throw err; // interrupted while following: a normal end
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** How `consume` prints a record fetched as base64: its value as text (or base64), or with --json one object per line. */
export function recordRenderer(topic: string, opts: ConsumeOptions, globals: GlobalOptions): (partition: number, r: FetchedRecord) => string {
  const sep = opts.keySeparator;
  const text = (value: string | null): string => (value === null ? '' : Buffer.from(value, 'base64').toString('utf8'));
  const valueText = (value: string | null): string | null => (value === null || opts.base64 ? value : text(value));
  return (partition, r) => {
    if (globals.json) {
      return `${JSON.stringify({
        topic,
        partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key === null ? null : text(r.key),
        value: valueText(r.value),
        headers: (r.headers ?? []).map((h) => ({ key: h.key, value: h.value === null ? null : text(h.value) })),
      })}\n`;
    }
    const value = valueText(r.value) ?? '';
    return sep === undefined ? `${value}\n` : `${text(r.key)}${sep}${value}\n`;
  };
}

/** The readable range of each partition: the topic offsets route, or a partition's own for any it leaves out (PARTITION_NOT_FOUND). */
export async function partitionRanges(
  client: SluiceHttpClient,
  topic: string,
  wanted: number[] | undefined,
  signal: AbortSignal,
): Promise<PartitionOffsets[]> {
  const offsets = await withRetries(() => client.listTopicOffsets(topic, { signal }), { retries: READ_RETRIES, signal });
  const known = new Map(offsets.partitions.map((p) => [p.partition, p]));
  const partitions = wanted ?? [...known.keys()].sort((a, b) => a - b);
  const ranges: PartitionOffsets[] = [];
  for (const partition of partitions) {
    ranges.push(known.get(partition) ?? (await withRetries(() => client.listOffsets(topic, partition, { signal }), { retries: READ_RETRIES, signal })));
  }
  return ranges;
}

export async function consumeLoop(
  client: SluiceHttpClient,
  topic: string,
  opts: ConsumeOptions,
  globals: GlobalOptions,
  signal: AbortSignal,
): Promise<void> {
  const wanted = opts.partition && [...new Set(opts.partition)].sort((a, b) => a - b);
  const positions: Position[] = (await partitionRanges(client, topic, wanted, signal)).map((r) => {
    let next: number;
    if (opts.from === 'earliest') next = r.logStartOffset;
    else if (opts.from === 'latest') next = r.highWatermark;
    else if (opts.from < r.logStartOffset || opts.from > r.highWatermark) {
      throw new SluiceApiError(
        416,
        'OFFSET_OUT_OF_RANGE',
        `Partition ${r.partition}: offset ${opts.from} is out of range; valid offsets are ${r.logStartOffset}..${r.highWatermark} (the high watermark)`,
        false,
        { partition: r.partition, offset: opts.from, logStartOffset: r.logStartOffset, highWatermark: r.highWatermark },
      );
    } else next = opts.from;
    return { partition: r.partition, next, end: r.highWatermark };
  });

  if (opts.follow) return follow(client, topic, positions, opts, globals, signal);
  const render = recordRenderer(topic, opts, globals);

  let remaining = opts.maxRecords ?? Infinity;
  for (const pos of positions) {
    while (pos.next < pos.end && remaining > 0 && !signal.aborted) {
      const from = pos.next;
      const maxRecords = Math.min(FETCH_MAX_RECORDS, remaining);
      const page = await withRetries(
        () => client.fetchRecords(topic, pos.partition, { offset: from, maxRecords, encoding: 'base64' }, { signal }),
        { retries: READ_RETRIES, signal },
      );
      let chunk = '';
      for (const r of page.records) {
        if (remaining <= 0 || r.offset >= pos.end) break;
        chunk += render(pos.partition, r);
        remaining--;
      }
      await out(chunk);
      pos.next = Math.max(pos.next, page.nextOffset);
      if (pos.next === from) break; // no progress
    }
  }
}

/**
 * --follow: the partitions through the client's consumer, assigned by hand (no group, no
 * commits) at the start positions, so a partition read to the end waits as a consumer
 * does: on the watch connection when there is a watch URL, else by long-poll, instead of
 * asking every partition again on a timer.
 */
async function follow(client: SluiceHttpClient, topic: string, positions: Position[], opts: ConsumeOptions, globals: GlobalOptions, signal: AbortSignal): Promise<void> {
  const consumer = new SluiceConsumer(
    client,
    {
      autoCommit: false,
      encoding: 'base64',
      waitMs: FOLLOW_WAIT_MS,
      fetchMaxRecords: FETCH_MAX_RECORDS,
      note: (message) => void process.stderr.write(globals.json ? `${JSON.stringify({ note: message })}\n` : `${message}\n`),
    },
    opts.maxRecords === undefined ? {} : { maxRecords: opts.maxRecords },
  );
  const stop = (): void => void consumer.close();
  signal.addEventListener('abort', stop, { once: true });
  const render = recordRenderer(topic, opts, globals);
  try {
    await consumer.assign(positions.map((p) => ({ topic, partition: p.partition })));
    for (const p of positions) consumer.seek({ topic, partition: p.partition }, p.next);
    for await (const batch of consumer.batches()) await out(batch.map((r) => render(r.partition, r)).join(''));
  } finally {
    signal.removeEventListener('abort', stop);
    await consumer.close();
  }
}
