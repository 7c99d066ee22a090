import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ANONYMOUS } from '../auth/principal';
import type { SluiceContext } from '../core/context';
import { InternalError, SluiceError } from '../core/errors';
import { ProducerAccessDeniedError } from '../log/produce-errors';
import { fromProducerItem, fromProducerNameItem, MAX_PRODUCER_EPOCH, ownedByCondition, producerKey, producerNameKey, type ProducerNameRecord } from '../store/producer-item';
import { drawProducerId } from './producer-id';

export interface ProducerIdentity {
  producerId: number;
  epoch: number;
}

export interface InitProducerOptions {
  /** Kafka's transactional.id: the same name again bumps the same id's epoch. */
  name?: string;
  /** The caller; the id (and the name) are bound to it. `anonymous` when authentication is off. */
  principal?: string;
  /** Where ids come from; tests choose them to force collisions. */
  drawProducerId?: () => number;
}

export class ProducerEpochExhaustedError extends SluiceError {
  constructor(name: string) {
    super('PRODUCER_EPOCH_EXHAUSTED', `Producer '${name}' has used every epoch up to ${MAX_PRODUCER_EPOCH}; use a new name`, { name });
  }
}

/** A collision is one in 2^52 or so per draw; this many in a row means something else is wrong. */
const DRAW_ATTEMPTS = 5;

/**
 * Issues a producer id and epoch (Kafka's InitProducerId), bound to the caller's
 * principal. Without a name every call gets a new random id at epoch 0. With a name the
 * same id comes back with the epoch bumped, which fences every earlier instance that used
 * the name; only the principal that registered the name may do that.
 */
export async function initProducer(ctx: SluiceContext, options: InitProducerOptions = {}): Promise<ProducerIdentity> {
  const principal = options.principal ?? ANONYMOUS;
  const draw = options.drawProducerId ?? drawProducerId;
  if (options.name === undefined) return { producerId: await createProducer(ctx, principal, draw), epoch: 0 };
  const name = options.name;
  const existing = await readName(ctx, name);
  if (existing) return bumpEpoch(ctx, name, existing, principal);
  // The producer item first, so the name can never point at an id another producer holds.
  const producerId = await createProducer(ctx, principal, draw, name);
  try {
    await ctx.ddb.send(
      new PutCommand({
        TableName: ctx.tables.producers,
        Item: { ...producerNameKey(name), producerId, name, principal, createdAt: ctx.now() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { producerId, epoch: 0 };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Another instance registered the name first: its id, if ours to use (the id we drew stays unused).
    return bumpEpoch(ctx, name, (await readName(ctx, name))!, principal);
  }
}

/** A new producer item at epoch 0 under a random id; a drawn id already taken is drawn again, never shared. */
async function createProducer(ctx: SluiceContext, principal: string, draw: () => number, name?: string): Promise<number> {
  for (let attempt = 1; attempt <= DRAW_ATTEMPTS; attempt++) {
    const producerId = draw();
    try {
      await ctx.ddb.send(
        new PutCommand({
          TableName: ctx.tables.producers,
          Item: { ...producerKey(producerId), producerId, epoch: 0, principal, ...(name === undefined ? {} : { name }), updatedAt: ctx.now() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return producerId;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  throw new InternalError(`Drew ${DRAW_ATTEMPTS} producer ids in a row that were already taken`);
}

/** The next epoch of a named producer, for the name's owner only. */
async function bumpEpoch(ctx: SluiceContext, name: string, registered: ProducerNameRecord, principal: string): Promise<ProducerIdentity> {
  if (registered.principal !== principal) throw new ProducerAccessDeniedError(principal, { name });
  const { producerId } = registered;
  const owned = ownedByCondition(principal);
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.producers,
        Key: producerKey(producerId),
        // A name registered before producer items were created first may lack its item; it is created here.
        UpdateExpression: 'SET epoch = if_not_exists(epoch, :minusOne) + :one, producerId = :id, #principal = if_not_exists(#principal, :principal), #name = :name, updatedAt = :now',
        ConditionExpression: `attribute_not_exists(pk) OR (epoch < :max AND ${owned.expression})`,
        ExpressionAttributeNames: { '#name': 'name', ...owned.names },
        ExpressionAttributeValues: { ':minusOne': -1, ':one': 1, ':id': producerId, ':name': name, ':now': ctx.now(), ':max': MAX_PRODUCER_EPOCH, ...owned.values },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { producerId, epoch: Number(result.Attributes?.epoch) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const producer = fromProducerItem((await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.producers, Key: producerKey(producerId), ConsistentRead: true }))).Item);
    if (producer && producer.principal !== principal) throw new ProducerAccessDeniedError(principal, { name });
    throw new ProducerEpochExhaustedError(name);
  }
}

async function readName(ctx: SluiceContext, name: string): Promise<ProducerNameRecord | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.producers, Key: producerNameKey(name), ConsistentRead: true }));
  return fromProducerNameItem(result.Item);
}
