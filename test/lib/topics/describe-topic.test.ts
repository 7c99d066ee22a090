import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SluiceContext } from '../../../lib/core/context';
import { createDynamoDocumentClient } from '../../../lib/store/aws-clients';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { describeTopic } from '../../../lib/topics/topic-service';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** Describing a topic against DynamoDB Local, with the client's BatchGetItems watched. */
let env: TestPlatform;
let ctx: SluiceContext;
let inFlight = 0;
let maxInFlight = 0;
let batchGets = 0;

before(async () => {
  env = await startTestPlatform();
  const shared = contextFromEnv();
  const ddb = createDynamoDocumentClient(process.env);
  ddb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchGetItemCommand') return next(args);
      batchGets++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await next(args);
      } finally {
        inFlight--;
      }
    },
    { step: 'initialize' },
  );
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
    batchGets = 0;
    maxInFlight = 0;
    const described = await describeTopic(ctx, 'wide');
    assert.equal(batchGets, 3);
    assert.equal(maxInFlight, 3);
    assert.equal(described.partitionOffsets.length, 256);
    const written = described.partitionOffsets.filter((p) => p.highWatermark > 0).map((p) => p.partition);
    assert.deepEqual(written, [0, 99, 100, 255]);
  });
});
