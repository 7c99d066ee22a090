import { callCost, type CallProfile, type CostBreakdown } from './cost-model';
import { HOURS_PER_MONTH, PRICES, unitPrice, type PriceTable } from './prices';

/**
 * What a deployed Sluice bills with no traffic and no consumers, storage aside: its
 * scheduled functions (each run's counted requests and Lambda time, times the runs a
 * month), and the fixed monthly items the stack creates (CloudWatch alarm metrics and
 * dashboards). The HTTP and WebSocket APIs, the stream triggers (Lambda's reads of
 * DynamoDB Streams are free) and the tables on demand cost nothing idle.
 */

/** One scheduled function: its rate, and one run as the bench counted it on an idle platform. */
export interface ScheduledRun {
  name: string;
  rateMinutes: number;
  /** One run: its requests, Lambda time and memory; `apiGateway: false`. */
  run: CallProfile;
}

/** Runs a month of a function scheduled every `rateMinutes`. */
export function runsPerMonth(rateMinutes: number): number {
  return rateMinutes > 0 ? (HOURS_PER_MONTH * 60) / rateMinutes : 0;
}

/** The scheduled functions' monthly cost, one line per function. */
export function scheduledMonthly(runs: readonly ScheduledRun[], prices: PriceTable = PRICES): CostBreakdown {
  const lines: Record<string, number> = {};
  for (const r of runs) lines[r.name] = (lines[r.name] ?? 0) + callCost({ ...r.run, apiGateway: false }, prices).total * runsPerMonth(r.rateMinutes);
  return breakdown(lines);
}

/** What a synthesized stack holds that bills by the month whatever the traffic. */
export interface StackInventory {
  alarms: number;
  /** Metrics the alarms read: one per standard alarm, each metric of a metric-math alarm. */
  alarmMetrics: number;
  dashboards: number;
}

/** CloudWatch's fixed monthly items (no free tier modeled). */
export function fixedMonthly(inventory: StackInventory, prices: PriceTable = PRICES): CostBreakdown {
  return breakdown({
    'CloudWatch alarms': inventory.alarmMetrics * unitPrice(prices.cloudwatchStandardAlarmMetric),
    'CloudWatch dashboards': inventory.dashboards * unitPrice(prices.cloudwatchDashboard),
  });
}

/** Everything idle together: scheduled work and fixed items. */
export function idleMonthly(runs: readonly ScheduledRun[], inventory: StackInventory | undefined, prices: PriceTable = PRICES): CostBreakdown {
  const scheduled = scheduledMonthly(runs, prices);
  const fixed = inventory ? fixedMonthly(inventory, prices) : breakdown({});
  const lines: Record<string, number> = {};
  for (const [name, usd] of Object.entries(scheduled.lines)) lines[`scheduled: ${name}`] = usd;
  Object.assign(lines, fixed.lines);
  return breakdown(lines);
}

function breakdown(lines: Record<string, number>): CostBreakdown {
  return { total: Object.values(lines).reduce((sum, n) => sum + n, 0), lines };
}
