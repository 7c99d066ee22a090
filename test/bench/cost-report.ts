import {
  callProfileFromCounts,
  kinesisOnDemandMonthly,
  kinesisProvisionedMonthly,
  MSK_PARTITIONS_ASSUMED,
  mskServerlessMonthly,
  perGibReference,
  sluiceMonthly,
  usdPerGib,
  workloadVolume,
  WORKLOADS,
  type CostBreakdown,
  type SluiceProfile,
} from '../../lib/cost/cost-model';
import { countsOf } from '../../lib/cost/request-accounting';
import type { ConsumeCell } from './workloads/fetch';
import type { ProduceCell } from './workloads/produce';

export interface PerGibRow {
  system: string;
  produce: number;
  consume: number;
  note: string;
}

export interface MonthlyRow {
  workload: string;
  system: string;
  usd: number;
  lines: Record<string, number>;
  note: string;
}

export interface CostReport {
  profiles: SluiceProfile[];
  perGib: PerGibRow[];
  monthly: MonthlyRow[];
  assumptions: string[];
}

/** The stack's default API Gateway throttle (infra README: SLUICE_THROTTLE_RATE). */
const DEFAULT_THROTTLE_RPS = 500;

/**
 * Turns the measured single-client produce cells and the consume cells of the same batch
 * size into cost profiles, and prices them next to Kinesis and MSK Serverless.
 */
export function buildCostReport(
  produce: readonly ProduceCell[],
  consume: readonly ConsumeCell[],
  memory: { produce: number; fetch: number; of: (functionName: string) => number },
  recordBytes: number,
): CostReport | undefined {
  const profiles: SluiceProfile[] = [];
  for (const cell of produce) {
    if (cell.clients !== 1 || !cell.requests || cell.ops === 0) continue;
    const reader = consume.find((c) => c.batch === cell.batch && c.requests && c.ops > 0);
    if (!reader?.requests) continue;
    const payloadBytes = cell.batch * recordBytes;
    const put = countsOf(cell.requests, 'S3', 'PutObject');
    const commit = countsOf(cell.requests, 'DynamoDB', 'TransactWriteItems');
    const recordsPerFetch = reader.records / reader.ops;
    profiles.push({
      label: `batch ${cell.batch}`,
      produce: callProfileFromCounts(cell.requests, cell.ops, {
        records: cell.batch,
        payloadBytes,
        httpRequestBytes: cell.bodyBytes,
        lambdaMs: cell.handlerMs?.['produce-records']?.mean ?? cell.latencyMs.mean,
        lambdaMemoryMiB: memory.produce,
      }),
      consume: callProfileFromCounts(reader.requests, reader.ops, {
        records: recordsPerFetch,
        payloadBytes: recordsPerFetch * recordBytes,
        httpRequestBytes: 0,
        lambdaMs: reader.handlerMs?.['fetch-records']?.mean ?? reader.latencyMs.mean,
        lambdaMemoryMiB: memory.fetch,
      }),
      storedBytesPerPayloadByte: put.requests ? put.bytesSent / put.attempts / payloadBytes : 1,
      dynamoBytesPerProduceCall: commit.requests ? commit.bytesSent / commit.attempts : 1024,
      objectsPerProduceCall: put.requests / cell.ops,
      ...(cell.background ? { triggeredPerProduceCall: triggeredProfile(cell, payloadBytes, memory.of) } : {}),
    });
  }
  if (profiles.length === 0) return undefined;

  const perGib: PerGibRow[] = profiles.map((p) => ({
    system: `Sluice, ${p.label}`,
    produce: usdPerGib(p.produce).total,
    consume: usdPerGib(p.consume).total,
    note: `${fmt(p.produce.records)} record${p.produce.records === 1 ? '' : 's'} per produce call, ${fmt(p.consume.records)} per fetch`,
  }));
  for (const [system, ref] of Object.entries(perGibReference())) perGib.push({ system, ...ref });

  const monthly: MonthlyRow[] = [];
  for (const workload of WORKLOADS) {
    const volume = workloadVolume(workload);
    for (const p of profiles) {
      const callsPerSecond = volume.peakBytesPerSecond / p.produce.payloadBytes;
      const over = callsPerSecond > DEFAULT_THROTTLE_RPS ? `; ${fmt(callsPerSecond)} produce calls/s at peak exceeds the stack's default ${DEFAULT_THROTTLE_RPS} rps throttle` : '';
      monthly.push(row(workload.name, `Sluice, ${p.label}`, sluiceMonthly(workload, p), `${fmt(callsPerSecond)} produce calls/s at peak${over}`));
    }
    monthly.push(row(workload.name, 'Kinesis on-demand', kinesisOnDemandMonthly(workload), 'one stream'));
    const provisioned = kinesisProvisionedMonthly(workload);
    monthly.push(row(workload.name, 'Kinesis provisioned', provisioned, `${provisioned.shards} shards, sized for the peak, all month`));
    monthly.push(row(workload.name, 'MSK Serverless', mskServerlessMonthly(workload), `${MSK_PARTITIONS_ASSUMED} partitions`));
  }
  return {
    profiles,
    perGib,
    monthly,
    assumptions: [
      'us-east-1 list prices from lib/cost/prices.ts (figures marked verified: false there are best-known public figures); no free tiers, no data transfer',
      '1 KiB records, one consumer group reading everything once, 24 hours of retention for every system (Kinesis default; Sluice topics set retention.ms to it, and the enforce-retention requests are priced)',
      'Sluice requests per call are counted in this run against DynamoDB Local and s3rver; transactions are priced at 2 WRU per item (AWS rule) because DynamoDB Local under-reports them',
      "Lambda duration is the handlers' mean duration at one client, measured as Lambda bills it (from the event to the result; the call's latency where the platform reports none), over the emulators (their latency, not AWS's), at the platform spec's memory (produce and fetch 1,024 MiB, arm64)",
      'API Gateway: one metered request per started 512 KB of request body; responses assumed unmetered',
      `Sluice's consumer fetches maxRecords = the producer's batch size; the orphan collector runs hourly, listing every stored object and reading its ref item`,
      "'stream triggers' is what the functions on the tables' streams (push delivery's dispatcher) did per produce call in this run, with no subscriptions: their invocations, time and requests",
      `MSK Serverless with ${MSK_PARTITIONS_ASSUMED} partitions; Kinesis provisioned sized for the peak (1 MiB/s and 1,000 records/s in, 2 MiB/s out per shard), no resharding`,
    ],
  };
}

/** The stream triggers' and schedules' invocations, time and requests during a produce cell, per produce call. */
function triggeredProfile(cell: ProduceCell, payloadBytes: number, memoryOf: (name: string) => number) {
  const functions = Object.entries(cell.background!.functions);
  const invocations = functions.reduce((n, [, f]) => n + f.invocations, 0);
  // GB-weighted milliseconds, so that one memory size prices every function's time.
  const gbMs = functions.reduce((n, [name, f]) => n + (f.ms * memoryOf(name)) / 1024, 0);
  return callProfileFromCounts(cell.background!.requests, cell.ops, {
    records: 0,
    payloadBytes,
    httpRequestBytes: 0,
    apiGateway: false,
    lambdaInvocations: invocations / cell.ops,
    lambdaMs: invocations ? gbMs / invocations : 0,
    lambdaMemoryMiB: 1024,
  });
}

function row(workload: string, system: string, cost: CostBreakdown, note: string): MonthlyRow {
  return { workload, system, usd: cost.total, lines: cost.lines, note };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 1 : 0 });
}
