import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { createDynamoDocumentClient } from '../../../lib/store/aws-clients';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { describeTopic } from '../../../lib/topics/topic-service';
import { InFlightMeter } from '../../support/in-flight';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** Describing a topic against DynamoDB Local, with the client's BatchGetItems watched. */
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

describe('describeTopic', () => {
  it('reads the heads of a 256-partition topic with three BatchGetItems in flight together, not one after another', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'wide', partitions: 256 })).status, 201);
    const records = [0, 99, 100, 255].map((partition) => ({ value: `p${partition}`, partition }));
    assert.equal((await call(env.url, 'POST', '/v1/topics/wide/records', { records })).status, 200);
    meter.reset();
    const described = await describeTopic(ctx, 'wide');
    assert.equal(meter.started, 3);
    assert.equal(meter.max, 3);
    assert.equal(described.partitionOffsets.length, 256);
    const written = described.partitionOffsets.filter((p) => p.highWatermark > 0).map((p) => p.partition);
    assert.deepEqual(written, [0, 99, 100, 255]);
  });
});
