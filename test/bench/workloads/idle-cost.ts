import { FUNCTIONS } from '../../../infra/platform-spec';
import { IDLE_BACKOFF_MAX_HOURS, prefixIsDue } from '../../../lib/gc/collect-orphan-objects';
import { SEGMENT_PREFIXES } from '../../../lib/store/object-keys';
import type { RequestSnapshot } from '../../../lib/cost/request-accounting';
import { BenchApi, produceBody } from '../api';
import { counted, type Meters, type Progress } from '../measure';
import type { BenchOptions } from '../options';
import { runBounded } from '../runner';
import { synthesizedInventory, type TemplateInventory } from '../stack-inventory';

/** One run of a scheduled function on the idle platform, as counted. */
export interface ScheduledRunCell {
  name: string;
  rateMinutes: number;
  memoryMiB: number;
  ms: number;
  requests?: RequestSnapshot;
  error?: string;
  /**
   * LISTs an hourly run of the orphan collector makes in steady idle state, where the
   * measured run (the first, which lists all 256 prefixes to give each a checkpoint) is
   * no guide: the collector's own listing schedule (`prefixIsDue`) applied to prefixes
   * idle for 30 days, averaged over IDLE_BACKOFF_MAX_HOURS consecutive hourly runs.
   */
  steadyS3Lists?: number;
}

export interface IdleCostResult {
  topics: number;
  partitions: number;
  runs: ScheduledRunCell[];
  inventory?: TemplateInventory;
  inventoryError?: string;
}

/** The part of the local platform this needs: its scheduler. */
export interface Schedules {
  readonly names: string[];
  runNow(name: string): Promise<unknown>;
}

/**
 * The idle bill but storage: `topics` topics of `partitions` partitions, each partition
 * written once, then every scheduled function run once (`schedules.runNow`), its requests
 * and handler time counted; and the stack's fixed monthly items counted from its
 * synthesized template. Runs first in the bench, while only these topics exist.
 */
export async function measureIdleCost(api: BenchApi, schedules: Schedules | undefined, options: BenchOptions, run: string, meters: Meters, progress: Progress): Promise<IdleCostResult> {
  const { topics, partitions } = options.idle;
  const result: IdleCostResult = { topics, partitions, runs: [] };
  try {
    result.inventory = await synthesizedInventory();
    progress(`stack template: ${result.inventory.alarms} alarms reading ${result.inventory.alarmMetrics} metrics, ${result.inventory.dashboards} dashboard(s), ${result.inventory.compositeAlarms} composite alarms`);
  } catch (error) {
    result.inventoryError = (error as Error).message.split('\n')[0];
    progress(`stack template not counted: ${result.inventoryError}`);
  }
  if (!schedules || !meters.work) {
    progress('scheduled functions not run: no in-process platform');
    return result;
  }
  const names = Array.from({ length: topics }, (_, i) => `bench-idle-t${i}-${run}`);
  for (const name of names) await api.createTopic(name, partitions);
  let next = 0;
  await runBounded(8, { durationMs: 300_000, maxOps: topics * partitions }, async () => {
    const i = next++;
    await api.produce(names[Math.floor(i / partitions)]!, produceBody(1, i % partitions, () => 'idle'));
    return {};
  });
  progress(`idle platform: ${topics} topics x ${partitions} partitions, each partition written once`);
  for (const name of schedules.names) {
    const spec = FUNCTIONS.find((f) => f.name === name);
    const cell: ScheduledRunCell = { name, rateMinutes: spec?.schedule?.rateMinutes ?? 0, memoryMiB: spec?.memoryMiB ?? 1024, ms: 0 };
    const own = meters.only?.(name);
    const before = own?.counter.snapshot();
    const { background } = await counted(meters, () => schedules.runNow(name).catch((error: unknown) => {
      cell.error = (error as Error).message;
    }));
    if (own && before) {
      cell.requests = own.counter.diff(before, own.counter.snapshot());
      own.detach();
    } else if (background) {
      cell.requests = background.requests;
    }
    cell.ms = background?.functions[name]?.ms ?? 0;
    if (name === 'collect-orphan-objects') cell.steadyS3Lists = steadyIdleListsPerRun(Date.now());
    result.runs.push(cell);
    progress(`scheduled ${name} (every ${cell.rateMinutes} min) ran once in ${cell.ms.toFixed(0)} ms${cell.error ? `, failed: ${cell.error}` : ''}`);
  }
  return result;
}

/** The mean number of prefixes an hourly idle run lists once every prefix has been idle a long time (see ScheduledRunCell.steadyS3Lists). */
export function steadyIdleListsPerRun(now: number): number {
  const idleSince = now - 30 * 24 * HOUR_MS;
  let listed = 0;
  for (let hour = 0; hour < IDLE_BACKOFF_MAX_HOURS; hour++) {
    const at = now + hour * HOUR_MS;
    listed += SEGMENT_PREFIXES.filter((prefix, index) => prefixIsDue({ prefix, decidedBefore: idleSince, resets: 0, updatedAt: idleSince }, index, at)).length;
  }
  return listed / IDLE_BACKOFF_MAX_HOURS;
}

const HOUR_MS = 60 * 60 * 1000;
