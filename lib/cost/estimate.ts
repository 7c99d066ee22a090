import {
  callCost,
  kinesisOnDemandMonthly,
  kinesisProvisionedMonthly,
  mskServerlessMonthly,
  sluiceMonthly,
  workloadVolume,
  type CallProfile,
  type CostBreakdown,
  type SluiceProfile,
  type Workload,
  type WorkloadVolume,
} from './cost-model';
import { scheduledMonthly, type ScheduledRun } from './idle-cost';
import { API_GATEWAY_METERING_BYTES, MIB, PRICES, unitPrice, type PriceTable } from './prices';

/**
 * The cost model as `sluice cost` asks it: a workload described by its rates, priced
 * for Sluice by AWS service beside Kinesis (on-demand and provisioned) and MSK
 * Serverless, with no benchmark run. Where the bench counts each call's requests
 * (test/bench/cost-report.ts), this models them from the per-call counts the bench
 * measured (docs/benchmarks.md, "Requests per produce call" and "Idle cost"), which do
 * not depend on the batch size: one call's requests are the same for 1 or 1,000 records.
 */

export interface CostInput {
  /** Record payload bytes per second written while active. */
  bytesPerSecond: number;
  recordBytes: number;
  /** Records per produce call. */
  batchRecords: number;
  /** Records per fetch call; the bench assumes the producer's batch size. */
  fetchRecords: number;
  /** Consumer groups reading everything once. */
  consumers: number;
  retentionHours: number;
  /** For MSK Serverless, which bills partition-hours. */
  partitions: number;
  /** Hours a day the workload writes at that rate (24: around the clock). */
  activeHoursPerDay: number;
}

export interface SystemEstimate extends CostBreakdown {
  system: string;
  /** What sizes or shapes this system's bill (shards, partitions, calls per second). */
  note: string;
}

export interface CostEstimate {
  input: CostInput;
  volume: WorkloadVolume & { produceCallsPerSecond: number; fetchCallsPerSecond: number };
  sluice: SystemEstimate;
  kinesisOnDemand: SystemEstimate;
  kinesisProvisioned: SystemEstimate & { shards: number };
  mskServerless: SystemEstimate;
  assumptions: string[];
}

/** produce-records and fetch-records memory in the stack (the platform spec's 1,024 MiB, arm64). */
const HANDLER_MEMORY_MIB = 1024;
/** The stack's default API Gateway throttle (infra README: SLUICE_THROTTLE_RATE). */
const DEFAULT_THROTTLE_RPS = 500;
/** A record's JSON framing in a produce body beside its base64 value: {"key":…,"value":"…"}, and a key. */
const JSON_BYTES_PER_RECORD = 48;
/** Stored bytes beside the payload: per record (length, offset and time deltas) and per object (header, footer, index). */
const STORED_BYTES_PER_RECORD = 10;
const STORED_BYTES_PER_OBJECT = 150;
/** The index and ref items one produce call leaves in DynamoDB while retained (from the bench's DynamoDB storage line). */
const DYNAMO_BYTES_PER_PRODUCE_CALL = 2000;

/**
 * One produce and one fetch call, as the bench counted them (docs/benchmarks.md):
 * produce is 2 GetItem, 2 BatchGetItem (4 RRU), one S3 PUT and a 4-item transaction
 * (8 WRU at AWS's 2 per item); a fetch is 4 GetItem and a Query (6 RRU) and 4 ranged S3
 * GETs. Lambda time from the local handler medians: about 12 ms (produce) and 8 ms
 * (fetch) plus 10 ms per MiB moved; AWS's will differ.
 */
export function modeledProfile(input: Pick<CostInput, 'recordBytes' | 'batchRecords' | 'fetchRecords'>): SluiceProfile {
  const producePayload = input.batchRecords * input.recordBytes;
  const fetchPayload = input.fetchRecords * input.recordBytes;
  const produce: CallProfile = {
    records: input.batchRecords,
    payloadBytes: producePayload,
    httpRequestBytes: Math.ceil(producePayload / 3) * 4 + input.batchRecords * JSON_BYTES_PER_RECORD,
    s3Puts: 1,
    s3Gets: 0,
    s3Lists: 0,
    writeRequestUnits: 8,
    readRequestUnits: 4,
    lambdaMs: 12 + (10 * producePayload) / MIB,
    lambdaMemoryMiB: HANDLER_MEMORY_MIB,
  };
  const consume: CallProfile = {
    records: input.fetchRecords,
    payloadBytes: fetchPayload,
    httpRequestBytes: 0,
    s3Puts: 0,
    s3Gets: 4,
    s3Lists: 0,
    writeRequestUnits: 0,
    readRequestUnits: 6,
    lambdaMs: 8 + (10 * fetchPayload) / MIB,
    lambdaMemoryMiB: HANDLER_MEMORY_MIB,
  };
  return {
    label: `batch ${input.batchRecords}`,
    produce,
    consume,
    storedBytesPerPayloadByte: (producePayload + STORED_BYTES_PER_RECORD * input.batchRecords + STORED_BYTES_PER_OBJECT) / producePayload,
    dynamoBytesPerProduceCall: DYNAMO_BYTES_PER_PRODUCE_CALL,
    objectsPerProduceCall: 1,
    // push delivery's dispatcher on the Log table's stream: about 0.1 invocations of ~10 ms per produce call, and a free-tier-size Query.
    triggeredPerProduceCall: {
      records: 0,
      payloadBytes: 0,
      httpRequestBytes: 0,
      s3Puts: 0,
      s3Gets: 0,
      s3Lists: 0,
      writeRequestUnits: 0,
      readRequestUnits: 0,
      lambdaMs: 10,
      lambdaMemoryMiB: HANDLER_MEMORY_MIB,
      lambdaInvocations: 0.1,
      apiGateway: false,
    },
  };
}

const idleRun = (requests: number, lambdaMs: number, lambdaMemoryMiB: number): CallProfile => ({
  records: 0,
  payloadBytes: 0,
  httpRequestBytes: 0,
  s3Puts: 0,
  s3Gets: 0,
  s3Lists: 0,
  writeRequestUnits: 0,
  readRequestUnits: requests,
  lambdaMs,
  lambdaMemoryMiB,
  apiGateway: false,
});

/**
 * The scheduled functions sluiceMonthly does not price already (it has the orphan
 * collector and retention), as the bench counted one idle run (docs/benchmarks.md, "Idle
 * cost"), each storage request taken as one read unit.
 */
export const OTHER_SCHEDULED_RUNS: readonly ScheduledRun[] = [
  { name: 'catch-up-deliveries', rateMinutes: 1, run: idleRun(1, 16, 1024) },
  { name: 'expire-group-members', rateMinutes: 1, run: idleRun(1, 9, 256) },
];
/** Metrics the stack's alarms read (docs/benchmarks.md, "Idle cost": 6 alarms reading 9 metrics). */
export const STACK_ALARM_METRICS = 9;

function workloadOf(input: CostInput): Workload {
  return {
    name: 'sluice cost',
    description: 'the workload given',
    bytesPerSecond: input.bytesPerSecond,
    activeSecondsPerMonth: (input.activeHoursPerDay / 24) * 730 * 3600,
    recordBytes: input.recordBytes,
    consumers: input.consumers,
    retentionHours: input.retentionHours,
  };
}

/**
 * Sluice's monthly bill by AWS service: the produce, fetch and stream-trigger calls'
 * lines gathered by service, then storage, the orphan collector and retention as
 * sluiceMonthly prices them, the other scheduled functions and the stack's alarms.
 * Its total is sluiceMonthly's plus those last two.
 */
export function sluiceMonthlyByService(workload: Workload, profile: SluiceProfile, prices: PriceTable = PRICES): CostBreakdown {
  const byActivity = sluiceMonthly(workload, profile, prices);
  const volume = workloadVolume(workload);
  const produceCalls = volume.payloadBytesPerMonth / profile.produce.payloadBytes;
  const fetchCalls = (volume.payloadBytesPerMonth * workload.consumers) / profile.consume.payloadBytes;
  const calls: [CallProfile, number][] = [
    [profile.produce, produceCalls],
    [profile.consume, fetchCalls],
  ];
  if (profile.triggeredPerProduceCall) calls.push([profile.triggeredPerProduceCall, produceCalls]);
  const service: Record<string, string> = {
    'API Gateway requests': 'API Gateway',
    'Lambda requests': 'Lambda',
    'Lambda duration': 'Lambda',
    'S3 PUT/LIST': 'S3 requests',
    'S3 GET': 'S3 requests',
    'DynamoDB writes': 'DynamoDB requests',
    'DynamoDB reads': 'DynamoDB requests',
  };
  const lines: Record<string, number> = { 'API Gateway': 0, Lambda: 0, 'S3 requests': 0, 'S3 storage': 0, 'DynamoDB requests': 0, 'DynamoDB storage': 0 };
  for (const [call, count] of calls) {
    for (const [line, usd] of Object.entries(callCost(call, prices).lines)) lines[service[line]!]! += usd * count;
  }
  lines['S3 storage'] = byActivity.lines['S3 storage']!;
  lines['DynamoDB storage'] = byActivity.lines['DynamoDB storage']!;
  lines['orphan collector (hourly)'] = byActivity.lines['orphan collector']!;
  lines['retention (every 5 min)'] = byActivity.lines.retention!;
  lines['other scheduled functions'] = scheduledMonthly(OTHER_SCHEDULED_RUNS, prices).total;
  lines['CloudWatch alarms'] = STACK_ALARM_METRICS * unitPrice(prices.cloudwatchStandardAlarmMetric);
  return { total: Object.values(lines).reduce((sum, n) => sum + n, 0), lines };
}

/** The monthly bills of the workload `input` describes, for Sluice and the three AWS streaming services. */
export function estimateMonthly(input: CostInput, prices: PriceTable = PRICES): CostEstimate {
  const workload = workloadOf(input);
  const profile = modeledProfile(input);
  const volume = workloadVolume(workload);
  const produceCallsPerSecond = volume.peakBytesPerSecond / profile.produce.payloadBytes;
  const fetchCallsPerSecond = (volume.peakBytesPerSecond * input.consumers) / profile.consume.payloadBytes;
  const provisioned = kinesisProvisionedMonthly(workload, prices);
  const throttled = produceCallsPerSecond + fetchCallsPerSecond > DEFAULT_THROTTLE_RPS;
  const assumptions = [
    'us-east-1 list prices (lib/cost/prices.ts); no free tiers, no data transfer, no savings plans',
    "Sluice's requests per call as the bench counted them locally (docs/benchmarks.md); Lambda time modeled from local handler medians, at 1,024 MiB arm64",
    `API Gateway meters each started ${API_GATEWAY_METERING_BYTES / 1024} KB of a request body as one request; produce bodies are JSON with base64 values`,
    'each consumer group reads everything once, at the tail, with full fetches; waiting at the tail (long-polls, WebSocket watches) is not priced',
    'Kinesis provisioned is sized for the peak all month (1 MiB/s and 1,000 records/s in, 2 MiB/s out per shard), without resharding; Kinesis prices 24 h of retention',
  ];
  if (input.retentionHours > 24) assumptions.push(`Kinesis retention beyond 24 h (here ${input.retentionHours} h) bills extra and is not priced here`);
  if (throttled) {
    assumptions.push(
      `${Math.ceil(produceCallsPerSecond + fetchCallsPerSecond)} produce and fetch calls/s at the peak exceed the stack's default API throttle of ${DEFAULT_THROTTLE_RPS}/s: raise SLUICE_THROTTLE_RATE, or batch more`,
    );
  }
  return {
    input,
    volume: { ...volume, produceCallsPerSecond, fetchCallsPerSecond },
    sluice: {
      system: 'Sluice',
      ...sluiceMonthlyByService(workload, profile, prices),
      note: `${round(produceCallsPerSecond)} produce and ${round(fetchCallsPerSecond)} fetch calls/s at the peak`,
    },
    kinesisOnDemand: { system: 'Kinesis on-demand', ...kinesisOnDemandMonthly(workload, prices), note: 'one stream' },
    kinesisProvisioned: { system: 'Kinesis provisioned', ...provisioned, note: `${provisioned.shards} shard${provisioned.shards === 1 ? '' : 's'}, sized for the peak` },
    mskServerless: { system: 'MSK Serverless', ...mskServerlessMonthly(workload, input.partitions, prices), note: `one cluster, ${input.partitions} partition${input.partitions === 1 ? '' : 's'}` },
    assumptions,
  };
}

function round(n: number): number {
  return n >= 100 ? Math.round(n) : Math.round(n * 100) / 100;
}
