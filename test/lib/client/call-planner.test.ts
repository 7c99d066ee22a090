import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cheapestPartitionsPerCall, ConflictEstimate, DEFAULT_CALL_PRICES, expectedCostPerPartition } from '../../../lib/client/call-planner';
import { PRICES, unitPrice } from '../../../lib/cost/prices';

describe('call planner', () => {
  test('without conflicts the widest call is the cheapest per partition', () => {
    assert.equal(cheapestPartitionsPerCall(49, 0, false), 49);
    assert.equal(cheapestPartitionsPerCall(32, 0, true), 32);
  });

  test('a wide call costs more in total but less per partition than single-partition calls', () => {
    const wide = expectedCostPerPartition(49, 0, false);
    const single = expectedCostPerPartition(1, 0, false);
    assert.ok(wide * 49 > single, 'one 49-partition call bills more than one 1-partition call');
    assert.ok(wide < single, 'but less per partition');
  });

  test('the cheapest width falls as the per-partition conflict chance rises', () => {
    const widths = [0, 0.01, 0.05, 0.1, 0.3, 0.6].map((q) => cheapestPartitionsPerCall(49, q, false));
    for (let i = 1; i < widths.length; i++) assert.ok(widths[i]! <= widths[i - 1]!, `widths ${widths.join(', ')} never rise`);
    assert.ok(widths.at(-1)! < 49, `at a 60% conflict chance calls are narrower (${widths.join(', ')})`);
    assert.ok(widths.at(-1)! >= 1);
  });

  test('the chosen width is at least as cheap as every other width', () => {
    for (const q of [0.02, 0.1, 0.25]) {
      const best = cheapestPartitionsPerCall(49, q, true);
      const bestCost = expectedCostPerPartition(best, q, true);
      for (let m = 1; m <= 49; m++) assert.ok(bestCost <= expectedCostPerPartition(m, q, true) * (1 + 1e-9), `q=${q}: ${best} vs ${m}`);
    }
  });

  test('the conflict estimate is 0 for calls that committed at the first attempt and rises with reported retries', () => {
    const estimate = new ConflictEstimate();
    for (let i = 0; i < 10; i++) estimate.record(10, 1);
    assert.equal(estimate.value, 0);
    for (let i = 0; i < 20; i++) estimate.record(10, 3);
    // (1 - q)^10 = 1/3, so q = 1 - 3^(-1/10) ≈ 0.104; the average approaches it.
    assert.ok(Math.abs(estimate.value - (1 - 3 ** (-1 / 10))) < 0.01, `estimate ${estimate.value}`);
  });

  test('the conflict estimate ignores calls without a reported attempt count', () => {
    const estimate = new ConflictEstimate();
    estimate.record(5, 0);
    estimate.record(0, 2);
    assert.equal(estimate.value, 0);
  });

  test("the client's prices are the cost model's", () => {
    const lambdaMs = 40;
    assert.ok(Math.abs(DEFAULT_CALL_PRICES.perTransactionItem - 2 * unitPrice(PRICES.dynamoWriteRequestUnits)) < 1e-15);
    assert.ok(Math.abs(DEFAULT_CALL_PRICES.perRead - unitPrice(PRICES.dynamoReadRequestUnits)) < 1e-15);
    const perCall =
      unitPrice(PRICES.apiGatewayHttpRequests) + unitPrice(PRICES.lambdaRequests) + 1.024 * (lambdaMs / 1000) * unitPrice(PRICES.lambdaArmGbSecond) + unitPrice(PRICES.s3PutRequests);
    assert.ok(Math.abs(DEFAULT_CALL_PRICES.perCall - perCall) < 1e-15);
  });
});
