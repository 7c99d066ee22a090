import { countsOf, operationRows, type RequestSnapshot } from './request-accounting';
import { API_GATEWAY_METERING_BYTES, GIB, HOURS_PER_MONTH, MIB, PRICES, unitPrice, type PriceTable } from './prices';

/**
 * A cost model for Sluice on AWS next to Kinesis Data Streams and MSK Serverless.
 *
 * Sluice's bill is per request: every produce or fetch call is one API Gateway request
 * (metered per 512 KB), one Lambda invocation and its GB-seconds, and the S3 and DynamoDB
 * requests the call makes. The benchmark measures those requests per call (lib/cost/request-accounting.ts);
 * this module prices them, and adds what scales with stored data: S3 and DynamoDB
 * storage, and the hourly orphan collector, which keeps a checkpoint per key prefix and
 * so lists and checks only the objects written since its last run.
 *
 * Not modeled, for any system: data transfer (out to the internet, across AZs or
 * regions), free tiers, savings plans, CloudWatch logs and metrics, KMS.
 */

/** What one API call (produce or fetch) costs in requests, measured or assumed. */
export interface CallProfile {
  /** Records one call moves. */
  records: number;
  /** Record payload bytes (keys and values) one call moves: what "per GiB" divides by. */
  payloadBytes: number;
  /** The HTTP request body, for API Gateway's 512 KB metering. */
  httpRequestBytes: number;
  s3Puts: number;
  s3Gets: number;
  s3Lists: number;
  /** DynamoDB on-demand write request units per call. */
  writeRequestUnits: number;
  /** DynamoDB on-demand read request units per call. */
  readRequestUnits: number;
  /** Lambda billed duration per invocation. */
  lambdaMs: number;
  lambdaMemoryMiB: number;
  /** Lambda invocations per call; default 1. */
  lambdaInvocations?: number;
  /** Whether the call comes through API Gateway; default true. Work a stream trigger does does not. */
  apiGateway?: boolean;
}

export interface SluiceProfile {
  /** For labels: which producer batch size this profile was measured at. */
  label: string;
  produce: CallProfile;
  consume: CallProfile;
  /** S3 bytes stored per record payload byte (batch framing, object header and footer). */
  storedBytesPerPayloadByte: number;
  /** DynamoDB bytes stored per produce call (its index and ref items); an upper bound is fine. */
  dynamoBytesPerProduceCall: number;
  /** Segment objects per produce call: one object per call. */
  objectsPerProduceCall: number;
  /** Partition batches (index items) per produce call, each released once by retention; 1 unless given. */
  batchesPerProduceCall?: number;
  /**
   * What the functions triggered by a produce call's commit (the Log table's stream, for
   * example push delivery's dispatcher) cost per produce call: their invocations, time and
   * requests, measured in the same run.
   */
  triggeredPerProduceCall?: CallProfile;
}

/** Dollars by line item, and their sum. */
export interface CostBreakdown {
  total: number;
  lines: Record<string, number>;
}

export interface Workload {
  name: string;
  description: string;
  /** Record payload bytes per second while the workload runs. */
  bytesPerSecond: number;
  /** Seconds a month the workload runs at that rate. */
  activeSecondsPerMonth: number;
  recordBytes: number;
  /** Consumer groups reading everything once. */
  consumers: number;
  /** How long records are kept. */
  retentionHours: number;
}

const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

/** The workloads the comparison prices: 1 KiB records, one consumer group, 24 hours' retention (Kinesis's default). */
export const WORKLOADS: readonly Workload[] = [
  {
    name: 'steady 1 MiB/s',
    description: '1 MiB/s around the clock',
    bytesPerSecond: MIB,
    activeSecondsPerMonth: SECONDS_PER_MONTH,
    recordBytes: 1024,
    consumers: 1,
    retentionHours: 24,
  },
  {
    name: 'steady 10 MiB/s',
    description: '10 MiB/s around the clock',
    bytesPerSecond: 10 * MIB,
    activeSecondsPerMonth: SECONDS_PER_MONTH,
    recordBytes: 1024,
    consumers: 1,
    retentionHours: 24,
  },
  {
    name: 'bursty 10 MiB/s 1 h/day',
    description: '10 MiB/s for one hour a day, idle otherwise',
    bytesPerSecond: 10 * MIB,
    activeSecondsPerMonth: 3600 * DAYS_PER_MONTH,
    recordBytes: 1024,
    consumers: 1,
    retentionHours: 24,
  },
];

/** MSK Serverless bills partitions by the hour; the comparison assumes the benchmark topic's 16. */
export const MSK_PARTITIONS_ASSUMED = 16;

export interface WorkloadVolume {
  payloadBytesPerMonth: number;
  gibPerMonth: number;
  recordsPerMonth: number;
  peakBytesPerSecond: number;
  peakRecordsPerSecond: number;
  /** GB-months of retained data: every byte is kept `retentionHours`. */
  storedGibMonths: number;
}

export function workloadVolume(workload: Workload): WorkloadVolume {
  const payloadBytesPerMonth = workload.bytesPerSecond * workload.activeSecondsPerMonth;
  return {
    payloadBytesPerMonth,
    gibPerMonth: payloadBytesPerMonth / GIB,
    recordsPerMonth: payloadBytesPerMonth / workload.recordBytes,
    peakBytesPerSecond: workload.bytesPerSecond,
    peakRecordsPerSecond: workload.bytesPerSecond / workload.recordBytes,
    storedGibMonths: (payloadBytesPerMonth / GIB) * (workload.retentionHours / HOURS_PER_MONTH),
  };
}

/** API Gateway requests one HTTP request is billed as: one per started 512 KB. */
export function meteredApiRequests(requestBytes: number): number {
  return Math.max(1, Math.ceil(requestBytes / API_GATEWAY_METERING_BYTES));
}

/** The dollars of one call, by line item. */
export function callCost(call: CallProfile, prices: PriceTable = PRICES): CostBreakdown {
  const invocations = call.lambdaInvocations ?? 1;
  return breakdown({
    'API Gateway requests': call.apiGateway === false ? 0 : meteredApiRequests(call.httpRequestBytes) * unitPrice(prices.apiGatewayHttpRequests),
    'Lambda requests': invocations * unitPrice(prices.lambdaRequests),
    'Lambda duration': invocations * (call.lambdaMemoryMiB / 1024) * (call.lambdaMs / 1000) * unitPrice(prices.lambdaArmGbSecond),
    'S3 PUT/LIST': (call.s3Puts + call.s3Lists) * unitPrice(prices.s3PutRequests),
    'S3 GET': call.s3Gets * unitPrice(prices.s3GetRequests),
    'DynamoDB writes': call.writeRequestUnits * unitPrice(prices.dynamoWriteRequestUnits),
    'DynamoDB reads': call.readRequestUnits * unitPrice(prices.dynamoReadRequestUnits),
  });
}

/** The dollars of moving one GiB of record payload with calls like `call`. */
export function usdPerGib(call: CallProfile, prices: PriceTable = PRICES): CostBreakdown {
  return scale(callCost(call, prices), GIB / call.payloadBytes);
}

/** enforce-retention runs every 5 minutes. */
const RETENTION_RUNS_PER_HOUR = 12;
/**
 * Per run: a Scan of topics, a BatchGetItem of heads, and two Queries per partition (byTime,
 * and below the log start), about one read unit each, for one topic of this many partitions.
 */
const RETENTION_PARTITIONS = 4;
/**
 * Per expired batch (lib/retention): a two-item transaction (2 WRU per item) and the index
 * item's BatchWriteItem delete (1 WRU) at most, and a consistent read of its object's ref item.
 */
const RETENTION_WRU_PER_BATCH = 5;
const RETENTION_RRU_PER_BATCH = 1;

/**
 * Sluice's monthly bill for a workload: produce and fetch calls, storage for the
 * retention period, the hourly orphan collector (per run one LIST per key prefix (256)
 * plus one per 1,000 new objects, one checkpoint write per prefix, and one strongly
 * consistent read of each object written since the previous run; lib/gc), and retention
 * (every expired batch released once; S3 DELETEs are free; lib/retention).
 */
export function sluiceMonthly(workload: Workload, profile: SluiceProfile, prices: PriceTable = PRICES): CostBreakdown {
  const volume = workloadVolume(workload);
  const produceCalls = volume.payloadBytesPerMonth / profile.produce.payloadBytes;
  const consumeCalls = (volume.payloadBytesPerMonth * workload.consumers) / profile.consume.payloadBytes;
  const produce = scale(callCost(profile.produce, prices), produceCalls);
  const consume = scale(callCost(profile.consume, prices), consumeCalls);
  const retainedFraction = workload.retentionHours / HOURS_PER_MONTH;
  const collectorRuns = HOURS_PER_MONTH;
  const newObjectsPerRun = (produceCalls * profile.objectsPerProduceCall) / collectorRuns;
  const PREFIXES = 256;
  const triggered = profile.triggeredPerProduceCall ? callCost(profile.triggeredPerProduceCall, prices).total * produceCalls : 0;
  const retentionRuns = HOURS_PER_MONTH * RETENTION_RUNS_PER_HOUR;
  const expiredBatches = produceCalls * (profile.batchesPerProduceCall ?? 1);
  return breakdown({
    produce: produce.total,
    consume: consume.total,
    'stream triggers': triggered,
    'S3 storage': volume.storedGibMonths * profile.storedBytesPerPayloadByte * unitPrice(prices.s3StandardStorage),
    'DynamoDB storage': ((produceCalls * retainedFraction * profile.dynamoBytesPerProduceCall) / GIB) * unitPrice(prices.dynamoStorage),
    'orphan collector': collectorRuns * (
      (PREFIXES + Math.ceil(newObjectsPerRun / 1000)) * unitPrice(prices.s3PutRequests) +
      newObjectsPerRun * unitPrice(prices.dynamoReadRequestUnits) +
      PREFIXES * unitPrice(prices.dynamoWriteRequestUnits) +
      unitPrice(prices.lambdaRequests)
    ),
    retention:
      retentionRuns * (unitPrice(prices.lambdaRequests) + (2 + 2 * RETENTION_PARTITIONS) * unitPrice(prices.dynamoReadRequestUnits)) +
      expiredBatches * (RETENTION_WRU_PER_BATCH * unitPrice(prices.dynamoWriteRequestUnits) + RETENTION_RRU_PER_BATCH * unitPrice(prices.dynamoReadRequestUnits)),
  });
}

/** Kinesis Data Streams On-demand Standard: one stream, every record rounded up to 1 KiB, shared-throughput consumers. */
export function kinesisOnDemandMonthly(workload: Workload, prices: PriceTable = PRICES): CostBreakdown {
  const volume = workloadVolume(workload);
  const ingestGib = (volume.recordsPerMonth * Math.ceil(workload.recordBytes / 1024) * 1024) / GIB;
  return breakdown({
    'stream-hours': HOURS_PER_MONTH * unitPrice(prices.kinesisOnDemandStreamHour),
    'data in': ingestGib * unitPrice(prices.kinesisOnDemandIngestGb),
    'data out': volume.gibPerMonth * workload.consumers * unitPrice(prices.kinesisOnDemandRetrievalGb),
  });
}

/** Shards a provisioned stream needs at the workload's peak: 1 MiB/s and 1,000 records/s in, 2 MiB/s out, per shard. */
export function kinesisShardsForPeak(workload: Workload): number {
  const volume = workloadVolume(workload);
  return Math.max(
    1,
    Math.ceil(volume.peakBytesPerSecond / MIB - 1e-9),
    Math.ceil(volume.peakRecordsPerSecond / 1000 - 1e-9),
    Math.ceil((volume.peakBytesPerSecond * workload.consumers) / (2 * MIB) - 1e-9),
  );
}

/** Kinesis Data Streams provisioned: shards sized for the peak all month (no resharding), PUT payload units of 25 KiB. */
export function kinesisProvisionedMonthly(workload: Workload, prices: PriceTable = PRICES): CostBreakdown & { shards: number } {
  const volume = workloadVolume(workload);
  const shards = kinesisShardsForPeak(workload);
  const payloadUnits = volume.recordsPerMonth * Math.ceil(workload.recordBytes / (25 * 1024));
  return {
    ...breakdown({
      'shard-hours': shards * HOURS_PER_MONTH * unitPrice(prices.kinesisShardHour),
      'PUT payload units': payloadUnits * unitPrice(prices.kinesisPutPayloadUnits),
    }),
    shards,
  };
}

/** MSK Serverless: one cluster all month, `partitions` partitions, data in and out, retained storage. */
export function mskServerlessMonthly(workload: Workload, partitions = MSK_PARTITIONS_ASSUMED, prices: PriceTable = PRICES): CostBreakdown {
  const volume = workloadVolume(workload);
  return breakdown({
    'cluster-hours': HOURS_PER_MONTH * unitPrice(prices.mskServerlessClusterHour),
    'partition-hours': partitions * HOURS_PER_MONTH * unitPrice(prices.mskServerlessPartitionHour),
    'data in': volume.gibPerMonth * unitPrice(prices.mskServerlessDataIn),
    'data out': volume.gibPerMonth * workload.consumers * unitPrice(prices.mskServerlessDataOut),
    storage: volume.storedGibMonths * unitPrice(prices.mskServerlessStorage),
  });
}

/** USD per GiB produced (data in) and consumed (data out, per consumer) for the per-GB systems, for the side-by-side table. */
export function perGibReference(prices: PriceTable = PRICES): Record<string, { produce: number; consume: number; note: string }> {
  return {
    'Kinesis on-demand': {
      produce: unitPrice(prices.kinesisOnDemandIngestGb),
      consume: unitPrice(prices.kinesisOnDemandRetrievalGb),
      note: `plus $${(HOURS_PER_MONTH * unitPrice(prices.kinesisOnDemandStreamHour)).toFixed(2)} per stream-month`,
    },
    'MSK Serverless': {
      produce: unitPrice(prices.mskServerlessDataIn),
      consume: unitPrice(prices.mskServerlessDataOut),
      note: `plus $${(HOURS_PER_MONTH * unitPrice(prices.mskServerlessClusterHour)).toFixed(2)} per cluster-month and partition-hours`,
    },
    'Kinesis provisioned': {
      produce: (GIB / 1024) * unitPrice(prices.kinesisPutPayloadUnits),
      consume: 0,
      note: 'PUT payload units of 1 KiB records only; shard-hours dominate and depend on the peak',
    },
  };
}

/** Capacity units per successful or failed request, as AWS would bill them for the operations Sluice uses. */
export interface RequestUnits {
  writeRequestUnits: number;
  readRequestUnits: number;
}

/**
 * DynamoDB request units as AWS bills them, from counted requests. DynamoDB Local reports
 * single-item, batch and query capacity as AWS does, but a whole transaction as if it held
 * one item; AWS charges a transactional write 2 units per item per KB (every action of the
 * transaction, condition checks included) and a transactional read 2 units per item per
 * 4 KB. Transactions are therefore priced from their item count, assuming items under
 * 1 KB (Sluice's heads, index and ref items are a few hundred bytes); AWS also charges
 * transactions that fail their conditions, so those count too.
 */
export function requestUnitsFromCounts(snapshot: RequestSnapshot): RequestUnits {
  let writeRequestUnits = 0;
  let readRequestUnits = 0;
  for (const row of operationRows(snapshot)) {
    if (row.service !== 'DynamoDB') continue;
    if (row.operation === 'TransactWriteItems') writeRequestUnits += 2 * row.items;
    else if (row.operation === 'TransactGetItems') readRequestUnits += 2 * row.items;
    else {
      writeRequestUnits += row.writeCapacityUnits;
      readRequestUnits += row.readCapacityUnits;
    }
  }
  return { writeRequestUnits, readRequestUnits };
}

/** Builds a call profile from the requests counted over `calls` API calls. */
export function callProfileFromCounts(
  snapshot: RequestSnapshot,
  calls: number,
  call: Pick<CallProfile, 'records' | 'payloadBytes' | 'httpRequestBytes' | 'lambdaMs' | 'lambdaMemoryMiB' | 'lambdaInvocations' | 'apiGateway'>,
): CallProfile {
  const units = requestUnitsFromCounts(snapshot);
  const per = (n: number) => n / calls;
  return {
    ...call,
    s3Puts: per(countsOf(snapshot, 'S3', 'PutObject').requests + countsOf(snapshot, 'S3', 'CopyObject').requests),
    s3Gets: per(countsOf(snapshot, 'S3', 'GetObject').requests + countsOf(snapshot, 'S3', 'HeadObject').requests),
    s3Lists: per(countsOf(snapshot, 'S3', 'ListObjectsV2').requests),
    writeRequestUnits: per(units.writeRequestUnits),
    readRequestUnits: per(units.readRequestUnits),
  };
}

function breakdown(lines: Record<string, number>): CostBreakdown {
  return { total: Object.values(lines).reduce((sum, n) => sum + n, 0), lines };
}

function scale(cost: CostBreakdown, factor: number): CostBreakdown {
  const lines: Record<string, number> = {};
  for (const [name, usd] of Object.entries(cost.lines)) lines[name] = usd * factor;
  return { total: cost.total * factor, lines };
}
