/**
 * `sluice cost`: the cost model as a command, run as a child process (it needs no server).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { CostEstimate } from '../../lib/cost/estimate';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sluice(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/sluice.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
}

const WORKLOAD = ['--write-mib-per-second', '2', '--batch-records', '500', '--consumers', '2', '--retention-days', '3', '--partitions', '32'];

describe('sluice cost', () => {
  const json = sluice(['--json', 'cost', ...WORKLOAD]);
  const text = sluice(['cost', ...WORKLOAD]);

  it('prints the estimate as JSON with --json: the input, Sluice by service, Kinesis and MSK Serverless', () => {
    assert.equal(json.status, 0, json.stderr);
    const estimate = JSON.parse(json.stdout) as CostEstimate;
    assert.equal(estimate.input.bytesPerSecond, 2 * 1024 * 1024);
    assert.equal(estimate.input.retentionHours, 72);
    assert.equal(estimate.input.fetchRecords, 500, 'fetches default to the batch size');
    // 2,048 records/s of 1 KiB: three shards' records (1,000 each), though two shards' bytes.
    assert.equal(estimate.kinesisProvisioned.shards, 3);
    assert.equal(estimate.mskServerless.note, 'one cluster, 32 partitions');
    for (const line of ['API Gateway', 'Lambda', 'S3 requests', 'S3 storage', 'DynamoDB requests', 'DynamoDB storage', 'CloudWatch alarms']) {
      assert.ok((estimate.sluice.lines[line] ?? 0) > 0, line);
    }
    for (const system of [estimate.sluice, estimate.kinesisOnDemand, estimate.kinesisProvisioned, estimate.mskServerless]) {
      const sum = Object.values(system.lines).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - system.total) < 1e-6, `${system.system} total is the sum of its lines`);
    }
  });

  it('prints the same estimate as text: the workload, each system’s lines and total, and the assumptions', () => {
    assert.equal(text.status, 0, text.stderr);
    const estimate = JSON.parse(json.stdout) as CostEstimate;
    assert.match(text.stdout, /^Workload: 2 MiB\/s \(2,048 records\/s of 1024 B\) around the clock, 500 records per produce call, 500 per fetch, 2 consumer groups, 3 days retention$/m);
    for (const heading of ['Sluice', 'Kinesis on-demand', 'Kinesis provisioned (3 shards, sized for the peak)', 'MSK Serverless (one cluster, 32 partitions)']) {
      assert.ok(text.stdout.includes(`\n${heading}`), heading);
    }
    for (const line of Object.keys(estimate.sluice.lines)) assert.match(text.stdout, new RegExp(`^  ${line.replace(/[()]/g, '\\$&')} +\\$[\\d.,e-]+$`, 'm'), line);
    // The totals table at the end: each system's total as --json gives it, rounded for display.
    const totals = text.stdout.slice(text.stdout.indexOf('Monthly totals (USD):'));
    for (const system of [estimate.sluice, estimate.kinesisOnDemand, estimate.kinesisProvisioned, estimate.mskServerless]) {
      const shown = new RegExp(`^  ${system.system} +\\$([\\d,.]+)$`, 'm').exec(totals)?.[1];
      assert.ok(shown !== undefined, `a total for ${system.system}`);
      assert.ok(Math.abs(Number(shown.replaceAll(',', '')) - system.total) <= 0.5, `${system.system}: ${shown} against ${system.total}`);
    }
    assert.match(text.stdout, /^Assumptions:$/m);
    assert.match(text.stdout, /Kinesis retention beyond 24 h \(here 72 h\)/);
  });

  it('takes the rate in records per second times the record size', () => {
    const r = sluice(['--json', 'cost', '--records-per-second', '3000', '--record-bytes', '200']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as CostEstimate).input.bytesPerSecond, 600_000);
  });

  it('fetches at most what fits a fetch’s 4 MiB', () => {
    const r = sluice(['--json', 'cost', '--write-mib-per-second', '1', '--record-bytes', '65536', '--batch-records', '40', '--fetch-records', '1000']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as CostEstimate).input.fetchRecords, 64);
  });

  it('refuses a batch whose produce body would be over the request limit, as a usage error', () => {
    const r = sluice(['cost', '--write-mib-per-second', '1', '--record-bytes', '8192', '--batch-records', '1000']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /a produce call of 1000 records of 8192 B is over the 5 MiB request limit as base64: lower --batch-records/);
  });

  it('refuses a missing rate, two rates, or a bad number, as usage errors', () => {
    const missing = sluice(['cost']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /give the write rate: --write-mib-per-second <n> or --records-per-second <n>/);
    const both = sluice(['cost', '--write-mib-per-second', '1', '--records-per-second', '5']);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /cannot be used with/);
    const bad = sluice(['cost', '--write-mib-per-second', '-1']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /must be a number above 0/);
  });
});
