import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, RETRY, withRetries } from '../../../lib/core/retry';

function fakeContext(random = 0.5) {
  const waits: number[] = [];
  return { waits, ctx: { random: () => random, sleep: async (ms: number) => void waits.push(ms) } };
}

describe('withRetries', () => {
  it('returns the first value that is not RETRY, waiting between attempts', async () => {
    const { ctx, waits } = fakeContext();
    const seen: number[] = [];
    const value = await withRetries(ctx, { attempts: 5, baseDelayMs: 100 }, async (n) => (seen.push(n), n < 3 ? RETRY : `done at ${n}`), () => new Error('exhausted'));
    assert.equal(value, 'done at 3');
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(waits, [50, 100]);
  });

  it('throws what exhausted builds after the last attempt, without waiting after it', async () => {
    const { ctx, waits } = fakeContext();
    await assert.rejects(
      withRetries(ctx, { attempts: 3, baseDelayMs: 10 }, async () => RETRY, (attempts) => new Error(`gave up after ${attempts}`)),
      /gave up after 3/,
    );
    assert.equal(waits.length, 2);
  });

  it('ends at once with the error an attempt throws', async () => {
    const { ctx } = fakeContext();
    let calls = 0;
    await assert.rejects(
      withRetries(ctx, { attempts: 5, baseDelayMs: 10 }, async () => {
        calls++;
        throw new Error('verdict');
      }, () => new Error('exhausted')),
      /verdict/,
    );
    assert.equal(calls, 1);
  });
});

describe('backoffDelay', () => {
  it('doubles its bound per attempt up to the maximum, with full jitter', () => {
    const top = { random: () => 0.999999 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(top, { attempts: 9, baseDelayMs: 10, maxDelayMs: 50 }, n)), [9, 19, 39, 49, 49]);
    assert.equal(backoffDelay({ random: () => 0 }, { attempts: 9, baseDelayMs: 10 }, 4), 0);
  });
});
