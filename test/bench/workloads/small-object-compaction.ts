import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { FUNCTIONS } from '../../../infra/platform-spec';
import { compactLog, type LogCompaction } from '../../../lib/compaction/compact-log';
import { DEFAULT_COMPACTION_LIMITS, type PartitionCompaction } from '../../../lib/compaction/compact-partition';
import type { SluiceContext } from '../../../lib/core/context';
import { inParallel } from '../../../lib/core/in-parallel';
import type { RequestSnapshot } from '../../../lib/cost/request-accounting';
import { fetchRecords } from '../../../lib/log/fetch-records';
import { clearIndexPageCache } from '../../../lib/log/index-page-cache';
import { LIMITS } from '../../../lib/protocol/limits';
import { recordSize } from '../../../lib/records/log-record';
import { partitionKey } from '../../../lib/store/partition-key';
import { fromIndexItem, type SegmentIndexEntry } from '../../../lib/store/segment-index-store';
import { getTopic } from '../../../lib/topics/topic-repository';
import { BenchApi, paddedValue, produceBody } from '../api';
import type { BackgroundInvocations } from '../background';
import { addSnapshots, counted, type Measured, type Meters, type Progress } from '../measure';
import type { BenchOptions } from '../options';
import { runBounded } from '../runner';
import { summarize, type LatencySummary } from '../stats';

/**
 * Small objects before and after compaction (the issue: "for a partition written in
 * 1-record calls, the GETs and S3 bytes per MiB read from the earliest offset before and
 * after compaction, and the modeled cost of the compaction itself").
 *
 * One partition is written in 1-record produce calls (one batch in one object each), read
 * from its earliest offset to its end with the fetch the HTTP API runs (`fetchRecords`,
 * maxBytes at the API's default, maxRecords at its maximum so the bytes bound each fetch,
 * the index page cache cleared first), compacted once (`compactLog`, force, the default
 * limits but no minimum age), and read again the same way. Every storage request of the
 * reads and of the compaction is counted by the handlers' request counter (the bench calls
 * lib code on the same SDK clients, outside any background scope); the stream triggers
 * the compaction's writes wake are counted apart. Nothing here is timed against a bound.
 */

/** The fetch size of every read: the API's default maxBytes, and its largest maxRecords so maxBytes decides. */
export const READ_FETCH = { maxBytes: LIMITS.fetchMaxBytesDefault, maxRecords: LIMITS.fetchMaxRecordsMax } as const;

/** What the partition's log looks like: its index items and the objects they name. */
export interface LogShape {
  indexItems: number;
  /** Distinct objects the index items name. */
  objects: number;
  /** Record bytes the index items hold (their `recordBytes`). */
  recordBytes: number;
  /** Of the partition's objects (those named now and, after compaction, those named before), how many are in the bucket, and their bytes. */
  objectsInBucket: number;
  bytesInBucket: number;
}

/** One read of the partition from its earliest offset to the end. */
export interface ReadPass {
  fetches: number;
  records: number;
  recordBytes: number;
  firstOffset: number;
  nextOffset: number;
  /** Whether the answered offsets ran without a gap from the first to the last. */
  contiguous: boolean;
  elapsedMs: number;
  /** Each fetchRecords call, in this process: no HTTP hop, no handler middleware. */
  fetchMs: LatencySummary;
  requests?: RequestSnapshot;
  background?: Measured['background'];
}

export interface CompactionPass {
  /** The compactLog call's wall time. */
  ms: number;
  /** Until the stream triggers its writes woke were quiet (the window the counts cover). */
  windowMs: number;
  /** compactLog's tally for the partition, without the per-partition list. */
  log: Omit<LogCompaction, 'partitions'>;
  partition?: PartitionCompaction;
  requests?: RequestSnapshot;
  /** What the stream triggers did meanwhile (their writes may wake them), counted apart from the run's own requests. */
  triggered?: { functions: BackgroundInvocations['functions']; requests: RequestSnapshot };
  /** Scheduled functions that ran during the window on their own timers (not counted anywhere here). */
  scheduledMeanwhile: string[];
}

export interface SmallObjectCompactionResult {
  topic: string;
  recordBytes: number;
  produce: { records: number; calls: number; producers: number; elapsedMs: number; errors: number; errorCodes: Record<string, number> };
  limits: { targetBatchBytes: number; targetObjectBytes: number; mergeMinAgeMs: number };
  fetch: typeof READ_FETCH;
  /** Lambda memory of the fetch and compact-log functions (infra/platform-spec.ts), for pricing. */
  memoryMiB: { fetch: number; compaction: number };
  before: { shape: LogShape; read: ReadPass };
  compaction: CompactionPass;
  after: { shape: LogShape; read: ReadPass };
  /** Anything that did not go as a compaction should (said plainly in the report). */
  problems: string[];
}

/** The functions on the tables' streams. */
const STREAM_TRIGGERS = FUNCTIONS.filter((f) => f.trigger).map((f) => f.name);

const memoryOf = (name: string) => FUNCTIONS.find((f) => f.name === name)?.memoryMiB ?? 1024;

/** Background functions are quiet once none has run for this long. */
const QUIET_MS = 1000;
/** The longest the run waits for the stream triggers after compaction. */
const MAX_SETTLE_MS = 20_000;

export async function measureSmallObjectCompaction(
  api: BenchApi,
  ctx: SluiceContext | undefined,
  s3: { client: S3Client; bucket: string } | undefined,
  options: BenchOptions,
  run: string,
  meters: Meters,
  progress: Progress,
): Promise<SmallObjectCompactionResult | undefined> {
  if (!ctx || !s3) {
    progress('small-object compaction skipped: it calls compaction and fetch in this process (in-process platform only)');
    return undefined;
  }
  const { records, producers } = options.compaction;
  const topic = `bench-compaction-${run}`;
  await api.createTopic(topic, 1);
  const body = produceBody(1, 0, () => paddedValue('', options.recordBytes));
  const started = performance.now();
  const produced = await runBounded(producers, { durationMs: 30 * 60_000, maxOps: records }, async () => {
    await api.produce(topic, body);
    return { records: 1, bytes: options.recordBytes };
  });
  const produce = { records: produced.records, calls: produced.ops, producers, elapsedMs: performance.now() - started, errors: produced.errors, errorCodes: produced.errorCodes };
  progress(`small-object compaction: wrote ${produced.records} records in 1-record calls from ${producers} producer(s) (${(produce.elapsedMs / 1000).toFixed(1)} s${produced.errors ? `, ${produced.errors} errors ${JSON.stringify(produced.errorCodes)}` : ''})`);

  const { topicId } = await getTopic(ctx, topic);
  const problems: string[] = [];

  const beforeEntries = await allIndexEntries(ctx, topicId, 0);
  const beforeKeys = new Set(beforeEntries.map((entry) => entry.objectKey));
  const beforeShape = await shapeOf(s3, beforeEntries, beforeKeys);
  const beforeRead = await readFromEarliest(ctx, topic, meters);
  progress(`  before: ${beforeShape.indexItems} index items in ${beforeShape.objects} objects; read ${beforeRead.records} records in ${beforeRead.fetches} fetches (${(beforeRead.elapsedMs / 1000).toFixed(1)} s)`);

  const limits = { ...DEFAULT_COMPACTION_LIMITS, mergeMinAgeMs: 0 };
  let compacted: LogCompaction | undefined;
  let ms = 0;
  const windowStart = performance.now();
  // The stream triggers' own requests, apart from scheduled functions that happen to run meanwhile.
  const triggerCounters = STREAM_TRIGGERS.flatMap((name) => {
    const own = meters.only?.(name);
    return own ? [{ name, ...own, before: own.counter.snapshot() }] : [];
  });
  const { requests, background } = await counted(meters, async () => {
    const t0 = performance.now();
    compacted = await compactLog(ctx, { topics: [topic], force: true, limits });
    ms = performance.now() - t0;
    await settleBackground(meters);
  });
  let triggerRequests: RequestSnapshot = { services: {} };
  for (const own of triggerCounters) {
    triggerRequests = addSnapshots(triggerRequests, own.counter.diff(own.before, own.counter.snapshot()));
    own.detach();
  }
  const { partitions, ...log } = compacted!;
  const partition = partitions.find((p) => p.topic === topic && p.partition === 0);
  const functions = background?.functions ?? {};
  const compaction: CompactionPass = {
    ms,
    windowMs: performance.now() - windowStart,
    log,
    ...(partition ? { partition } : {}),
    ...(requests ? { requests } : {}),
    ...(background && triggerCounters.length
      ? { triggered: { functions: Object.fromEntries(Object.entries(functions).filter(([name]) => STREAM_TRIGGERS.includes(name))), requests: triggerRequests } }
      : {}),
    scheduledMeanwhile: Object.keys(functions).filter((name) => !STREAM_TRIGGERS.includes(name)),
  };
  progress(
    `  compaction: ${(ms / 1000).toFixed(1)} s; ${partition ? `${partition.batchesRead} batches read in ${partition.gets} GETs, ${partition.batchesWritten} written in ${partition.objectsWritten} objects, ${partition.release.batchesReleased} items released, ${partition.release.objectsDeleted} objects deleted` : 'the partition was not compacted'}`,
  );
  if (!partition) problems.push('compactLog did not compact the partition (not due, or not found)');
  else {
    if (!partition.leased) problems.push('compactLog found the partition leased by another run: nothing was done');
    if (partition.swapsRefused) problems.push(`${partition.swapsRefused} swap(s) refused (the log moved under the run)`);
    if (partition.release.failures) problems.push(`${partition.release.failures} release failure(s) left for a later run`);
  }

  const afterEntries = await allIndexEntries(ctx, topicId, 0);
  const afterShape = await shapeOf(s3, afterEntries, new Set([...beforeKeys, ...afterEntries.map((entry) => entry.objectKey)]));
  const afterRead = await readFromEarliest(ctx, topic, meters);
  progress(`  after: ${afterShape.indexItems} index items in ${afterShape.objects} objects (${afterShape.objectsInBucket} of the partition's objects in the bucket); read ${afterRead.records} records in ${afterRead.fetches} fetches`);

  if (afterRead.records !== beforeRead.records || afterRead.recordBytes !== beforeRead.recordBytes) problems.push(`the read after compaction answered ${afterRead.records} records (${afterRead.recordBytes} bytes), before ${beforeRead.records} (${beforeRead.recordBytes} bytes)`);
  if (!beforeRead.contiguous || !afterRead.contiguous) problems.push('a read answered offsets with a gap (a 1-record-per-call, delete-policy topic has none)');
  if (afterShape.indexItems >= beforeShape.indexItems) problems.push(`compaction left ${afterShape.indexItems} index items of ${beforeShape.indexItems}`);
  const afterGets = afterRead.requests?.services.S3?.GetObject?.requests;
  const beforeGets = beforeRead.requests?.services.S3?.GetObject?.requests;
  if (afterGets !== undefined && beforeGets !== undefined && afterGets >= beforeGets) problems.push(`the read after compaction made ${afterGets} GETs, before ${beforeGets}`);

  return {
    topic,
    recordBytes: options.recordBytes,
    produce,
    limits: { targetBatchBytes: limits.targetBatchBytes, targetObjectBytes: limits.targetObjectBytes, mergeMinAgeMs: limits.mergeMinAgeMs },
    fetch: READ_FETCH,
    memoryMiB: { fetch: memoryOf('fetch-records'), compaction: memoryOf('compact-log') },
    before: { shape: beforeShape, read: beforeRead },
    compaction,
    after: { shape: afterShape, read: afterRead },
    problems,
  };
}

/** Reads the partition from its earliest offset to the high watermark, counted, with the index page cache cleared first. */
async function readFromEarliest(ctx: SluiceContext, topic: string, meters: Meters): Promise<ReadPass> {
  clearIndexPageCache();
  const samples: number[] = [];
  const pass = { fetches: 0, records: 0, recordBytes: 0, firstOffset: -1, nextOffset: 0, contiguous: true };
  const started = performance.now();
  const { requests, background } = await counted(meters, async () => {
    let offset: number | undefined;
    let expected: number | undefined;
    for (;;) {
      const t0 = performance.now();
      const answer = await fetchRecords(ctx, { topic, partition: 0, ...(offset === undefined ? {} : { offset }), ...READ_FETCH });
      samples.push(performance.now() - t0);
      pass.fetches++;
      for (const record of answer.records) {
        if (pass.firstOffset < 0) pass.firstOffset = record.offset;
        if (expected !== undefined && record.offset !== expected) pass.contiguous = false;
        expected = record.offset + 1;
        pass.records++;
        pass.recordBytes += recordSize(record);
      }
      pass.nextOffset = answer.nextOffset;
      if (answer.nextOffset >= answer.highWatermark) break;
      if (offset !== undefined && answer.nextOffset <= offset) throw new Error(`fetch from ${offset} made no progress`);
      offset = answer.nextOffset;
    }
  });
  return { ...pass, elapsedMs: performance.now() - started, fetchMs: summarize(samples), ...(requests ? { requests } : {}), ...(background ? { background } : {}) };
}

/** Every index item of a partition, strongly consistent, page after page (read outside any counted window). */
async function allIndexEntries(ctx: SluiceContext, topicId: string, partition: number): Promise<SegmentIndexEntry[]> {
  const entries: SegmentIndexEntry[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tables.log,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
        ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition), ':o': 'o#' },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) entries.push(fromIndexItem(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return entries;
}

/** The log's shape from its index items, and which of `objectKeys` are in the bucket (HEAD with a client no counter sees). */
async function shapeOf(s3: { client: S3Client; bucket: string }, entries: readonly SegmentIndexEntry[], objectKeys: ReadonlySet<string>): Promise<LogShape> {
  let objectsInBucket = 0;
  let bytesInBucket = 0;
  await inParallel([...objectKeys], 16, async (key) => {
    try {
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
      objectsInBucket++;
      bytesInBucket += head.ContentLength ?? 0;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
    }
  });
  return {
    indexItems: entries.length,
    objects: new Set(entries.map((entry) => entry.objectKey)).size,
    recordBytes: entries.reduce((sum, entry) => sum + (entry.recordBytes ?? 0), 0),
    objectsInBucket,
    bytesInBucket,
  };
}

/** Waits until no background function has run for QUIET_MS (at most MAX_SETTLE_MS): the stream triggers a compaction's writes woke. */
async function settleBackground(meters: Meters): Promise<void> {
  if (!meters.work) return;
  const started = performance.now();
  let last = JSON.stringify(meters.work.snapshot());
  let quietSince = performance.now();
  while (performance.now() - started < MAX_SETTLE_MS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = JSON.stringify(meters.work.snapshot());
    if (now !== last) {
      last = now;
      quietSince = performance.now();
    } else if (performance.now() - quietSince >= QUIET_MS) return;
  }
}

