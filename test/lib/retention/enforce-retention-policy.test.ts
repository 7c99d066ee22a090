import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { trimPartition } from '../../../lib/log/trim-partition';
import { enforceRetention, type RetentionEnforcement } from '../../../lib/retention/enforce-retention';
import { DEFAULT_RETENTION_MS } from '../../../lib/retention/retention-settings';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { readHead } from '../../../lib/store/partition-head-store';
import { indexEntries as indexItems, objectExists as objectIn } from '../../support/log-items';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/**
 * Retention and Kafka's cleanup.policy, against DynamoDB Local and the S3 server: a topic
 * whose policy does not include `delete` (`compact` alone) keeps everything by time and by
 * size, as in Kafka, while its trims are still released; `compact,delete` applies
 * retention as `delete` does.
 */
let env: TestPlatform;
let ctx: SluiceContext;

const HOUR = 3_600_000;
const T = Date.now();

before(async () => {
  env = await startTestPlatform();
  ctx = { ...contextFromEnv(), sleep: async () => undefined };
});

after(async () => {
  await env?.stop();
});

const run = () => enforceRetention(ctx, { defaultRetentionMs: DEFAULT_RETENTION_MS, fullSweep: false });
const trimmedOf = (result: RetentionEnforcement, topic: string) => result.trimmed.filter((trim) => trim.topic === topic);

/** `batches` produce calls (one object and batch each) of two records, stamped `timestamp`. */
async function topicWith(name: string, config: Record<string, string>, batches: number, timestamp: number): Promise<string> {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions: 1, config });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (let b = 0; b < batches; b++) {
    // Keyed: a compacted topic refuses records without a key, as Kafka's broker does.
    const records = [0, 1].map((i) => ({ partition: 0, timestamp, key: `k${2 * b + i}`, value: `v${2 * b + i}` }));
    assert.equal((await call(env.url, 'POST', `/v1/topics/${name}/records`, { records })).status, 200);
  }
  return created.body.topicId as string;
}

const indexEntries = (topicId: string) => indexItems(ctx, topicId);
const objectExists = (key: string) => objectIn(ctx, key);

describe('enforceRetention and cleanup.policy', () => {
  it('does not expire the old records of a cleanup.policy=compact topic by time', async () => {
    const topicId = await topicWith('policy-compact', { 'cleanup.policy': 'compact', 'retention.ms': String(HOUR) }, 2, T - 3 * HOUR);
    const result = await run();
    assert.deepEqual(trimmedOf(result, 'policy-compact'), []);
    assert.equal((await readHead(ctx, topicId, 0)).logStartOffset, 0);
    assert.equal((await indexEntries(topicId)).length, 2);
  });

  it('expires the old records of a cleanup.policy=compact,delete topic by time', async () => {
    const topicId = await topicWith('policy-both', { 'cleanup.policy': 'compact,delete', 'retention.ms': String(HOUR) }, 2, T - 3 * HOUR);
    const before = await indexEntries(topicId);
    const result = await run();
    assert.deepEqual(trimmedOf(result, 'policy-both'), [{ topic: 'policy-both', partition: 0, from: 0, to: 4 }]);
    assert.deepEqual(await indexEntries(topicId), []);
    assert.deepEqual(await Promise.all(before.map((e) => objectExists(e.objectKey))), [false, false]);
  });

  it('does not remove batches of a cleanup.policy=compact topic past its retention.bytes', async () => {
    const topicId = await topicWith('policy-compact-size', { 'cleanup.policy': 'compact', 'retention.bytes': '1' }, 3, T);
    await run();
    assert.equal((await readHead(ctx, topicId, 0)).logStartOffset, 0);
    assert.equal((await indexEntries(topicId)).length, 3);
  });

  it('still releases what a trim cut off a cleanup.policy=compact topic', async () => {
    const topicId = await topicWith('policy-compact-trim', { 'cleanup.policy': 'compact' }, 3, T - 3 * HOUR);
    const before = await indexEntries(topicId);
    await trimPartition(ctx, 'policy-compact-trim', 0, 4);
    await run();
    assert.deepEqual((await indexEntries(topicId)).map((e) => e.baseOffset), [4]);
    assert.deepEqual(await Promise.all(before.map((e) => objectExists(e.objectKey))), [false, false, true]);
    assert.equal((await readHead(ctx, topicId, 0)).retentionFrom, T - 3 * HOUR);
  });
});
