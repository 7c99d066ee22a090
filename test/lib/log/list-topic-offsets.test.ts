import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { listTopicOffsets } from '../../../lib/log/list-offsets';
import { createDynamoDocumentClient } from '../../../lib/store/aws-clients';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { InFlightMeter } from '../../support/in-flight';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** Every partition's offsets of a topic against DynamoDB Local, with the client's BatchGetItems watched. */
let env: TestPlatform;
let ctx: SluiceContext;
const meter = new InFlightMeter();

before(async () => {
  env = await startTestPlatform();
  const shared = contextFromEnv();
  const ddb = createDynamoDocumentClient(process.env);
  meter.attach(ddb, ['BatchGetItemCommand']);
  ctx = { ...shared, tables: shared.tables, ddb };
});

after(async () => {
  await env?.stop();
});

describe('listTopicOffsets', () => {
  it('reads the heads of a 256-partition topic with three BatchGetItems in flight together, not one after another', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'wide', partitions: 256 })).status, 201);
    const records = [0, 99, 100, 255, 255].map((partition) => ({ value: `p${partition}`, partition }));
    assert.equal((await call(env.url, 'POST', '/v1/topics/wide/records', { records })).status, 200);
    meter.reset();
    const offsets = await listTopicOffsets(ctx, 'wide');
    assert.equal(meter.started, 3);
    assert.equal(meter.max, 3);
    assert.equal(offsets.topic, 'wide');
    assert.deepEqual(
      offsets.partitions.map((p) => p.partition),
      Array.from({ length: 256 }, (_, p) => p),
    );
    const written = offsets.partitions.filter((p) => p.highWatermark > 0).map((p) => [p.partition, p.highWatermark]);
    assert.deepEqual(written, [[0, 1], [99, 1], [100, 1], [255, 2]]);
    // A partition never written answers 0 and 0.
    assert.deepEqual(offsets.partitions[1], { partition: 1, logStartOffset: 0, highWatermark: 0, storedBytes: 0 });
  });

  it('refuses a topic that does not exist with TOPIC_NOT_FOUND', async () => {
    await assert.rejects(listTopicOffsets(ctx, 'nowhere'), { code: 'TOPIC_NOT_FOUND' });
  });
});
