import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ANONYMOUS } from '../auth/principal';
import type { SluiceContext } from '../core/context';
import { fromProducerItem, fromProducerNameItem, MAX_PRODUCER_EPOCH, producerKey, producerNameKey, type ProducerNameRecord, type ProducerRecord } from './producer-item';
import type { TransactItem } from './transact-write';

/**
 * The Producers table: every read, write and expression on producer and name items.
 * Answers are typed; lib/producers turns them into the errors a caller sees.
 */

export type BumpResult = { kind: 'bumped'; epoch: number } | { kind: 'not-owned' } | { kind: 'epoch-exhausted' };

/** A new producer item at epoch 0; an id already issued is `id-taken` and its item is left alone. */
export async function putNewProducer(ctx: SluiceContext, producer: { producerId: number; principal: string; name?: string }): Promise<'created' | 'id-taken'> {
  const { producerId, principal, name } = producer;
  const item = { ...producerKey(producerId), producerId, epoch: 0, principal, ...(name === undefined ? {} : { name }), updatedAt: ctx.now() };
  return (await putIfAbsent(ctx, item)) ? 'created' : 'id-taken';
}

/** Maps `name` to a producer id, once: a name already registered is `name-taken` and keeps its id. */
export async function putProducerName(ctx: SluiceContext, registration: { name: string; producerId: number; principal: string }): Promise<'registered' | 'name-taken'> {
  const { name, producerId, principal } = registration;
  return (await putIfAbsent(ctx, { ...producerNameKey(name), producerId, name, principal, createdAt: ctx.now() })) ? 'registered' : 'name-taken';
}

export async function readProducer(ctx: SluiceContext, producerId: number): Promise<ProducerRecord | undefined> {
  return fromProducerItem(await getItem(ctx, producerKey(producerId)));
}

export async function readProducerName(ctx: SluiceContext, name: string): Promise<ProducerNameRecord | undefined> {
  return fromProducerNameItem(await getItem(ctx, producerNameKey(name)));
}

/**
 * The next epoch of a named producer, for its owner only and never past the int16 limit.
 * A name registered before producer items were created first may lack its item; it is
 * created here, at epoch 0.
 */
export async function bumpProducerEpoch(ctx: SluiceContext, producer: { producerId: number; name: string; principal: string }): Promise<BumpResult> {
  const { producerId, name, principal } = producer;
  const owned = ownedByCondition(principal);
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.producers,
        Key: producerKey(producerId),
        UpdateExpression: 'SET epoch = if_not_exists(epoch, :minusOne) + :one, producerId = :id, #principal = if_not_exists(#principal, :principal), #name = :name, updatedAt = :now',
        ConditionExpression: `attribute_not_exists(pk) OR (epoch < :max AND ${owned.expression})`,
        ExpressionAttributeNames: { '#name': 'name', ...owned.names },
        ExpressionAttributeValues: { ':minusOne': -1, ':one': 1, ':id': producerId, ':name': name, ':now': ctx.now(), ':max': MAX_PRODUCER_EPOCH, ...owned.values },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { kind: 'bumped', epoch: Number(result.Attributes?.epoch) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // The condition does not say which half failed: the item does.
    const current = await readProducer(ctx, producerId);
    return current && current.principal !== principal ? { kind: 'not-owned' } : { kind: 'epoch-exhausted' };
  }
}

/**
 * A commit transaction's check that the claim's epoch is the producer's current one (which
 * fences zombies) and that the producer belongs to the claim's principal (which keeps other
 * callers off the id, whatever they read before). An id never issued fails it too.
 */
export function producerClaimCheck(ctx: SluiceContext, claim: { producerId: number; epoch: number; principal: string }): TransactItem {
  const owned = ownedByCondition(claim.principal);
  return {
    ConditionCheck: {
      TableName: ctx.tables.producers,
      Key: producerKey(claim.producerId),
      ConditionExpression: `epoch = :epoch AND ${owned.expression}`,
      ExpressionAttributeNames: owned.names,
      ExpressionAttributeValues: { ':epoch': claim.epoch, ...owned.values },
    },
  };
}

/**
 * A condition (for either item) that it belongs to `principal`, with its placeholder
 * names and values; the caller supplies no `#principal` or `:principal` of its own.
 */
function ownedByCondition(principal: string): { expression: string; names: Record<string, string>; values: Record<string, unknown> } {
  // An item from before principals were stored has none, and belongs to anonymous.
  const expression = principal === ANONYMOUS ? '(#principal = :principal OR attribute_not_exists(#principal))' : '#principal = :principal';
  return { expression, names: { '#principal': 'principal' }, values: { ':principal': principal } };
}

async function putIfAbsent(ctx: SluiceContext, item: Record<string, unknown>): Promise<boolean> {
  try {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.producers, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

async function getItem(ctx: SluiceContext, key: { pk: string }): Promise<Record<string, unknown> | undefined> {
  return (await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.producers, Key: key, ConsistentRead: true }))).Item;
}
