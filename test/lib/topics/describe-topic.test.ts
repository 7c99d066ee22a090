import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { createDynamoDocumentClient } from '../../../lib/store/aws-clients';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { describeTopic } from '../../../lib/topics/topic-service';
import { InFlightMeter } from '../../support/in-flight';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** Describing a topic against DynamoDB Local, with the client's reads watched. */
let env: TestPlatform;
let ctx: SluiceContext;
const reads = new InFlightMeter();
const batchGets = new InFlightMeter();

before(async () => {
  env = await startTestPlatform();
  const shared = contextFromEnv();
  const ddb = createDynamoDocumentClient(process.env);
  reads.attach(ddb, ['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);
  batchGets.attach(ddb, ['BatchGetItemCommand']);
  ctx = { ...shared, tables: shared.tables, ddb };
});

after(async () => {
  await env?.stop();
});

describe('describeTopic', () => {
  it('answers a 256-partition topic with one read, the topic item, and no offsets (they are listTopicOffsets)', async () => {
    assert.equal((await call(env.url, 'POST', '/v1/topics', { name: 'wide', partitions: 256, config: { 'retention.ms': '60000' } })).status, 201);
    assert.equal((await call(env.url, 'POST', '/v1/topics/wide/records', { records: [{ value: 'v', partition: 255 }] })).status, 200);
    reads.reset();
    batchGets.reset();
    const described = await describeTopic(ctx, 'wide');
    assert.equal(reads.started, 1);
    assert.equal(batchGets.started, 0);
    assert.deepEqual(Object.keys(described).sort(), ['config', 'createdAt', 'name', 'partitions', 'topicId']);
    assert.equal(described.name, 'wide');
    assert.equal(described.partitions, 256);
    assert.deepEqual(described.config, { 'retention.ms': '60000' });
  });

  it('refuses a topic that does not exist with TOPIC_NOT_FOUND', async () => {
    await assert.rejects(describeTopic(ctx, 'nowhere'), { code: 'TOPIC_NOT_FOUND' });
  });
});
