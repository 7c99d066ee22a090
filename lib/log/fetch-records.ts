import type { SluiceContext } from '../core/context';
import { CorruptRecordError, OffsetOutOfRangeError } from '../core/errors';
import { BATCH_HEADER_BYTES, decodeBatchAt } from '../format/batch-codec';
import { recordSize, type OffsetRecord } from '../records/log-record';
import { readHead, type PartitionHead } from '../store/partition-head-store';
import { partitionKey } from '../store/partition-key';
import { indexPageKeyAfter, readEntryHolding, readIndexPage, type PageKey, type SegmentIndexEntry } from '../store/segment-index-store';
import { splitCovered } from '../compaction/plan-compaction';
import { cachedEntriesFrom, forgetEntries, rememberEntries } from './index-page-cache';
import { readSegmentRange } from '../store/segment-object-store';
import { cachedTopic, refreshTopic, requirePartition } from '../topics/topic-repository';
import { countFetch, emptyStats, type FetchReadStats } from './fetch-read-stats';
import { recordMetric } from '../observability/metrics';
import { LIMITS } from '../protocol/limits';
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
  /** Ends a long-poll early (the caller went away): the fetch then answers what the head shows. */
  signal?: AbortSignal;
}

type IndexPage = Awaited<ReturnType<typeof readIndexPage>>;

export interface FetchResult {
  topic: string;
  partition: number;
  records: OffsetRecord[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  /** Present when the partition is closed (a Durable Streams stream's closure): the high watermark is final. */
  closed?: true;
}

/**
 * One stored batch as a fetch answers it in the batches format: the bytes as S3 holds them
 * (docs/design.md, "Segment objects"), with `baseOffset` written into their first eight
 * bytes (outside the CRC, as in Kafka's RecordBatch). It may hold records below the
 * offset asked for or from the answer's `nextOffset` on: a reader skips those.
 */
export interface FetchedBatch {
  baseOffset: number;
  bytes: Uint8Array;
}

/** A fetch answered as stored batches, not decoded: what a reader that decodes batches itself asks for. */
export interface FetchBatchesResult extends Omit<FetchResult, 'records'> {
  batches: FetchedBatch[];
  /** Record bytes (key, value, headers) of the batches, as `maxBytes` counts them. */
  recordBytes: number;
}

const INDEX_PAGE = 16;
/**
 * The first batch a fetch reads is answered from `offset` to its end whatever `maxBytes`
 * says, up to this many record bytes (Kafka's rule for `fetch.max.bytes`): reading a batch
 * is one ranged GET of all of it, so cutting it short would make the next fetch GET it
 * again. The bound is the largest `maxBytes`, which keeps the answer under Lambda's 6 MB.
 */
export const FIRST_BATCH_BYTES_MAX = LIMITS.fetchMaxBytesMax;
/** Objects a fetch finds gone before it stops at the first (each costs an index Query). */
const MAX_GONE_OBJECTS = 4;
/** At most this many ranged GETs of one fetch are in flight at once. */
const PARALLEL_GETS = 8;

/**
 * Reads committed records from `offset` on, in offset order. The head and the first
 * page of the index are read at once (both strongly consistent); every index item is
 * written in the transaction that moves the head over it, so whatever the index answers
 * is committed, and the reply's high watermark is never below its nextOffset. The
 * batches to GET are chosen from the index items (record counts and sizes) before any
 * is read, so no batch is read only to be thrown away, and adjacent batches of one
 * object are read with one ranged GET. `maxBytes` is soft, as Kafka's is: the batch
 * holding `offset` is answered to its end (within FIRST_BATCH_BYTES_MAX), so a reader
 * always makes progress and never GETs the same batch twice; a later batch is read only
 * if all of it fits in what is left of `maxBytes`.
 */
export async function fetchRecords(ctx: SluiceContext, input: FetchInput): Promise<FetchResult> {
  const { batches: _batches, recordBytes: _bytes, ...result } = await readLog(ctx, input, 'records');
  return result;
}

/**
 * `fetchRecords`, answered as the stored batches themselves, neither decoded nor checked:
 * the reader decodes them and checks their CRC-32C, as a Kafka consumer does. The same
 * batches are read; a batch is answered whole, and `maxRecords` and `maxBytes` are kept
 * at batch bounds (the first batch always, a later one only if it fits). `nextOffset`
 * may fall inside the last batch, where `maxRecords` ends.
 */
export async function fetchBatches(ctx: SluiceContext, input: FetchInput): Promise<FetchBatchesResult> {
  const { records: _records, ...result } = await readLog(ctx, input, 'batches');
  return result;
}

type ReadMode = 'records' | 'batches';

async function readLog(ctx: SluiceContext, input: FetchInput, mode: ReadMode): Promise<FetchResult & FetchBatchesResult> {
  let topic = await cachedTopic(ctx, input.topic);
  // The cached count may be stale (partitions added, or the topic re-created with more elsewhere): check before refusing.
  if (input.partition >= topic.partitions) topic = await refreshTopic(ctx, input.topic);
  requirePartition(topic, input.partition);
  const stats = emptyStats();
  const readPage = async (offset: number, startKey?: PageKey) => {
    stats.indexPages++;
    const read = await readIndexPage(ctx, topic.topicId, input.partition, offset, { limit: INDEX_PAGE, startKey });
    rememberEntries(topic.topicId, input.partition, read.entries, ctx.now());
    return read;
  };

  // Without an offset the log start decides where to read, so the head comes first. With
  // one this container has the index entry of (index-page-cache.ts), the first batches'
  // GETs go out beside the head read; otherwise the index page does.
  let page: IndexPage | undefined;
  let head: PartitionHead;
  let prefetched: { window: SegmentIndexEntry[]; batches: Promise<(Uint8Array | undefined)[]> } | undefined;
  const cached = input.offset === undefined ? undefined : cachedEntriesFrom(topic.topicId, input.partition, input.offset, ctx.now());
  if (cached && input.offset !== undefined) {
    page = { entries: cached, nextKey: indexPageKeyAfter(topic.topicId, input.partition, cached.at(-1)!) };
    const window = batchesNeeded(cached, 0, { next: input.offset, recordsLeft: input.maxRecords, bytesLeft: input.maxBytes, answered: 0 });
    const batches = readBatches(ctx, window, stats);
    // Awaited below, unless the head says the offset is out of range: then nobody will.
    batches.catch(() => undefined);
    prefetched = { window, batches };
    head = await readHead(ctx, topic.topicId, input.partition);
  } else if (input.offset === undefined) head = await readHead(ctx, topic.topicId, input.partition);
  else [head, page] = await Promise.all([readHead(ctx, topic.topicId, input.partition), readPage(input.offset)]);
  const offset = input.offset ?? head.logStartOffset;
  if (offset < head.logStartOffset || offset > head.nextOffset) throw new OffsetOutOfRangeError(offset, head.logStartOffset, head.nextOffset);
  // The page read beside the head helps only if it starts with the batch holding `offset`.
  // If it does not, it may have been read before commits the head covers (or retention
  // released the batch): below, the index is read again after the head, as the hole
  // rules need.
  if (page && !(page.entries[0] && page.entries[0].baseOffset <= offset)) page = undefined;
  if (!page && offset === head.nextOffset && input.waitMs && head.closedAt === undefined) head = await waitForCommit(ctx, topic.topicId, input.partition, offset, input.waitMs, input.signal);
  if (!page && offset < head.nextOffset) page = await readPage(offset);
  const logStartOffset = head.logStartOffset;

  const records: OffsetRecord[] = [];
  const answered: FetchedBatch[] = [];
  /** Records answered: the decoded ones, or (batches) an upper bound of the offsets the batches answer. */
  let count = 0;
  let bytes = 0;
  let full = false;
  /** Where the fetch found a hole: the first offset after it. */
  let resumeAt: number | undefined;
  let next = offset;
  /** Objects found gone: their batches were compacted into others, or released by retention. */
  const gone = new Set<string>();
  /** Offsets at which the fetch looked for an item holding them past an apparent hole. */
  const soughtAt = new Set<number>();
  while (page && !full && resumeAt === undefined) {
    // Items a later item of the page covers were replaced by compaction: read the later one.
    const entries = splitCovered(gone.size === 0 ? page.entries : page.entries.filter((entry) => !gone.has(entry.objectKey))).live;
    let reread = false;
    let holding: SegmentIndexEntry | undefined;
    for (let i = 0; i < entries.length && !full && resumeAt === undefined && !reread; ) {
      // An item wholly below `next` is one compaction replaced by a later, covering item
      // that was read already (both exist until the old one is released): skip it.
      if (entries[i]!.lastOffset < next) {
        i++;
        continue;
      }
      // Offsets are gapless, so a batch starting past `next` means retention released what
      // lies between: stop before it, never skip over it.
      const window = batchesNeeded(entries, i, { next, recordsLeft: input.maxRecords - count, bytesLeft: input.maxBytes - bytes, answered: count });
      if (window.length === 0) {
        if (entries[i]!.baseOffset > next && count < input.maxRecords) {
          // A hole here may be compaction's release in progress (the covering item lies
          // further on, past this page): look for an item holding `next` once.
          if (!soughtAt.has(next)) {
            soughtAt.add(next);
            stats.indexPages++;
            holding = await readEntryHolding(ctx, topic.topicId, input.partition, next, gone);
            if (holding) break;
          }
          resumeAt = entries[i]!.baseOffset;
        } else full = true;
        break;
      }
      i += window.length;
      // The first window is the one read beside the head, when it was (the same position picks the same batches).
      const batches = prefetched && sameWindow(prefetched.window, window) ? await prefetched.batches : await readBatches(ctx, window, stats);
      prefetched = undefined;
      for (const [w, batch] of batches.entries()) {
        const entry = window[w]!;
        // The first batch answered may pass maxBytes (see FIRST_BATCH_BYTES_MAX); later ones may not.
        const byteLimit = count === 0 ? Math.max(input.maxBytes, FIRST_BATCH_BYTES_MAX) : input.maxBytes;
        // The object is gone: compaction replaced the batch, or retention released it. Read
        // the index again from here without it (a bounded number of times): a covering item
        // takes its place, or the fetch meets the hole retention left.
        if (batch === undefined) {
          if (gone.size >= MAX_GONE_OBJECTS) {
            resumeAt = entry.lastOffset + 1;
            break;
          }
          gone.add(entry.objectKey);
          reread = true;
          break;
        }
        if (mode === 'batches') {
          // Whole, or not at all. Offsets are unique, so the offsets from `next` to `end`
          // hold at most `recordsLeft` records (fewer where compaction left holes).
          const size = entry.recordBytes ?? entry.byteLength;
          if (count >= input.maxRecords || (count > 0 && bytes + size > byteLimit)) {
            full = true;
            break;
          }
          const end = Math.min(entry.lastOffset + 1, next + (input.maxRecords - count));
          answered.push({ baseOffset: entry.baseOffset, bytes: withBaseOffset(batch, entry.baseOffset) });
          stats.segmentBytesServed += entry.byteLength;
          count += recordsHeld(entry, batch, next, end);
          bytes += size;
          next = end;
          if (end <= entry.lastOffset) {
            full = true;
            break;
          }
          continue;
        }
        let served = false;
        for (const record of decodeBatchAt(batch, entry.baseOffset)) {
          if (record.offset < next) continue;
          const size = recordSize(record);
          if (records.length >= input.maxRecords || (records.length > 0 && bytes + size > byteLimit)) {
            full = true;
            break;
          }
          records.push(record);
          bytes += size;
          next = record.offset + 1;
          served = true;
        }
        count = records.length;
        if (served) stats.segmentBytesServed += entry.byteLength;
        if (full) break;
        // Read to its end: compaction may have left offsets past its last record, which
        // the fetch moves over (Kafka readers see this only through the offsets answered).
        next = Math.max(next, entry.lastOffset + 1);
      }
    }
    if (holding) {
      page = { entries: [holding], nextKey: indexPageKeyAfter(topic.topicId, input.partition, holding) };
      continue;
    }
    if (reread) {
      forgetEntries(topic.topicId, input.partition);
      page = await readPage(next);
      continue;
    }
    // At the high watermark the head showed, the answer is whole: everything below it is
    // indexed, and what was committed since need not be looked for (a tailing reader would
    // otherwise pay a Query per fetch for nothing).
    if (full || resumeAt !== undefined || !page.nextKey || next >= head.nextOffset) break;
    // Paged from the fetch's own offset throughout: the store keeps the key condition fixed.
    page = await readPage(offset, page.nextKey);
  }
  // Every offset below the head's high watermark has an index item when the head is read;
  // one missing now was released by retention since. What was read up to it is contiguous
  // and is answered; with nothing read, the fetch is out of range, as a fresh one would be.
  if (!full && next < head.nextOffset && next === offset) await throwReleased(ctx, topic.topicId, input.partition, offset, resumeAt ?? head.nextOffset);
  stats.fetches = 1;
  stats.recordsServed = count;
  stats.recordBytesServed = bytes;
  countFetch(stats);
  recordMetric('RecordsFetched', 'Count', count);
  recordMetric('BytesFetched', 'Bytes', bytes);
  // Index items read beside the head may be of commits after it: committed all the same.
  return {
    topic: topic.name,
    partition: input.partition,
    records,
    batches: answered,
    recordBytes: bytes,
    nextOffset: next,
    highWatermark: Math.max(head.nextOffset, next),
    logStartOffset,
    ...(head.closedAt === undefined ? {} : { closed: true as const }),
  };
}

function sameWindow(a: readonly SegmentIndexEntry[], b: readonly SegmentIndexEntry[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry === b[i]);
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
async function waitForCommit(ctx: SluiceContext, topicId: string, partition: number, offset: number, waitMs: number, signal?: AbortSignal) {
  const deadline = ctx.now() + waitMs;
  let interval = 25;
  for (;;) {
    const remaining = deadline - ctx.now();
    if (remaining <= 0 || signal?.aborted) return readHead(ctx, topicId, partition);
    await ctx.sleep(Math.min(interval, remaining));
    interval = Math.min(interval * 2, 250);
    const head = await readHead(ctx, topicId, partition);
    // A closed partition gets nothing more: waiting on would only run out the clock.
    if (head.nextOffset > offset || head.closedAt !== undefined) return head;
  }
}

/** Where a fetch stands when it picks the next batches to read. */
export interface FetchPosition {
  /** The next offset to answer. */
  next: number;
  recordsLeft: number;
  /** Record bytes left under maxBytes (negative once the first record alone passed it). */
  bytesLeft: number;
  /** Records answered so far: the first is answered whatever its size. */
  answered: number;
}

/**
 * The batches from `entries[from]` on that the fetch surely needs, decided from the index
 * items before any is read: the first batch always (it is answered whatever its size),
 * and after it a batch while records are wanted and all of it fits in the bytes left (or,
 * when the records wanted end inside it, its first record does). When the items
 * cannot tell (a batch read from its middle, or items written before record sizes were
 * recorded), it answers the batches up to there; the caller reads them and asks again
 * with exact figures. Stops before a hole (a batch that does not start where the previous
 * ended), so nothing past it is read. An empty answer: nothing more is needed, or
 * `entries[from]` starts past `position.next` (a hole).
 */
export function batchesNeeded(entries: readonly SegmentIndexEntry[], from: number, position: FetchPosition): SegmentIndexEntry[] {
  const window: SegmentIndexEntry[] = [];
  let expected = position.next;
  let records = 0;
  /** An upper bound of the record bytes of the batches chosen so far, from `next` on; exact while `exact`. */
  let bytes = 0;
  let exact = true;
  for (let i = from; i < entries.length && window.length < INDEX_PAGE; i++) {
    const entry = entries[i]!;
    if (entry.baseOffset > expected) break;
    // Covered by what is chosen (a compacted item and the old ones it replaces both exist for a while).
    if (entry.lastOffset < expected) break;
    const whole = entry.baseOffset >= position.next;
    if (position.answered + window.length > 0) {
      if (records >= position.recordsLeft) break;
      // A later batch is read only if what the fetch would answer of it fits: all of it, or,
      // when maxRecords ends inside it, at least its first record (the rest is cut after reading).
      const endsInside = records + entry.recordCount > position.recordsLeft;
      const needed = !whole ? undefined : endsInside ? entry.firstRecordBytes : entry.recordBytes;
      const fits = needed !== undefined && bytes + needed <= position.bytesLeft;
      if (!fits && (exact && needed !== undefined)) break;
      // Unknown: read what is chosen, then decide on exact figures; with nothing chosen, read it to learn.
      if (!fits && window.length > 0) break;
    }
    window.push(entry);
    // Whole: its record count (fewer than its offsets after compaction); else at most its offsets from `next`.
    records += whole ? entry.recordCount : entry.lastOffset + 1 - position.next;
    if (entry.recordBytes === undefined) exact = false;
    else {
      bytes += entry.recordBytes;
      if (!whole) exact = false;
    }
    expected = entry.lastOffset + 1;
  }
  return window;
}

/**
 * Each batch's stored bytes (undefined when its object is gone: released by retention and
 * collected). Adjacent batches of one object are read with one ranged GET; the GETs run
 * up to PARALLEL_GETS at a time.
 */
async function readBatches(ctx: SluiceContext, window: readonly SegmentIndexEntry[], stats: FetchReadStats): Promise<(Uint8Array | undefined)[]> {
  const runs: SegmentIndexEntry[][] = [];
  for (const entry of window) {
    const run = runs.at(-1);
    const last = run?.at(-1);
    if (run && last && last.objectKey === entry.objectKey && last.byteStart + last.byteLength === entry.byteStart) run.push(entry);
    else runs.push([entry]);
  }
  const read = async (run: SegmentIndexEntry[]) => {
    const start = run[0]!.byteStart;
    const length = run.reduce((sum, entry) => sum + entry.byteLength, 0);
    stats.segmentGets++;
    stats.segmentBytesRead += length;
    const bytes = await readSegmentRange(ctx, run[0]!.objectKey, start, length);
    return run.map((entry) => {
      if (!bytes) return undefined;
      return bytes.subarray(entry.byteStart - start, entry.byteStart - start + entry.byteLength);
    });
  };
  const results: (Uint8Array | undefined)[][] = [];
  for (let i = 0; i < runs.length; i += PARALLEL_GETS) results.push(...(await Promise.all(runs.slice(i, i + PARALLEL_GETS).map(read))));
  return results.flat();
}

/**
 * How many of a batch's records lie in [from, end): every offset holds one unless
 * compaction left holes. A compacted batch read from its middle is decoded to count them,
 * so that one whose records there are all gone counts none, as fetchRecords would answer
 * none from it: the fetch then reads on as if nothing were answered yet (a reader asking
 * inside a trailing hole gets the next record kept, not an empty answer).
 */
function recordsHeld(entry: SegmentIndexEntry, batch: Uint8Array, from: number, end: number): number {
  const compacted = entry.recordCount < entry.lastOffset + 1 - entry.baseOffset;
  if (!compacted) return end - from;
  if (entry.baseOffset >= from) return Math.min(entry.recordCount, end - from);
  return decodeBatchAt(batch, entry.baseOffset).filter((r) => r.offset >= from && r.offset < end).length;
}

/** The batch with its real base offset in its first eight bytes (stored as 0: offsets are assigned at commit). Writes into the GET's own buffer. */
function withBaseOffset(batch: Uint8Array, baseOffset: number): Uint8Array {
  if (batch.byteLength < BATCH_HEADER_BYTES) throw new CorruptRecordError(`A stored batch of ${batch.byteLength} bytes is shorter than its ${BATCH_HEADER_BYTES}-byte header`, { byteLength: batch.byteLength });
  new DataView(batch.buffer, batch.byteOffset, batch.byteLength).setBigInt64(0, BigInt(baseOffset));
  return batch;
}
