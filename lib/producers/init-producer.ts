import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../context';
import { SluiceError } from '../errors';
import { MAX_PRODUCER_EPOCH, PRODUCER_ID_COUNTER_KEY, producerKey, producerNameKey } from '../storage/producer-item';

export interface ProducerIdentity {
  producerId: number;
  epoch: number;
}

export class ProducerEpochExhaustedError extends SluiceError {
  constructor(name: string) {
    super('PRODUCER_EPOCH_EXHAUSTED', `Producer '${name}' has used every epoch up to ${MAX_PRODUCER_EPOCH}; use a new name`, 409, false, { name });
  }
}

/**
 * Issues a producer id and epoch (Kafka's InitProducerId). Without a name every call
 * gets a new id at epoch 0. With a name the same id comes back with the epoch bumped,
 * which fences every earlier instance that used the name.
 */
export async function initProducer(ctx: SluiceContext, name?: string): Promise<ProducerIdentity> {
  const producerId = name === undefined ? await newProducerId(ctx) : await producerIdForName(ctx, name);
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.producers,
        Key: producerKey(producerId),
        UpdateExpression: 'SET epoch = if_not_exists(epoch, :minusOne) + :one, producerId = :id, updatedAt = :now' + (name === undefined ? '' : ', #name = :name'),
        ConditionExpression: 'attribute_not_exists(epoch) OR epoch < :max',
        ExpressionAttributeNames: name === undefined ? undefined : { '#name': 'name' },
        ExpressionAttributeValues: {
          ':minusOne': -1,
          ':one': 1,
          ':id': producerId,
          ':now': ctx.now(),
          ':max': MAX_PRODUCER_EPOCH,
          ...(name === undefined ? {} : { ':name': name }),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { producerId, epoch: Number(result.Attributes?.epoch) };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ProducerEpochExhaustedError(name ?? String(producerId));
    throw error;
  }
}

async function newProducerId(ctx: SluiceContext): Promise<number> {
  const result = await ctx.ddb.send(
    new UpdateCommand({
      TableName: ctx.tables.producers,
      Key: PRODUCER_ID_COUNTER_KEY,
      UpdateExpression: 'ADD lastId :one',
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(result.Attributes?.lastId);
}

async function producerIdForName(ctx: SluiceContext, name: string): Promise<number> {
  const existing = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.producers, Key: producerNameKey(name), ConsistentRead: true }));
  if (existing.Item) return Number(existing.Item.producerId);
  const producerId = await newProducerId(ctx);
  try {
    await ctx.ddb.send(
      new PutCommand({
        TableName: ctx.tables.producers,
        Item: { ...producerNameKey(name), producerId, name, createdAt: ctx.now() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return producerId;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Another instance registered the name first; use its id (the id we drew stays unused).
    const winner = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.producers, Key: producerNameKey(name), ConsistentRead: true }));
    return Number(winner.Item!.producerId);
  }
}
