import { Command, InvalidArgumentError, Option } from 'commander';
import { estimateMonthly, type CostEstimate, type CostInput, type SystemEstimate } from '../../lib/cost/estimate';
import { MSK_PARTITIONS_ASSUMED } from '../../lib/cost/cost-model';
import { MIB } from '../../lib/cost/prices';
import { LIMITS } from '../../lib/protocol/limits';
import { REQUEST_BODY_MAX_BYTES } from './common';
import { out } from './output';

/**
 * `sluice cost`: the product's cost model (lib/cost) as a command. Given a workload's
 * rates it prints Sluice's modeled monthly AWS bill by service beside Kinesis
 * (on-demand and provisioned) and MSK Serverless; nothing is sent to any server.
 */

export interface CostOptions {
  writeMibPerSecond?: number;
  recordsPerSecond?: number;
  recordBytes: number;
  batchRecords: number;
  fetchRecords?: number;
  consumers: number;
  retentionHours?: number;
  retentionDays?: number;
  partitions: number;
  activeHoursPerDay: number;
}

/** A number above 0 (or at least 0, with `inclusive`) and at most `max`, decimals allowed. */
function positive(max = Number.MAX_VALUE, inclusive = false): (value: string) => number {
  return (value) => {
    const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
    if (!Number.isFinite(n) || (inclusive ? n < 0 : n <= 0) || n > max) throw new InvalidArgumentError(`must be a number ${inclusive ? 'of at least 0' : 'above 0'}${max < Number.MAX_VALUE ? ` and at most ${max}` : ''}`);
    return n;
  };
}

function whole(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** The model's input from the options, or a usage message saying what is missing. */
export function costInput(opts: CostOptions): CostInput | string {
  const byRecords = opts.recordsPerSecond !== undefined;
  if (opts.writeMibPerSecond === undefined && !byRecords) return 'give the write rate: --write-mib-per-second <n> or --records-per-second <n>';
  // A produce call's body carries the values as base64: a batch that cannot be sent is no workload to price.
  const bodyBytes = Math.ceil((opts.batchRecords * opts.recordBytes) / 3) * 4;
  if (bodyBytes > REQUEST_BODY_MAX_BYTES) {
    return `a produce call of ${opts.batchRecords} records of ${opts.recordBytes} B is over the ${REQUEST_BODY_MAX_BYTES / MIB} MiB request limit as base64: lower --batch-records`;
  }
  // A fetch answers at most its maximum bytes, whatever the records asked for.
  const fetchable = Math.max(1, Math.floor(LIMITS.fetchMaxBytesMax / opts.recordBytes));
  return {
    bytesPerSecond: byRecords ? opts.recordsPerSecond! * opts.recordBytes : opts.writeMibPerSecond! * MIB,
    recordBytes: opts.recordBytes,
    batchRecords: opts.batchRecords,
    fetchRecords: Math.min(opts.fetchRecords ?? opts.batchRecords, fetchable),
    consumers: opts.consumers,
    retentionHours: opts.retentionDays !== undefined ? opts.retentionDays * 24 : (opts.retentionHours ?? 24),
    partitions: opts.partitions,
    activeHoursPerDay: opts.activeHoursPerDay,
  };
}

/** The `cost` command; `program` gives it the program's error handling and --json. */
export function costCommand(program: Command): Command {
  return new Command('cost')
    .copyInheritedSettings(program)
    .description("print the modeled monthly AWS bill of a workload on Sluice, beside Kinesis and MSK Serverless (offline: the cost model, no server)")
    .addOption(new Option('--write-mib-per-second <n>', 'record payload written per second, in MiB').argParser(positive()).conflicts('recordsPerSecond'))
    .addOption(new Option('--records-per-second <n>', 'records written per second (times --record-bytes)').argParser(positive()))
    .option('--record-bytes <n>', 'bytes of payload (key and value) per record', whole(1, 8 * 1024 * 1024), 1024)
    .option('--batch-records <n>', 'records per produce call, 1-10000', whole(1, 10_000), 100)
    .option('--fetch-records <n>', "records per fetch call (default: --batch-records), at most a fetch's 4 MiB", whole(1, 100_000))
    .option('--consumers <n>', 'consumer groups, each reading every record once', whole(0, 10_000), 1)
    .addOption(new Option('--retention-hours <n>', 'how long records are kept (default 24)').argParser(positive()).conflicts('retentionDays'))
    .addOption(new Option('--retention-days <n>', 'how long records are kept, in days').argParser(positive()))
    .option('--partitions <n>', 'partitions (MSK Serverless bills partition-hours)', whole(1, 100_000), MSK_PARTITIONS_ASSUMED)
    .option('--active-hours-per-day <h>', 'hours a day the workload writes at that rate (24: around the clock)', positive(24), 24)
    .addHelpText(
      'after',
      `
The model is lib/cost: Sluice's requests per produce and fetch call as the benchmark
counted them (docs/benchmarks.md), priced with us-east-1 list prices (lib/cost/prices.ts),
plus storage for the retention, the scheduled functions and the stack's alarms. Not
priced for any system: data transfer, free tiers, savings plans, CloudWatch logs.

Examples:
  sluice cost --write-mib-per-second 1
  sluice cost --records-per-second 5000 --record-bytes 512 --batch-records 500 --consumers 3 --retention-days 7
  sluice --json cost --write-mib-per-second 10 --active-hours-per-day 1`,
    )
    .action(async (opts: CostOptions, command: Command) => {
      const input = costInput(opts);
      if (typeof input === 'string') return command.error(`error: ${input}`, { exitCode: 2, code: 'sluice.missingRate' });
      const estimate = estimateMonthly(input);
      await out(command.optsWithGlobals<{ json?: boolean }>().json ? `${JSON.stringify(estimate)}\n` : costText(estimate));
    });
}

const usd = (n: number) => (n >= 1000 ? `$${Math.round(n).toLocaleString('en-US')}` : n >= 10 ? `$${n.toFixed(2)}` : n >= 0.01 ? `$${n.toFixed(3)}` : n === 0 ? '$0' : `$${n.toPrecision(2)}`);
const count = (n: number, digits = 1) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Number(n.toFixed(digits))));

/** The estimate as text: the workload, then each system's lines and total, then the assumptions. */
export function costText(estimate: CostEstimate): string {
  const { input, volume } = estimate;
  const when = input.activeHoursPerDay === 24 ? 'around the clock' : `${count(input.activeHoursPerDay)} h a day`;
  const retention = input.retentionHours % 24 === 0 && input.retentionHours > 24 ? `${input.retentionHours / 24} days` : `${count(input.retentionHours)} h`;
  const lines = [
    `Workload: ${count(volume.peakBytesPerSecond / MIB, 3)} MiB/s (${count(volume.peakRecordsPerSecond)} records/s of ${input.recordBytes} B) ${when}, ` +
      `${input.batchRecords} records per produce call, ${input.fetchRecords} per fetch, ${input.consumers} consumer group${input.consumers === 1 ? '' : 's'}, ${retention} retention`,
    `          ${count(volume.gibPerMonth)} GiB written a month, ${count(volume.storedGibMonths)} GiB-months stored`,
    '',
  ];
  const systems: SystemEstimate[] = [estimate.sluice, estimate.kinesisOnDemand, estimate.kinesisProvisioned, estimate.mskServerless];
  const width = Math.max(...systems.flatMap((s) => Object.keys(s.lines).map((l) => l.length)), 'total'.length) + 4;
  for (const system of systems) {
    lines.push(`${system.system} (${system.note})`);
    for (const [line, amount] of Object.entries(system.lines)) lines.push(`  ${line.padEnd(width)}${usd(amount).padStart(12)}`);
    lines.push(`  ${'total'.padEnd(width)}${usd(system.total).padStart(12)}`, '');
  }
  lines.push('Monthly totals (USD):');
  for (const system of systems) lines.push(`  ${system.system.padEnd(22)}${usd(system.total).padStart(12)}`);
  lines.push('', 'Assumptions:', ...estimate.assumptions.map((a) => `  - ${a}`));
  return `${lines.join('\n')}\n`;
}
