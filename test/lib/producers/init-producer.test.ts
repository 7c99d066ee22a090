import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { InternalError } from '../../../lib/core/errors';
import { ProducerAccessDeniedError } from '../../../lib/log/produce-errors';
import { initProducer } from '../../../lib/producers/init-producer';
import { PRODUCER_ID_MIN } from '../../../lib/producers/producer-id';
import { producerKey, producerNameKey } from '../../../lib/store/producer-item';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** Issuing producer ids and names, against DynamoDB Local. */
let env: TestPlatform;
let ctx: SluiceContext;

before(async () => {
  env = await startTestPlatform();
  ctx = contextFromEnv();
});

after(async () => {
  await env?.stop();
});

const item = async (key: { pk: string }) => (await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.producers, Key: key, ConsistentRead: true }))).Item;
/** Ids a test chooses, in order. */
const ids = (...values: number[]) => () => {
  const next = values.shift();
  assert.ok(next !== undefined, 'no more ids');
  return next;
};

describe('initProducer', () => {
  it('stores the principal that initialised the producer on its producer item', async () => {
    const { producerId, epoch } = await initProducer(ctx, { principal: 'alice' });
    assert.equal(epoch, 0);
    assert.ok(producerId >= PRODUCER_ID_MIN);
    const stored = await item(producerKey(producerId));
    assert.equal(stored?.principal, 'alice');
    assert.equal(stored?.epoch, 0);
  });

  it('is the anonymous principal when none is given (authentication off)', async () => {
    const { producerId } = await initProducer(ctx);
    assert.equal((await item(producerKey(producerId)))?.principal, 'anonymous');
  });

  it('draws another id when the drawn one is taken, leaving the existing producer untouched', async () => {
    const taken = await initProducer(ctx, { principal: 'alice', drawProducerId: ids(PRODUCER_ID_MIN + 11) });
    const before = await item(producerKey(taken.producerId));
    const fresh = await initProducer(ctx, { principal: 'bob', drawProducerId: ids(PRODUCER_ID_MIN + 11, PRODUCER_ID_MIN + 12) });
    assert.deepEqual(fresh, { producerId: PRODUCER_ID_MIN + 12, epoch: 0 });
    assert.deepEqual(await item(producerKey(taken.producerId)), before);
  });

  it('gives up with a 500 INTERNAL after five draws in a row that were all taken, creating nothing', async () => {
    const taken = [31, 32, 33, 34, 35].map((n) => PRODUCER_ID_MIN + n);
    for (const id of taken) await initProducer(ctx, { principal: 'alice', drawProducerId: ids(id) });
    const before = await Promise.all(taken.map((id) => item(producerKey(id))));
    await assert.rejects(
      initProducer(ctx, { principal: 'bob', name: 'unlucky', drawProducerId: ids(...taken, PRODUCER_ID_MIN + 36) }),
      (e: unknown) => e instanceof InternalError && e.status === 500 && /5 producer ids/.test(e.message),
    );
    assert.deepEqual(await Promise.all(taken.map((id) => item(producerKey(id)))), before, 'the taken producers are untouched');
    assert.equal(await item(producerKey(PRODUCER_ID_MIN + 36)), undefined, 'no sixth draw');
    assert.equal(await item(producerNameKey('unlucky')), undefined, 'the name is not registered');
  });

  it('never gives a name the id of an existing producer, even when the draw collides', async () => {
    const unnamed = await initProducer(ctx, { principal: 'alice', drawProducerId: ids(PRODUCER_ID_MIN + 21) });
    const named = await initProducer(ctx, { principal: 'bob', name: 'collides', drawProducerId: ids(PRODUCER_ID_MIN + 21, PRODUCER_ID_MIN + 22) });
    assert.deepEqual(named, { producerId: PRODUCER_ID_MIN + 22, epoch: 0 });
    assert.equal((await item(producerKey(unnamed.producerId)))?.epoch, 0, 'the unnamed producer was not fenced');
  });

  it("refuses another principal's name with PRODUCER_ACCESS_DENIED naming name, without bumping the epoch", async () => {
    const alice = await initProducer(ctx, { principal: 'alice', name: 'orders-writer' });
    await assert.rejects(
      initProducer(ctx, { principal: 'bob', name: 'orders-writer' }),
      (e: unknown) => e instanceof ProducerAccessDeniedError && e.status === 403 && e.code === 'PRODUCER_ACCESS_DENIED' && e.details.field === 'name',
    );
    assert.equal((await item(producerKey(alice.producerId)))?.epoch, alice.epoch);
    assert.equal((await item(producerNameKey('orders-writer')))?.principal, 'alice');
    assert.deepEqual(await initProducer(ctx, { principal: 'alice', name: 'orders-writer' }), { producerId: alice.producerId, epoch: alice.epoch + 1 });
  });

  it('no longer counts ids, and an old counter item is left alone', async () => {
    const counter = { pk: 'counter#producer-id' };
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.producers, Item: { ...counter, lastId: 41 } }));
    const { producerId } = await initProducer(ctx, { principal: 'alice' });
    assert.notEqual(producerId, 42);
    assert.deepEqual(await item(counter), { ...counter, lastId: 41 });
  });

  it('treats items written before principals were stored as the anonymous principal', async () => {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.producers, Item: { ...producerNameKey('legacy'), producerId: 7, name: 'legacy', createdAt: 1 } }));
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.producers, Item: { ...producerKey(7), producerId: 7, epoch: 3, name: 'legacy', updatedAt: 1 } }));
    await assert.rejects(initProducer(ctx, { principal: 'alice', name: 'legacy' }), ProducerAccessDeniedError);
    assert.deepEqual(await initProducer(ctx, { name: 'legacy' }), { producerId: 7, epoch: 4 });
  });
});
