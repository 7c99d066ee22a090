import { callCost, callProfileFromCounts, requestUnitsFromCounts, usdPerGib, type CostBreakdown } from '../../lib/cost/cost-model';
import { GIB, MIB } from '../../lib/cost/prices';
import { countsOf, operationRows, totalCounts, type RequestSnapshot } from '../../lib/cost/request-accounting';

/**
 * The arithmetic of the small-object compaction workload (workloads/small-object-compaction.ts):
 * a read of a partition from its earliest offset as requests per MiB, and the compaction
 * run priced with the cost model. Pure, so it is unit-tested.
 */

/** DynamoDB operations that read (every other DynamoDB operation Sluice uses writes). */
const DYNAMO_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** A read of a partition from its earliest offset to its end, as counted. */
export interface ReadCounts {
  fetches: number;
  records: number;
  /** Record bytes answered (keys, values and headers: `recordSize`, what maxBytes counts). */
  recordBytes: number;
  /** Mean time of one fetch, priced as Lambda duration. */
  fetchMs: number;
  /** Lambda memory of the fetch function. */
  memoryMiB: number;
  requests: RequestSnapshot;
}

export interface ReadFigures {
  mib: number;
  getsPerMib: number;
  /** Bytes S3 returned per MiB of records answered. */
  s3BytesPerMib: number;
  /** The same as a ratio: S3 bytes per record byte. */
  s3BytesPerByte: number;
  dynamoReadsPerMib: number;
  /** DynamoDB read request units per MiB as AWS bills them (lib/cost/cost-model.ts). */
  readUnitsPerMib: number;
  /** Every S3 and DynamoDB request per fetch. */
  requestsPerFetch: number;
  /** What reading a GiB this way costs: API Gateway, Lambda, S3 and DynamoDB (`usdPerGib` of the fetches' mean profile). */
  usdPerGib: CostBreakdown;
}

export function readFigures(read: ReadCounts): ReadFigures {
  const mib = read.recordBytes / MIB;
  const per = (n: number) => (mib > 0 ? n / mib : Number.NaN);
  const get = countsOf(read.requests, 'S3', 'GetObject');
  const profile = callProfileFromCounts(read.requests, Math.max(1, read.fetches), {
    records: read.records / Math.max(1, read.fetches),
    payloadBytes: read.recordBytes / Math.max(1, read.fetches),
    httpRequestBytes: 0,
    lambdaMs: read.fetchMs,
    lambdaMemoryMiB: read.memoryMiB,
  });
  return {
    mib,
    getsPerMib: per(get.requests),
    s3BytesPerMib: per(get.bytesReceived),
    s3BytesPerByte: read.recordBytes > 0 ? get.bytesReceived / read.recordBytes : Number.NaN,
    dynamoReadsPerMib: per(dynamoReads(read.requests)),
    readUnitsPerMib: per(requestUnitsFromCounts(read.requests).readRequestUnits),
    requestsPerFetch: read.fetches > 0 ? totalCounts(read.requests).requests / read.fetches : Number.NaN,
    usdPerGib: read.recordBytes > 0 ? usdPerGib(profile) : { total: Number.NaN, lines: {} },
  };
}

/** DynamoDB read requests (GetItem, BatchGetItem, Query, Scan, TransactGetItems) in a snapshot. */
export function dynamoReads(snapshot: RequestSnapshot): number {
  return operationRows(snapshot)
    .filter((row) => row.service === 'DynamoDB' && DYNAMO_READS.has(row.operation))
    .reduce((sum, row) => sum + row.requests, 0);
}

/** DynamoDB write requests (everything but the reads above), transactions included. */
export function dynamoWrites(snapshot: RequestSnapshot): number {
  return operationRows(snapshot)
    .filter((row) => row.service === 'DynamoDB' && !DYNAMO_READS.has(row.operation))
    .reduce((sum, row) => sum + row.requests, 0);
}

/** One compaction run as counted: its own requests and time, and the stream triggers its writes woke. */
export interface CompactionCounts {
  requests: RequestSnapshot;
  /** Wall time of the run, priced as one invocation of the compact-log function. */
  ms: number;
  memoryMiB: number;
  /** Record bytes the run compacted: what "per GiB compacted" divides by. */
  compactedBytes: number;
  /** Functions on the tables' streams its writes invoked, with their requests (counted apart). */
  triggered?: { invocations: number; gbMs: number; requests: RequestSnapshot };
}

export interface CompactionCost {
  /** The run itself: one scheduled invocation (no API Gateway), its requests and duration. */
  run: CostBreakdown;
  /** The stream triggers its writes woke: their invocations, duration and requests. */
  triggered: CostBreakdown;
  total: number;
  /** `total` per GiB of record bytes compacted. */
  perGib: number;
  /** The run alone per GiB compacted. */
  runPerGib: number;
}

/**
 * The compaction's modeled cost with the same prices and counting as the rest of the
 * bench: S3 GETs and PUTs (DELETEs are free), DynamoDB units as AWS bills them (2 WRU per
 * transaction item), and Lambda as a scheduled function, like the idle bill's retention run.
 */
export function compactionCost(counts: CompactionCounts): CompactionCost {
  const run = callCost(
    callProfileFromCounts(counts.requests, 1, { records: 0, payloadBytes: counts.compactedBytes, httpRequestBytes: 0, lambdaMs: counts.ms, lambdaMemoryMiB: counts.memoryMiB, apiGateway: false }),
  );
  const t = counts.triggered;
  const triggered = t
    ? callCost(
        callProfileFromCounts(t.requests, 1, {
          records: 0,
          payloadBytes: counts.compactedBytes,
          httpRequestBytes: 0,
          apiGateway: false,
          lambdaInvocations: t.invocations,
          // GB-weighted milliseconds per invocation, priced at 1,024 MiB: one memory size for every function.
          lambdaMs: t.invocations > 0 ? t.gbMs / t.invocations : 0,
          lambdaMemoryMiB: 1024,
        }),
      )
    : { total: 0, lines: {} };
  const total = run.total + triggered.total;
  const gib = counts.compactedBytes / GIB;
  return { run, triggered, total, perGib: gib > 0 ? total / gib : Number.NaN, runPerGib: gib > 0 ? run.total / gib : Number.NaN };
}

/** before ÷ after ("x fewer"), or NaN when after is 0 or either is not a number. */
export function reduction(before: number, after: number): number {
  return Number.isFinite(before) && Number.isFinite(after) && after > 0 ? before / after : Number.NaN;
}
