import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceProducer, type ProducerRetry } from '../../../lib/client/producer';
import { SluiceApiError, type SluiceHttpClient } from '../../../lib/client/sluice-http-client';

/** A client whose first produce call is refused 429 QUOTA_EXCEEDED (retry after 0.02 s), then accepts. */
function throttledOnce(): SluiceHttpClient {
  let calls = 0;
  return {
    describeTopic: async () => ({ partitions: 1 }),
    initProducer: async () => ({ producerId: 1, epoch: 0 }),
    produce: async (_topic: string, request: { records: unknown[] }) => {
      if (calls++ === 0) throw new SluiceApiError(429, 'QUOTA_EXCEEDED', 'past the produce byte rate', true, { retryAfterSeconds: 0.02 });
      return { topic: 't', records: request.records.map((_, offset) => ({ partition: 0, offset, timestamp: 0 })) };
    },
  } as unknown as SluiceHttpClient;
}

test('onRetry is told of each retry with its error and its wait, at least the Retry-After', async () => {
  const retries: ProducerRetry[] = [];
  const producer = new SluiceProducer(throttledOnce(), { lingerMs: 0, random: () => 0, onRetry: (r) => retries.push(r) });
  const meta = await producer.produce('t', { value: 'v' });
  await producer.close();
  assert.equal(meta.offset, 0);
  assert.equal(retries.length, 1);
  assert.equal((retries[0]!.error as SluiceApiError).code, 'QUOTA_EXCEEDED');
  assert.equal(retries[0]!.delayMs, 20);
});
