import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readCommitState } from '../../../lib/log/commit-state';
import { FencedError, ProducerAccessDeniedError, UnknownProducerError } from '../../../lib/log/produce-errors';
import { countsOf, RequestCounter } from '../../../lib/cost/request-accounting';
import { createDynamoDocumentClient } from '../../../lib/store/aws-clients';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import type { SluiceContext } from '../../../lib/core/context';
import { call, startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** What a commit reads first, against DynamoDB Local, with the requests it takes counted. */
let env: TestPlatform;
let ctx: SluiceContext;
let counter: RequestCounter;

before(async () => {
  env = await startTestPlatform();
  // A client of its own, so the platform's background work is not counted.
  const shared = contextFromEnv();
  ctx = { ...shared, tables: shared.tables, ddb: createDynamoDocumentClient(process.env) };
  counter = new RequestCounter().attach(ctx.ddb);
});

after(async () => {
  await env?.stop();
});

async function topicWithProducer(name: string, partitions: number): Promise<{ topicId: string; producerId: number; epoch: number }> {
  const created = await call(env.url, 'POST', '/v1/topics', { name, partitions });
  assert.equal(created.status, 201);
  const { body: producer } = await call(env.url, 'POST', '/v1/producers', { name: `${name}-producer` });
  const sequences = Object.fromEntries(Array.from({ length: partitions }, (_, p) => [String(p), 0]));
  const records = Array.from({ length: partitions }, (_, p) => ({ value: `v${p}`, partition: p }));
  const produced = await call(env.url, 'POST', `/v1/topics/${name}/records`, { producer: { id: producer.producerId, epoch: producer.epoch, sequences }, records });
  assert.equal(produced.status, 200, JSON.stringify(produced.body));
  return { topicId: created.body.topicId, producerId: producer.producerId, epoch: producer.epoch };
}

describe('readCommitState', () => {
  it('reads every head, every producer state and the producer in one BatchGetItem, for the most partitions an idempotent call may touch', async () => {
    const { topicId, producerId, epoch } = await topicWithProducer('state-32', 32);
    const partitions = Array.from({ length: 32 }, (_, p) => p);
    const before = counter.snapshot();
    const state = await readCommitState(ctx, topicId, partitions, { producerId, epoch, principal: 'anonymous', sequences: new Map(partitions.map((p) => [p, 1])) });
    const batch = countsOf(counter.snapshot(), 'DynamoDB', 'BatchGetItem').requests - countsOf(before, 'DynamoDB', 'BatchGetItem').requests;
    assert.equal(batch, 1);
    assert.deepEqual([...state.heads.values()].map((h) => h?.nextOffset), partitions.map(() => 1));
    assert.deepEqual([...state.producerStates.values()].map((s) => [s?.epoch, s?.nextSequence]), partitions.map(() => [epoch, 1]));
  });

  it('refuses an older epoch as FENCED and an epoch never issued as UNKNOWN_PRODUCER', async () => {
    const { topicId, producerId } = await topicWithProducer('state-fenced', 1);
    await call(env.url, 'POST', '/v1/producers', { name: 'state-fenced-producer' }); // epoch 1 fences epoch 0
    await assert.rejects(readCommitState(ctx, topicId, [0], { producerId, epoch: 0, principal: 'anonymous', sequences: new Map([[0, 1]]) }), FencedError);
    await assert.rejects(readCommitState(ctx, topicId, [0], { producerId, epoch: 9, principal: 'anonymous', sequences: new Map([[0, 0]]) }), UnknownProducerError);
  });

  it('refuses a producer id never issued, and one issued to another principal, alike as PRODUCER_ACCESS_DENIED before any epoch check', async () => {
    const { topicId, producerId } = await topicWithProducer('state-bound', 1);
    const refusal = (claim: { producerId: number; epoch: number; principal: string }) =>
      readCommitState(ctx, topicId, [0], { ...claim, sequences: new Map([[0, 0]]) }).then(
        () => assert.fail('was not refused'),
        (e: unknown) => {
          assert.ok(e instanceof ProducerAccessDeniedError, String(e));
          assert.equal(e.status, 403);
          assert.equal(e.details.field, 'producer.id');
          return e.code;
        },
      );
    assert.equal(await refusal({ producerId: producerId + 1_000_000, epoch: 0, principal: 'anonymous' }), 'PRODUCER_ACCESS_DENIED');
    // Epochs 0 (current) and 9 (never issued) would otherwise answer differently.
    assert.equal(await refusal({ producerId, epoch: 0, principal: 'bob' }), 'PRODUCER_ACCESS_DENIED');
    assert.equal(await refusal({ producerId, epoch: 9, principal: 'bob' }), 'PRODUCER_ACCESS_DENIED');
  });
});
