import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { toOffsetItem } from './group-items';
import {
  fromLeaseItem,
  fromSubscriptionItem,
  leaseKey,
  leasePartition,
  leaseRange,
  registryKey,
  registryPartitionKey,
  SUBSCRIPTION_SORT_KEY,
  subscriptionKey,
  toSubscriptionItem,
  type DeliveryFailure,
  type DeliveryLease,
  type Subscription,
} from './subscription-items';
import { cancellationOf } from './transaction-cancellation';
import { queryAll, scanAll } from './batch-operations';

/**
 * The Groups table's push items (subscriptions, the topic registry, delivery leases):
 * every read, write and expression on them. Every lease write after the acquisition is
 * fenced by the holder and epoch it acquired, so a second dispatcher cannot write over
 * the first; a fenced write answers `fenced`.
 */

// ---- subscriptions and the registry ----

export async function readSubscription(ctx: SluiceContext, group: string): Promise<Subscription | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.groups, Key: subscriptionKey(group), ConsistentRead: true }));
  return fromSubscriptionItem(result.Item);
}

/** Creates or replaces the group's subscription item. */
export async function writeSubscription(ctx: SluiceContext, subscription: Subscription): Promise<void> {
  await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.groups, Item: toSubscriptionItem(subscription) }));
}

export async function deleteSubscriptionItem(ctx: SluiceContext, group: string): Promise<void> {
  await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.groups, Key: subscriptionKey(group) }));
}

/** Enters the group in the reverse index of `topic`, which the dispatcher reads when a partition of it moves. */
export async function registerSubscription(ctx: SluiceContext, topic: string, group: string): Promise<void> {
  await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.groups, Item: { ...registryKey(topic, group), group, topic } }));
}

export async function unregisterSubscription(ctx: SluiceContext, topic: string, group: string): Promise<void> {
  await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.groups, Key: registryKey(topic, group) }));
}

/** The groups the reverse index lists for `topic` (each still to be checked against its subscription item). */
export async function subscribedGroups(ctx: SluiceContext, topic: string): Promise<string[]> {
  const items = await queryAll(ctx, { TableName: ctx.tables.groups, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': registryPartitionKey(topic) }, ConsistentRead: true });
  return items.map((item) => String(item.group));
}

/** Every subscription, by a Scan (the catch-up sweep). */
export async function listSubscriptions(ctx: SluiceContext): Promise<Subscription[]> {
  const items = await scanAll(ctx, { TableName: ctx.tables.groups, FilterExpression: 'sk = :sk', ExpressionAttributeValues: { ':sk': SUBSCRIPTION_SORT_KEY }, ConsistentRead: true });
  return items.map((item) => fromSubscriptionItem(item)!);
}

// ---- delivery leases ----

/** The (group, partition) a lease is for. */
export interface LeaseRef {
  group: string;
  topic: string;
  partition: number;
}

/** The group's lease of each partition of `topic` that has one (one Query for them all). */
export async function readLeases(ctx: SluiceContext, group: string, topic: string): Promise<Map<number, DeliveryLease>> {
  const leases = new Map<number, DeliveryLease>();
  const range = leaseRange(group, topic);
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tables.groups,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.skPrefix },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    for (const item of page.Items ?? []) {
      const partition = leasePartition(item, topic);
      if (partition !== undefined) leases.set(partition, fromLeaseItem(item)!);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return leases;
}

/**
 * Takes the lease for `holder` until `expiresAt`, bumping its epoch, only if it is free
 * or lapsed at `now`; the retry state and delivery health it carries are kept. `held`
 * when another holder has it.
 */
export async function acquireLease(
  ctx: SluiceContext,
  ref: LeaseRef,
  request: { holder: string; expiresAt: number; now: number },
): Promise<{ kind: 'acquired'; lease: DeliveryLease } | { kind: 'held' }> {
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.groups,
        Key: leaseKey(ref.group, ref.topic, ref.partition),
        UpdateExpression:
          'SET holder = :me, epoch = if_not_exists(epoch, :zero) + :one, expiresAt = :until, attempts = if_not_exists(attempts, :zero), nextAttemptAt = if_not_exists(nextAttemptAt, :zero)',
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':me': request.holder, ':zero': 0, ':one': 1, ':until': request.expiresAt, ':now': request.now },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { kind: 'acquired', lease: fromLeaseItem(result.Attributes)! };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return { kind: 'held' };
    throw error;
  }
}

const fencedBy = (lease: DeliveryLease) => ({
  ConditionExpression: 'holder = :me AND epoch = :epoch',
  values: { ':me': lease.holder, ':epoch': lease.epoch },
});

/** Frees the lease at once (the next dispatcher need not wait for it to lapse); `fenced` when another took it meanwhile. */
export async function releaseLease(ctx: SluiceContext, ref: LeaseRef, lease: DeliveryLease): Promise<'released' | 'fenced'> {
  const fence = fencedBy(lease);
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.groups,
        Key: leaseKey(ref.group, ref.topic, ref.partition),
        UpdateExpression: 'SET expiresAt = :released',
        ConditionExpression: fence.ConditionExpression,
        ExpressionAttributeValues: { ':released': 0, ...fence.values },
      }),
    );
    return 'released';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'fenced';
    throw error;
  }
}

/** Keeps a failed attempt on the lease: the batch's attempts, when it may be tried again, and the partition's health. */
export async function recordDeliveryFailure(
  ctx: SluiceContext,
  ref: LeaseRef,
  lease: DeliveryLease,
  retry: { attempts: number; nextAttemptAt: number; failure: DeliveryFailure },
): Promise<'recorded' | 'fenced'> {
  const fence = fencedBy(lease);
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.groups,
        Key: leaseKey(ref.group, ref.topic, ref.partition),
        UpdateExpression: 'SET attempts = :attempts, nextAttemptAt = :next, consecutiveFailures = :failures, lastError = :error, lastErrorAt = :errorAt',
        ConditionExpression: fence.ConditionExpression,
        ExpressionAttributeValues: { ...fence.values, ':attempts': retry.attempts, ':next': retry.nextAttemptAt, ...failureValues(retry.failure) },
      }),
    );
    return 'recorded';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'fenced';
    throw error;
  }
}

/**
 * Commits the group offset to `nextOffset` (past a batch) in one transaction with the
 * lease, only while `lease` still holds it: past a delivered batch (the failure count back
 * to 0; the last error and its time stay, as history), or past a dead-lettered one with
 * the `failure` that sent it there. `fenced` when another dispatcher took the lease;
 * `contended` when the transaction was cancelled for another reason (a conflict, a throttle).
 */
export async function commitPastBatch(
  ctx: SluiceContext,
  ref: LeaseRef,
  lease: DeliveryLease,
  commit: { nextOffset: number; now: number; failure?: DeliveryFailure },
): Promise<'committed' | 'fenced' | 'contended'> {
  const fence = fencedBy(lease);
  const health = commit.failure
    ? { expression: ', consecutiveFailures = :failures, lastError = :error, lastErrorAt = :errorAt', values: failureValues(commit.failure) }
    : { expression: ', consecutiveFailures = :zero', values: {} };
  try {
    await ctx.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: ctx.tables.groups,
              Key: leaseKey(ref.group, ref.topic, ref.partition),
              UpdateExpression: `SET attempts = :zero, nextAttemptAt = :zero${health.expression}`,
              ConditionExpression: fence.ConditionExpression,
              ExpressionAttributeValues: { ...fence.values, ':zero': 0, ...health.values },
            },
          },
          {
            Put: {
              TableName: ctx.tables.groups,
              Item: toOffsetItem({
                group: ref.group,
                topic: ref.topic,
                partition: ref.partition,
                offset: commit.nextOffset,
                generation: lease.epoch,
                memberId: `push:${lease.holder}`,
                metadata: null,
                committedAt: commit.now,
              }),
            },
          },
        ],
      }),
    );
    return 'committed';
  } catch (error) {
    const cancellation = cancellationOf(error, ['lease', 'offset'] as const);
    if (!cancellation) throw error;
    return cancellation.failed.has('lease') ? 'fenced' : 'contended';
  }
}

function failureValues(failure: DeliveryFailure): Record<string, unknown> {
  return { ':failures': failure.consecutiveFailures, ':error': failure.lastError, ':errorAt': failure.lastErrorAt };
}
