import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapBounded } from '../../../../lib/kafka/gateway/handlers/map-bounded';

describe('mapBounded', () => {
  it('answers in the items order with at most `limit` at work at once', async () => {
    let inFlight = 0;
    let most = 0;
    const items = Array.from({ length: 50 }, (_, i) => i);
    const results = await mapBounded(items, 4, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Later items finish first, so order cannot come from completion.
      for (let k = 0; k < 50 - i; k++) await Promise.resolve();
      inFlight--;
      return i * 2;
    });
    assert.deepEqual(results, items.map((i) => i * 2));
    assert.equal(most, 4);
    assert.deepEqual(await mapBounded([], 4, async () => 1), []);
  });
});
