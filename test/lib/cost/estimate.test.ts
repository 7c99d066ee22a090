import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sluiceMonthly, type Workload } from '../../../lib/cost/cost-model';
import { estimateMonthly, modeledProfile, OTHER_SCHEDULED_RUNS, sluiceMonthlyByService, STACK_ALARM_METRICS, type CostInput } from '../../../lib/cost/estimate';
import { scheduledMonthly } from '../../../lib/cost/idle-cost';
import { MIB, PRICES, unitPrice } from '../../../lib/cost/prices';

const BASE: CostInput = {
  bytesPerSecond: MIB,
  recordBytes: 1024,
  batchRecords: 100,
  fetchRecords: 100,
  consumers: 1,
  retentionHours: 24,
  partitions: 16,
  activeHoursPerDay: 24,
};

const REQUEST_LINES = ['API Gateway', 'Lambda', 'S3 requests', 'DynamoDB requests'];
const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} against ${expected}`);

describe('sluice cost estimate', () => {
  it('prices Sluice by service: API Gateway, Lambda, S3 and DynamoDB requests and storage, scheduled work and alarms', () => {
    assert.deepEqual(Object.keys(estimateMonthly(BASE).sluice.lines), [
      'API Gateway',
      'Lambda',
      'S3 requests',
      'S3 storage',
      'DynamoDB requests',
      'DynamoDB storage',
      'orphan collector (hourly)',
      'retention (every 5 min)',
      'other scheduled functions',
      'CloudWatch alarms',
    ]);
  });

  it('doubles the request lines when the write rate doubles, and leaves the fixed ones', () => {
    const one = estimateMonthly(BASE).sluice.lines;
    const two = estimateMonthly({ ...BASE, bytesPerSecond: 2 * MIB }).sluice.lines;
    for (const line of REQUEST_LINES) close(two[line]!, 2 * one[line]!, line);
    assert.ok(one['API Gateway']! > 0);
    close(two['CloudWatch alarms']!, one['CloudWatch alarms']!, 'CloudWatch alarms');
    close(two['other scheduled functions']!, one['other scheduled functions']!, 'other scheduled functions');
  });

  it('lowers the request lines tenfold with ten times the records per call, while the storage stays', () => {
    const hundred = estimateMonthly(BASE).sluice.lines;
    const thousand = estimateMonthly({ ...BASE, batchRecords: 1000, fetchRecords: 1000 }).sluice.lines;
    close(thousand['S3 requests']!, hundred['S3 requests']! / 10, 'S3 requests');
    close(thousand['DynamoDB requests']!, hundred['DynamoDB requests']! / 10, 'DynamoDB requests');
    assert.ok(Math.abs(thousand['S3 storage']! / hundred['S3 storage']! - 1) < 0.01);
  });

  it('meters a produce body over 512 KB as several API Gateway requests', () => {
    // 1,000 records of 1 KiB as base64 JSON: about 1.4 MB, three started 512 KB.
    const profile = modeledProfile({ recordBytes: 1024, batchRecords: 1000, fetchRecords: 1000 });
    assert.ok(profile.produce.httpRequestBytes > 2 * 512 * 1024 && profile.produce.httpRequestBytes <= 3 * 512 * 1024, String(profile.produce.httpRequestBytes));
  });

  it('sizes Kinesis provisioned shards by the write rate: 1 MiB/s or 1,000 records/s each', () => {
    // 4 KiB records: the bytes decide.
    const shards = (input: Partial<CostInput>) => estimateMonthly({ ...BASE, recordBytes: 4096, ...input }).kinesisProvisioned.shards;
    assert.equal(shards({ bytesPerSecond: MIB / 2 }), 1);
    assert.equal(shards({ bytesPerSecond: 3 * MIB }), 3);
    assert.equal(shards({ bytesPerSecond: 10 * MIB }), 10);
    // 5,000 records/s of 100 B: half a MiB/s, but five shards' records.
    assert.equal(shards({ bytesPerSecond: 5000 * 100, recordBytes: 100 }), 5);
    const provisioned = estimateMonthly({ ...BASE, recordBytes: 4096, bytesPerSecond: 3 * MIB }).kinesisProvisioned;
    close(provisioned.lines['shard-hours']!, 3 * 730 * unitPrice(PRICES.kinesisShardHour), 'shard-hours');
  });

  it('prices MSK Serverless by the partitions given, and data out per consumer group', () => {
    const msk = estimateMonthly({ ...BASE, partitions: 64 }).mskServerless.lines;
    close(msk['partition-hours']!, 64 * 730 * 0.0015, 'partition-hours');
    close(msk['cluster-hours']!, 730 * 0.75, 'cluster-hours');
    const three = estimateMonthly({ ...BASE, consumers: 3 }).mskServerless.lines;
    close(three['data out']!, 3 * estimateMonthly(BASE).mskServerless.lines['data out']!, 'data out');
  });

  it('doubles the stored lines when retention doubles, and not the request lines', () => {
    const day = estimateMonthly(BASE);
    const twoDays = estimateMonthly({ ...BASE, retentionHours: 48 });
    close(twoDays.sluice.lines['S3 storage']!, 2 * day.sluice.lines['S3 storage']!, 'S3 storage');
    close(twoDays.mskServerless.lines.storage!, 2 * day.mskServerless.lines.storage!, 'MSK storage');
    for (const line of REQUEST_LINES) close(twoDays.sluice.lines[line]!, day.sluice.lines[line]!, line);
    assert.ok(twoDays.assumptions.some((a) => a.includes('beyond 24 h')));
    assert.ok(!day.assumptions.some((a) => a.includes('beyond 24 h')));
  });

  it('scales the write-driven bills by the hours a day the workload runs', () => {
    const allDay = estimateMonthly(BASE);
    const hour = estimateMonthly({ ...BASE, activeHoursPerDay: 1 });
    close(hour.sluice.lines['API Gateway']!, allDay.sluice.lines['API Gateway']! / 24, 'API Gateway');
    close(hour.kinesisOnDemand.lines['data in']!, allDay.kinesisOnDemand.lines['data in']! / 24, 'Kinesis data in');
    assert.equal(hour.kinesisProvisioned.shards, allDay.kinesisProvisioned.shards, 'shards are sized for the peak');
  });

  it('adds up, by service, to the bench model’s bill plus the other scheduled functions and alarms', () => {
    const workload: Workload = { name: 'w', description: 'w', bytesPerSecond: 4 * MIB, activeSecondsPerMonth: 730 * 3600, recordBytes: 512, consumers: 2, retentionHours: 72 };
    const profile = modeledProfile({ recordBytes: 512, batchRecords: 250, fetchRecords: 500 });
    const expected = sluiceMonthly(workload, profile).total + scheduledMonthly(OTHER_SCHEDULED_RUNS).total + STACK_ALARM_METRICS * unitPrice(PRICES.cloudwatchStandardAlarmMetric);
    close(sluiceMonthlyByService(workload, profile).total, expected, 'total');
  });

  it('says when the calls at the peak exceed the stack’s default throttle', () => {
    assert.ok(!estimateMonthly(BASE).assumptions.some((a) => a.includes('throttle')));
    assert.ok(estimateMonthly({ ...BASE, batchRecords: 1, fetchRecords: 1 }).assumptions.some((a) => a.includes("default API throttle of 500/s")));
  });
});
