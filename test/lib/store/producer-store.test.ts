import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../../lib/core/context';
import { contextFromEnv } from '../../../lib/runtime/context-from-env';
import { MAX_PRODUCER_EPOCH, producerKey, producerNameKey } from '../../../lib/store/producer-item';
import { bumpProducerEpoch, producerClaimCheck, putNewProducer, putProducerName, readProducer, readProducerName } from '../../../lib/store/producer-store';
import { startTestPlatform, type TestPlatform } from '../../support/local-platform';

/** The Producers table store, against DynamoDB Local. */
let env: TestPlatform;
let ctx: SluiceContext;
let clock = 1_000;

before(async () => {
  env = await startTestPlatform();
  const shared = contextFromEnv();
  ctx = { ...shared, tables: shared.tables, now: () => clock };
});

after(async () => {
  await env?.stop();
});

const raw = async (key: { pk: string }) => (await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.producers, Key: key, ConsistentRead: true }))).Item;
const put = (item: Record<string, unknown>) => ctx.ddb.send(new PutCommand({ TableName: ctx.tables.producers, Item: item }));

/** Commits the check with one unrelated write (in the Log table), answering whether the transaction went through. */
async function commitsWith(check: ReturnType<typeof producerClaimCheck>): Promise<boolean> {
  try {
    await ctx.ddb.send(new TransactWriteCommand({ TransactItems: [check, { Put: { TableName: ctx.tables.log, Item: { pk: `scratch#${Math.random()}`, sk: 'scratch' } } }] }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'TransactionCanceledException') return false;
    throw error;
  }
}

describe('producer store', () => {
  it('creates a producer item at epoch 0 with its principal and name', async () => {
    clock = 5_000;
    assert.equal(await putNewProducer(ctx, { producerId: 101, principal: 'alice', name: 'writer' }), 'created');
    assert.deepEqual(await readProducer(ctx, 101), { producerId: 101, epoch: 0, principal: 'alice', name: 'writer', updatedAt: 5_000 });
  });

  it('answers id-taken for an id already issued and leaves its producer as it was', async () => {
    await putNewProducer(ctx, { producerId: 102, principal: 'alice' });
    const before = await raw(producerKey(102));
    assert.equal(await putNewProducer(ctx, { producerId: 102, principal: 'bob' }), 'id-taken');
    assert.deepEqual(await raw(producerKey(102)), before);
  });

  it('registers a name once: a second registration is name-taken and the first stays', async () => {
    assert.equal(await putProducerName(ctx, { name: 'once', producerId: 103, principal: 'alice' }), 'registered');
    assert.equal(await putProducerName(ctx, { name: 'once', producerId: 104, principal: 'bob' }), 'name-taken');
    assert.deepEqual(await readProducerName(ctx, 'once'), { producerId: 103, principal: 'alice' });
    assert.equal(await readProducerName(ctx, 'never-registered'), undefined);
  });

  it("bumps the owner's epoch by one and refuses another principal with not-owned, epoch unchanged", async () => {
    await putNewProducer(ctx, { producerId: 105, principal: 'alice', name: 'bumped' });
    assert.deepEqual(await bumpProducerEpoch(ctx, { producerId: 105, name: 'bumped', principal: 'alice' }), { kind: 'bumped', epoch: 1 });
    assert.deepEqual(await bumpProducerEpoch(ctx, { producerId: 105, name: 'bumped', principal: 'bob' }), { kind: 'not-owned' });
    assert.equal((await readProducer(ctx, 105))?.epoch, 1);
  });

  it('answers epoch-exhausted at the last epoch, without wrapping', async () => {
    await put({ ...producerKey(106), producerId: 106, epoch: MAX_PRODUCER_EPOCH, principal: 'alice', name: 'old', updatedAt: 1 });
    assert.deepEqual(await bumpProducerEpoch(ctx, { producerId: 106, name: 'old', principal: 'alice' }), { kind: 'epoch-exhausted' });
    assert.equal((await readProducer(ctx, 106))?.epoch, MAX_PRODUCER_EPOCH);
  });

  it('creates the missing producer item of a name registered before producer items existed, at epoch 0', async () => {
    clock = 9_000;
    assert.deepEqual(await bumpProducerEpoch(ctx, { producerId: 107, name: 'early', principal: 'alice' }), { kind: 'bumped', epoch: 0 });
    assert.deepEqual(await readProducer(ctx, 107), { producerId: 107, epoch: 0, principal: 'alice', name: 'early', updatedAt: 9_000 });
  });

  it('treats an item without a principal as anonymous: anonymous may bump it, a named principal may not', async () => {
    await put({ ...producerKey(108), producerId: 108, epoch: 3, name: 'legacy', updatedAt: 1 });
    assert.deepEqual(await bumpProducerEpoch(ctx, { producerId: 108, name: 'legacy', principal: 'alice' }), { kind: 'not-owned' });
    assert.deepEqual(await bumpProducerEpoch(ctx, { producerId: 108, name: 'legacy', principal: 'anonymous' }), { kind: 'bumped', epoch: 4 });
    await put({ ...producerNameKey('legacy'), producerId: 108, name: 'legacy', createdAt: 1 });
    assert.deepEqual(await readProducerName(ctx, 'legacy'), { producerId: 108, principal: 'anonymous' });
  });

  it('checks in a transaction that the claim holds the current epoch and belongs to its principal', async () => {
    await putNewProducer(ctx, { producerId: 109, principal: 'alice' });
    await bumpProducerEpoch(ctx, { producerId: 109, name: 'claimed', principal: 'alice' });
    assert.equal(await commitsWith(producerClaimCheck(ctx, { producerId: 109, epoch: 1, principal: 'alice' })), true);
    assert.equal(await commitsWith(producerClaimCheck(ctx, { producerId: 109, epoch: 0, principal: 'alice' })), false, 'a fenced epoch');
    assert.equal(await commitsWith(producerClaimCheck(ctx, { producerId: 109, epoch: 1, principal: 'bob' })), false, "another principal's id");
    assert.equal(await commitsWith(producerClaimCheck(ctx, { producerId: 999_999, epoch: 0, principal: 'alice' })), false, 'an id never issued');
  });

  it('lets anonymous claims pass on items written before principals were stored', async () => {
    await put({ ...producerKey(110), producerId: 110, epoch: 2, updatedAt: 1 });
    assert.equal(await commitsWith(producerClaimCheck(ctx, { producerId: 110, epoch: 2, principal: 'anonymous' })), true);
    assert.equal(await commitsWith(producerClaimCheck(ctx, { producerId: 110, epoch: 2, principal: 'alice' })), false);
  });
});
