import type { SluiceContext } from '../core/context';
import { OffsetOutOfRangeError } from '../core/errors';
import { decodeBatch } from '../format/batch-codec';
import { recordSize, type OffsetRecord } from '../records/log-record';
import { readHead } from '../store/partition-head-store';
import { partitionKey } from '../store/partition-key';
import { readIndexPage, type PageKey, type SegmentIndexEntry } from '../store/segment-index-store';
import { readSegmentRange } from '../store/segment-object-store';
import { getTopic, requirePartition } from '../topics/topic-repository';
import { recordMetric } from '../observability/metrics';
import { logLine } from '../observability/log-sink';

export interface FetchInput {
  topic: string;
  partition: number;
  /** Defaults to the log start offset. */
  offset?: number;
  maxRecords: number;
  maxBytes: number;
  /** Long-poll: at the high watermark, wait up to this long for a commit before answering. */
  waitMs?: number;
}

export interface FetchResult {
  topic: string;
  partition: number;
  records: OffsetRecord[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

const INDEX_PAGE = 16;
const PARALLEL_GETS = 4;

/**
 * Reads committed records from `offset` on, in offset order. It reads the head
 * first and never returns anything at or past that high watermark, so only fully
 * committed batches are seen. The first record is returned even if it alone is
 * larger than `maxBytes`, so a reader always makes progress.
 */
export async function fetchRecords(ctx: SluiceContext, input: FetchInput): Promise<FetchResult> {
  const topic = await getTopic(ctx, input.topic);
  requirePartition(topic, input.partition);
  let head = await readHead(ctx, topic.topicId, input.partition);
  const offset = input.offset ?? head.logStartOffset;
  if (offset < head.logStartOffset || offset > head.nextOffset) throw new OffsetOutOfRangeError(offset, head.logStartOffset, head.nextOffset);
  if (offset === head.nextOffset && input.waitMs) head = await waitForCommit(ctx, topic.topicId, input.partition, offset, input.waitMs);
  const highWatermark = head.nextOffset;
  const logStartOffset = head.logStartOffset;

  const records: OffsetRecord[] = [];
  let bytes = 0;
  let full = false;
  /** Where the fetch found a hole: the first offset after it. */
  let resumeAt: number | undefined;
  let startKey: PageKey | undefined;
  let next = offset;
  while (!full && resumeAt === undefined && next < highWatermark) {
    // Paged from the fetch's own offset throughout: the store keeps the key condition fixed.
    const page = await readIndexPage(ctx, topic.topicId, input.partition, offset, { limit: INDEX_PAGE, startKey });
    const entries = page.entries.filter((e) => e.baseOffset < highWatermark);
    for (let i = 0; i < entries.length && !full && resumeAt === undefined; ) {
      const window = readAhead(entries, i, input.maxRecords - records.length, input.maxBytes - bytes, next);
      i += window.length;
      const batches = await Promise.all(window.map((entry) => readBatch(ctx, entry)));
      for (const [w, batch] of batches.entries()) {
        // Offsets are gapless, so a batch starting past `next`, or one whose object is gone,
        // means retention released what lies between: stop before it, never skip over it.
        const entry = window[w]!;
        if (entry.baseOffset > next || batch === undefined) {
          resumeAt = entry.baseOffset > next ? entry.baseOffset : entry.lastOffset + 1;
          break;
        }
        for (const record of batch) {
          if (record.offset < next || record.offset >= highWatermark) continue;
          const size = recordSize(record);
          if (records.length >= input.maxRecords || (records.length > 0 && bytes + size > input.maxBytes)) {
            full = true;
            break;
          }
          records.push(record);
          bytes += size;
          next = record.offset + 1;
        }
        if (full) break;
      }
    }
    startKey = page.nextKey;
    if (!startKey) break;
  }
  // Every offset below the high watermark has an index item when the head is read; one
  // missing now was released by retention since. What was read up to it is contiguous and
  // is answered; with nothing read, the fetch is out of range, as a fresh one would be.
  if (!full && next < highWatermark && records.length === 0) await throwReleased(ctx, topic.topicId, input.partition, offset, resumeAt ?? highWatermark);
  recordMetric('RecordsFetched', 'Count', records.length);
  recordMetric('BytesFetched', 'Bytes', bytes);
  return { topic: topic.name, partition: input.partition, records, nextOffset: next, highWatermark, logStartOffset };
}

/**
 * The answer to a fetch that found nothing at `offset` although the head it had read
 * said the offset was readable: retention moved the log start past it since, and
 * released the batches below. The head, read again, gives the new range. (Retention
 * moves the head before it releases anything, so the new log start is past `offset`.
 * Should it not be, some index item or object went missing without retention: the
 * answer is still out of range, from `resumeAt`, the first offset after the hole, so a
 * reader moves on rather than asking again forever, and the anomaly is logged.)
 */
async function throwReleased(ctx: SluiceContext, topicId: string, partition: number, offset: number, resumeAt: number): Promise<never> {
  const head = await readHead(ctx, topicId, partition);
  if (head.logStartOffset > offset) throw new OffsetOutOfRangeError(offset, head.logStartOffset, head.nextOffset);
  logLine({ level: 'ERROR', message: 'fetch found offsets missing above the log start', partitionKey: partitionKey(topicId, partition), offset, logStartOffset: head.logStartOffset, resumeAt });
  throw new OffsetOutOfRangeError(offset, resumeAt, Math.max(head.nextOffset, resumeAt));
}

/**
 * Polls the partition head (one strongly consistent read each time) until its high
 * watermark passes `offset` or the wait is over. The interval starts short, so a
 * record committed just after the fetch arrives is answered quickly, and grows to
 * bound the read cost of idle waiters.
 */
async function waitForCommit(ctx: SluiceContext, topicId: string, partition: number, offset: number, waitMs: number) {
  const deadline = ctx.now() + waitMs;
  let interval = 25;
  for (;;) {
    const remaining = deadline - ctx.now();
    if (remaining <= 0) return readHead(ctx, topicId, partition);
    await ctx.sleep(Math.min(interval, remaining));
    interval = Math.min(interval * 2, 250);
    const head = await readHead(ctx, topicId, partition);
    if (head.nextOffset > offset) return head;
  }
}

/**
 * The next batches to read in parallel: up to PARALLEL_GETS, but no more than the
 * index items say are needed to fill the remaining records and bytes, so a fetch does
 * not GET batches it would then throw away. Always at least one.
 */
function readAhead(entries: readonly SegmentIndexEntry[], from: number, recordsLeft: number, bytesLeft: number, next: number): SegmentIndexEntry[] {
  const window: SegmentIndexEntry[] = [];
  let records = 0;
  let bytes = 0;
  for (let i = from; i < entries.length && window.length < PARALLEL_GETS; i++) {
    if (window.length > 0 && (records >= recordsLeft || bytes >= bytesLeft)) break;
    const entry = entries[i]!;
    window.push(entry);
    records += entry.lastOffset + 1 - Math.max(entry.baseOffset, next);
    // The stored batch (compressed or not) approximates the record bytes it holds.
    bytes += entry.byteLength;
  }
  return window;
}

/** The batch's records, or undefined when its object is gone (released by retention and collected). */
async function readBatch(ctx: SluiceContext, entry: SegmentIndexEntry): Promise<OffsetRecord[] | undefined> {
  const bytes = await readSegmentRange(ctx, entry.objectKey, entry.byteStart, entry.byteLength);
  return bytes && decodeBatch(bytes).map((record, i) => ({ ...record, offset: entry.baseOffset + i }));
}
