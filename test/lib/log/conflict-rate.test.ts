import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commitRetryPolicy, COMMIT_MAX_ATTEMPTS } from '../../../lib/log/commit-batches';
import { ConflictRate } from '../../../lib/log/conflict-rate';

describe('ConflictRate', () => {
  it('starts at 0 and moves toward 1 while every attempt conflicts', () => {
    const rate = new ConflictRate({ weight: 0.2, halfLifeMs: 10_000 });
    assert.equal(rate.current(0), 0);
    for (let i = 0; i < 20; i++) rate.record(0, true);
    assert.ok(rate.current(0) > 0.98, String(rate.current(0)));
  });

  it('falls back as attempts commit', () => {
    const rate = new ConflictRate({ weight: 0.5, halfLifeMs: 10_000 });
    rate.record(0, true);
    rate.record(0, true);
    assert.equal(rate.current(0), 0.75);
    rate.record(0, false);
    assert.equal(rate.current(0), 0.375);
  });

  it('halves every half-life without attempts, so old contention stops slowing a quiet partition', () => {
    const rate = new ConflictRate({ weight: 1, halfLifeMs: 10_000 });
    rate.record(1_000, true);
    assert.equal(rate.current(11_000), 0.5);
    assert.equal(rate.current(21_000), 0.25);
  });
});

describe('commitRetryPolicy', () => {
  it('spreads retries over about as many attempt durations as writers contend (1 / (1 - rate)), 20 ms to 1 s for the first wait', () => {
    assert.deepEqual(commitRetryPolicy(0, 30), { attempts: COMMIT_MAX_ATTEMPTS, baseDelayMs: 30, maxDelayMs: 500 });
    assert.deepEqual(commitRetryPolicy(0.75, 30), { attempts: COMMIT_MAX_ATTEMPTS, baseDelayMs: 120, maxDelayMs: 500 });
    assert.deepEqual(commitRetryPolicy(0.875, 100), { attempts: COMMIT_MAX_ATTEMPTS, baseDelayMs: 800, maxDelayMs: 1600 });
    // At least 20 ms; at most 16 contenders and 1 s.
    assert.equal(commitRetryPolicy(0, 1).baseDelayMs, 20);
    assert.equal(commitRetryPolicy(1, 10).baseDelayMs, 160);
    assert.deepEqual(commitRetryPolicy(1, 500), { attempts: COMMIT_MAX_ATTEMPTS, baseDelayMs: 1000, maxDelayMs: 2000 });
  });
});

describe('ConflictRate attempt durations', () => {
  it('keeps a weighted mean of the attempt durations it is told', () => {
    const rate = new ConflictRate({ weight: 0.5, halfLifeMs: 10_000 });
    assert.equal(rate.meanAttemptMs(), undefined);
    rate.record(0, false, 100);
    rate.record(0, true, 200);
    assert.equal(rate.meanAttemptMs(), 150);
  });
});
