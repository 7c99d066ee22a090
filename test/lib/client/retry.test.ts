import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { retryAfterMs, retryDelay, withRetries } from '../../../lib/client/retry';
import { SluiceApiError, SluiceConnectionError } from '../../../lib/client/sluice-http-client';

const busy = (details: Record<string, unknown> = {}): SluiceApiError => new SluiceApiError(503, 'SERVICE_BUSY', 'busy', true, details);
const refused = (): SluiceApiError => new SluiceApiError(403, 'ACCESS_DENIED', 'no', false, {});
const FAST = { baseMs: 1, maxMs: 2 };

describe('client retry module', () => {
  test('the backoff doubles from its base up to its cap', () => {
    const backoff = { baseMs: 100, maxMs: 500 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => retryDelay(backoff, n)), [100, 200, 400, 500, 500]);
  });

  test('full jitter waits a uniform share of the bound', () => {
    const backoff = { baseMs: 100, maxMs: 5000, jitter: true, random: () => 0.25 };
    assert.equal(retryDelay(backoff, 3), 100);
  });

  test('a retryAfterSeconds from the server is waited out even when the backoff is shorter', () => {
    assert.equal(retryAfterMs(busy({ retryAfterSeconds: 3 })), 3000);
    assert.equal(retryDelay({ baseMs: 100, maxMs: 500 }, 1, busy({ retryAfterSeconds: 3 })), 3000);
    assert.equal(retryAfterMs(busy()), 0);
  });

  test('withRetries retries retriable failures up to the limit, then throws the last one', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(async () => {
        calls++;
        throw busy();
      }, { retries: 3, backoff: FAST }),
      (err: SluiceApiError) => err.code === 'SERVICE_BUSY',
    );
    assert.equal(calls, 4);
  });

  test('withRetries goes on after a connection failure and answers the first success', async () => {
    let calls = 0;
    const answer = await withRetries(async () => {
      if (++calls < 3) throw new SluiceConnectionError('refused', 'http://localhost:1');
      return 'ok';
    }, { retries: 5, backoff: FAST });
    assert.equal(answer, 'ok');
    assert.equal(calls, 3);
  });

  test('a non-retriable failure is thrown at once', async () => {
    let calls = 0;
    await assert.rejects(withRetries(async () => {
      calls++;
      throw refused();
    }, { retries: 5, backoff: FAST }));
    assert.equal(calls, 1);
  });

  test('mayRetry can stop the retries (a deadline), and is told the wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    await assert.rejects(
      withRetries(async () => {
        calls++;
        throw busy({ retryAfterSeconds: 60 });
      }, { retries: 5, backoff: FAST, mayRetry: (_err, delayMs) => (waits.push(delayMs), false) }),
    );
    assert.equal(calls, 1);
    assert.deepEqual(waits, [60_000]);
  });
});
