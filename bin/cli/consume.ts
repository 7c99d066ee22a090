import { SluiceConsumer } from '../../lib/client/consumer';
import { withRetries } from '../../lib/client/retry';
import type { SluiceHttpClient } from '../../lib/client/sluice-http-client';
import type { AssignorName, PartitionOffsets, ResetPolicy } from '../../lib/client/types';
import { FETCH_MAX_RECORDS, type GlobalOptions, clientFor, watchSocket } from './common';
import { type StartPosition, type StopPosition, endOffset, pastStop, startOffset } from './consume-positions';
import { out } from './output';
import { type Progress, startProgress } from './progress';
import { type PrintableRecord, type RecordFormat, formatRenderer, jsonRecord, recordBytes, textRenderer } from './record-format';

/** `sluice consume` without --group: each partition read from a start offset up to its high watermark (or `--to`), or followed. */

/** Retries of a read that failed with a retriable error, before `consume` gives up. */
const READ_RETRIES = 4;
/** --follow without a watch URL: each partition read to the end long-polls this long (the server's maximum). */
const FOLLOW_WAIT_MS = 20_000;

export interface ConsumeOptions {
  /** `-t`: topics besides those given as arguments. */
  topic?: string[];
  partition?: number[];
  from: StartPosition;
  to?: StopPosition;
  maxRecords?: number;
  follow?: boolean;
  pollIntervalMs: number;
  keySeparator?: string;
  printKey?: boolean;
  printTimestamp?: boolean;
  printHeaders?: boolean;
  printPartition?: boolean;
  printOffset?: boolean;
  format?: RecordFormat;
  base64?: boolean;
  /** Undefined: on when stderr is a terminal and stdout is not. */
  progress?: boolean;
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
  topic: string;
  partition: number;
  next: number;
  /** Read up to here (exclusive): the high watermark when consume started, or `--to`'s offset. */
  end: number;
}

export async function consume(topics: string[], opts: ConsumeOptions, globals: GlobalOptions): Promise<void> {
  const client = clientFor(globals, await watchSocket(globals));
  const controller = new AbortController();
  const { signal } = controller;
  const stop = (): void => controller.abort();
  if (opts.follow) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  const report = consumeReport(topics, opts, globals);
  try {
    await consumeLoop(client, topics, opts, globals, signal, report);
  } catch (err) {
    if (!signal.aborted) throw err; // interrupted while following: a normal end
  } finally {
    report.progress.done();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** How a consume tells its progress and its notes (rebalances, retries) on stderr. */
export interface ConsumeReport {
  progress: Progress;
  note: (message: string) => void;
}

/**
 * Progress is on with --progress, off with --no-progress, and otherwise on when stderr
 * is a terminal and stdout is not (`consume t > file`): when both are the same screen,
 * the redrawn status line would land among the records printed there.
 */
export function progressEnabled(asked: boolean | undefined, terminals: { stdout: boolean; stderr: boolean }): boolean {
  return asked ?? (terminals.stderr && !terminals.stdout);
}

export function consumeReport(topics: string[], opts: ConsumeOptions, globals: GlobalOptions): ConsumeReport {
  const enabled = progressEnabled(opts.progress, { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true });
  const progress = startProgress({ label: `consume ${topics.join(',')}`, enabled });
  const note = (message: string): void => {
    if (globals.json) process.stderr.write(`${JSON.stringify({ note: message })}\n`);
    else if (enabled) progress.note(message);
    else process.stderr.write(`${message}\n`);
  };
  return { progress, note };
}

/** How `consume` prints a record fetched as base64: --json, a --format, or text with the fields asked for. */
export function recordRenderer(opts: ConsumeOptions, globals: GlobalOptions): (r: PrintableRecord) => Buffer {
  const base64Values = opts.base64 === true;
  if (globals.json) return (r) => Buffer.from(`${JSON.stringify(jsonRecord(r, { base64Values }))}\n`);
  if (opts.format) return formatRenderer(opts.format, { base64Values });
  return textRenderer({
    timestamp: opts.printTimestamp,
    partition: opts.printPartition,
    offset: opts.printOffset,
    headers: opts.printHeaders,
    key: opts.printKey === true || opts.keySeparator !== undefined,
    ...(opts.keySeparator !== undefined && { separator: opts.keySeparator }),
    base64Values,
  });
}

/** Prints records and counts them in the progress display. */
async function print(records: PrintableRecord[], render: (r: PrintableRecord) => Buffer, progress: Progress): Promise<void> {
  if (records.length === 0) return;
  await out(Buffer.concat(records.map(render)));
  progress.update({ records: records.length, bytes: records.reduce((sum, r) => sum + recordBytes(r), 0) });
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

/** Where each partition of each topic starts and ends; all resolved before anything is printed, so a bad --from prints nothing. */
async function positionsOf(client: SluiceHttpClient, topics: string[], opts: ConsumeOptions, signal: AbortSignal): Promise<Position[]> {
  const wanted = opts.partition && [...new Set(opts.partition)].sort((a, b) => a - b);
  const positions: Position[] = [];
  for (const topic of topics) {
    for (const range of await partitionRanges(client, topic, wanted, signal)) {
      const offsetForTime = async (timestamp: number): Promise<number | null> =>
        (await withRetries(() => client.offsetForTime(topic, range.partition, timestamp, { signal }), { retries: READ_RETRIES, signal })).offset;
      const next = await startOffset(opts.from, topic, range, offsetForTime);
      positions.push({ topic, partition: range.partition, next, end: endOffset(opts.to, range, opts.follow === true) });
    }
  }
  return positions;
}

export async function consumeLoop(
  client: SluiceHttpClient,
  topics: string[],
  opts: ConsumeOptions,
  globals: GlobalOptions,
  signal: AbortSignal,
  report: ConsumeReport,
): Promise<void> {
  const positions = await positionsOf(client, topics, opts, signal);
  if (opts.follow) return follow(client, positions, opts, globals, signal, report);
  const render = recordRenderer(opts, globals);

  let remaining = opts.maxRecords ?? Infinity;
  for (const pos of positions) {
    let stopped = false;
    while (!stopped && pos.next < pos.end && remaining > 0 && !signal.aborted) {
      const from = pos.next;
      const maxRecords = Math.min(FETCH_MAX_RECORDS, remaining, pos.end - from);
      const page = await withRetries(
        () => client.fetchRecords(pos.topic, pos.partition, { offset: from, maxRecords, encoding: 'base64' }, { signal }),
        { retries: READ_RETRIES, signal },
      );
      const printed: PrintableRecord[] = [];
      for (const r of page.records) {
        if (remaining <= 0) break;
        if (pastStop(r, pos.end, opts.to)) {
          stopped = true;
          break;
        }
        printed.push({ ...r, topic: pos.topic, partition: pos.partition });
        remaining--;
      }
      await print(printed, render, report.progress);
      pos.next = Math.max(pos.next, page.nextOffset);
      if (pos.next === from) break; // no progress
    }
  }
}

/**
 * --follow: the partitions through the client's consumer, assigned by hand (no group, no
 * commits) at the start positions, so a partition read to the end waits as a consumer
 * does: on the watch connection when there is a watch URL, else by long-poll (one request
 * per partition held at the tail for up to FOLLOW_WAIT_MS), instead of asking every
 * partition again on a timer. With --to, a partition that reaches its stop is paused, and
 * consume ends once every partition has.
 */
async function follow(client: SluiceHttpClient, positions: Position[], opts: ConsumeOptions, globals: GlobalOptions, signal: AbortSignal, report: ConsumeReport): Promise<void> {
  const open = new Map(positions.filter((p) => p.next < p.end).map((p) => [`${p.topic}/${p.partition}`, p]));
  if (open.size === 0) return;
  const consumer = new SluiceConsumer(
    client,
    { autoCommit: false, encoding: 'base64', waitMs: FOLLOW_WAIT_MS, fetchMaxRecords: FETCH_MAX_RECORDS, note: report.note },
    opts.maxRecords === undefined ? {} : { maxRecords: opts.maxRecords },
  );
  const stop = (): void => void consumer.close();
  signal.addEventListener('abort', stop, { once: true });
  const render = recordRenderer(opts, globals);
  try {
    await consumer.assign([...open.values()].map((p) => ({ topic: p.topic, partition: p.partition })));
    for (const p of open.values()) consumer.seek(p, p.next);
    for await (const batch of consumer.batches()) {
      // A batch is one partition's; a partition already stopped may still hand out one fetched before its pause.
      const pos = open.get(`${batch[0]!.topic}/${batch[0]!.partition}`);
      if (!pos) continue;
      const cut = batch.findIndex((r) => pastStop(r, pos.end, opts.to));
      await print(cut < 0 ? batch : batch.slice(0, cut), render, report.progress);
      if (cut >= 0 || batch.at(-1)!.offset + 1 >= pos.end) {
        consumer.pause([pos]);
        open.delete(`${pos.topic}/${pos.partition}`);
        if (open.size === 0) break;
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    await consumer.close();
  }
}
