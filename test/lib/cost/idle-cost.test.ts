import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallProfile } from '../../../lib/cost/cost-model';
import { fixedMonthly, idleMonthly, runsPerMonth, scheduledMonthly } from '../../../lib/cost/idle-cost';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * 1e-9 + 1e-12, `${what}: ${actual} is not ${expected}`);

const run = (overrides: Partial<CallProfile>): CallProfile => ({
  records: 0,
  payloadBytes: 0,
  httpRequestBytes: 0,
  s3Puts: 0,
  s3Gets: 0,
  s3Lists: 0,
  writeRequestUnits: 0,
  readRequestUnits: 0,
  lambdaMs: 0,
  lambdaMemoryMiB: 256,
  apiGateway: false,
  ...overrides,
});

describe('scheduled work', () => {
  it('counts runs a month from the rate', () => {
    assert.equal(runsPerMonth(1), 43_800);
    assert.equal(runsPerMonth(60), 730);
    assert.equal(runsPerMonth(0), 0);
  });

  it('prices each function as runs a month x one run, with no API Gateway request', () => {
    const cost = scheduledMonthly([
      { name: 'expire-group-members', rateMinutes: 1, run: run({ readRequestUnits: 1, lambdaMs: 10 }) },
      { name: 'collect-orphan-objects', rateMinutes: 60, run: run({ s3Lists: 256, writeRequestUnits: 0, lambdaMs: 1000, lambdaMemoryMiB: 512 }) },
    ]);
    close(cost.lines['expire-group-members']!, 43_800 * (0.2e-6 + 0.25 * 0.01 * 0.0000133334 + 0.125e-6), 'every minute');
    close(cost.lines['collect-orphan-objects']!, 730 * (0.2e-6 + 0.5 * 1 * 0.0000133334 + 256 * 0.005e-3), 'hourly: 256 LISTs a run');
    close(cost.total, cost.lines['expire-group-members']! + cost.lines['collect-orphan-objects']!, 'total');
  });
});

describe('fixed monthly items', () => {
  it('price alarm metrics and dashboards', () => {
    const cost = fixedMonthly({ alarms: 60, alarmMetrics: 67, dashboards: 1 });
    close(cost.lines['CloudWatch alarms']!, 6.7, '67 alarm metrics');
    close(cost.lines['CloudWatch dashboards']!, 3, 'one dashboard');
  });

  it('add scheduled work and fixed items into one idle bill', () => {
    const cost = idleMonthly([{ name: 'enforce-retention', rateMinutes: 5, run: run({ readRequestUnits: 2 }) }], { alarms: 1, alarmMetrics: 1, dashboards: 0 });
    assert.deepEqual(Object.keys(cost.lines), ['scheduled: enforce-retention', 'CloudWatch alarms', 'CloudWatch dashboards']);
    close(cost.total, 8760 * (0.2e-6 + 2 * 0.125e-6) + 0.1, 'total');
  });
});
