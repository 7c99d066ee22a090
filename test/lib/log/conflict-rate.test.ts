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
  it('waits from 20 ms (capped at 500 ms) when commits rarely conflict, up to 160 ms (capped at 1 s) when they all do', () => {
    assert.deepEqual(commitRetryPolicy(0), { attempts: COMMIT_MAX_ATTEMPTS, baseDelayMs: 20, maxDelayMs: 500 });
    assert.deepEqual(commitRetryPolicy(1), { attempts: COMMIT_MAX_ATTEMPTS, baseDelayMs: 160, maxDelayMs: 1000 });
    assert.deepEqual(commitRetryPolicy(0.5), { attempts: COMMIT_MAX_ATTEMPTS, baseDelayMs: 90, maxDelayMs: 750 });
  });
});
