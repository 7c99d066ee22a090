import { randomBytes } from 'node:crypto';
import type { SluiceContext } from '../core/context';
import { SluiceError, TopicNotFoundError, ValidationError } from '../core/errors';
import { GroupActiveError } from '../groups/group-errors';
import { LIMITS } from '../protocol/limits';
import { readMembers, writePushGroupMeta } from '../store/group-store';
import {
  deliveryStatus,
  NO_DELIVERY_FAILURES,
  type PartitionDeliveryStatus,
  type PushTarget,
  type Subscription,
  type SubscriptionDeliverySummary,
} from '../store/subscription-items';
import {
  deleteSubscriptionItem,
  listSubscriptions,
  readLeases,
  readSubscription,
  registerSubscription,
  subscribedGroups,
  unregisterSubscription,
  writeSubscription,
} from '../store/subscription-store';
import { createTopic } from '../topics/topic-service';
import { getTopic } from '../topics/topic-repository';
import { checkPushTarget } from './push-target-policy';

export interface SubscriptionInput {
  topic: string;
  target: PushTarget;
  secret?: string;
  batchSize: number;
  batchingWindowMs: number;
  retryAttempts: number;
  maxRecordAgeSeconds: number;
  bisectOnError: boolean;
  deadLetterTopic?: string;
  resetPolicy: 'earliest' | 'latest';
}

export class SubscriptionNotFoundError extends SluiceError {
  constructor(group: string) {
    super('SUBSCRIPTION_NOT_FOUND', `Group '${group}' has no push subscription`, { group });
  }
}

/**
 * Creates or replaces a group's push subscription. The group may not also have pull
 * members (both would commit the same offsets). The dead-letter topic is created with
 * one partition if it does not exist. The secret is answered once, here.
 */
export async function putSubscription(
  ctx: SluiceContext,
  group: string,
  input: SubscriptionInput,
  options: { allowedFunctionArns?: ReadonlySet<string> } = {},
): Promise<Subscription> {
  checkPushTarget(input.target, options.allowedFunctionArns);
  const topic = await getTopic(ctx, input.topic);
  const now = ctx.now();
  if ((await readMembers(ctx, group)).some((m) => m.expiresAt >= now)) throw new GroupActiveError(group);
  const deadLetterTopic = input.deadLetterTopic ?? `${group}.dlq`;
  if (deadLetterTopic.length > LIMITS.topicNameMaxLength) {
    throw new ValidationError(`deadLetterTopic: '${deadLetterTopic}' is longer than ${LIMITS.topicNameMaxLength} characters; name one`, {
      field: 'deadLetterTopic',
      limit: LIMITS.topicNameMaxLength,
    });
  }
  if (deadLetterTopic === topic.name) throw new ValidationError('deadLetterTopic: must differ from the subscribed topic', { field: 'deadLetterTopic' });
  await ensureTopic(ctx, deadLetterTopic);
  const previous = await readSubscription(ctx, group);
  const subscription: Subscription = {
    group,
    topic: topic.name,
    target: input.target,
    secret: input.secret ?? randomBytes(32).toString('base64url'),
    batchSize: input.batchSize,
    batchingWindowMs: input.batchingWindowMs,
    retryAttempts: input.retryAttempts,
    maxRecordAgeSeconds: input.maxRecordAgeSeconds,
    bisectOnError: input.bisectOnError,
    deadLetterTopic,
    createdAt: previous?.createdAt ?? now,
  };
  // The meta item gives the group its reset policy, so positions and lag read as for pull groups.
  await writePushGroupMeta(ctx, group, { resetPolicy: input.resetPolicy, topicPartitions: { [topic.name]: topic.partitions } }, now);
  await writeSubscription(ctx, subscription);
  if (previous && previous.topic !== subscription.topic) await unregisterSubscription(ctx, previous.topic, group);
  await registerSubscription(ctx, subscription.topic, group);
  return subscription;
}

export async function getSubscription(ctx: SluiceContext, group: string): Promise<Subscription> {
  const subscription = await readSubscription(ctx, group);
  if (!subscription) throw new SubscriptionNotFoundError(group);
  return subscription;
}

export async function deleteSubscription(ctx: SluiceContext, group: string): Promise<void> {
  const subscription = await getSubscription(ctx, group);
  await unregisterSubscription(ctx, subscription.topic, group);
  await deleteSubscriptionItem(ctx, group);
}

/** The subscriptions pushing a topic, through the reverse index (an entry whose subscription moved to another topic is left out). */
export async function subscriptionsForTopic(ctx: SluiceContext, topic: string): Promise<Subscription[]> {
  const subscriptions: Subscription[] = [];
  for (const group of await subscribedGroups(ctx, topic)) {
    const subscription = await readSubscription(ctx, group);
    if (subscription && subscription.topic === topic) subscriptions.push(subscription);
  }
  return subscriptions;
}

/** Every subscription, for the catch-up sweep. */
export async function allSubscriptions(ctx: SluiceContext): Promise<Subscription[]> {
  return listSubscriptions(ctx);
}

/** Each partition's delivery health, from its lease item (one Query for the topic's leases); a partition never delivered to has no failures. */
export async function deliveryStatuses(ctx: SluiceContext, subscription: Subscription, partitions: readonly number[]): Promise<Map<number, PartitionDeliveryStatus>> {
  const statuses = new Map<number, PartitionDeliveryStatus>(partitions.map((p) => [p, NO_DELIVERY_FAILURES]));
  for (const [partition, lease] of await readLeases(ctx, subscription.group, subscription.topic)) {
    if (statuses.has(partition)) statuses.set(partition, deliveryStatus(lease));
  }
  return statuses;
}

/** How many partitions are failing now, and the latest error of any. */
export function deliverySummary(statuses: ReadonlyMap<number, PartitionDeliveryStatus>): SubscriptionDeliverySummary {
  let latest: [number, PartitionDeliveryStatus] | undefined;
  let failing = 0;
  for (const [partition, status] of statuses) {
    if (status.consecutiveFailures > 0) failing++;
    if (status.lastErrorAt !== null && (latest === undefined || status.lastErrorAt > latest[1].lastErrorAt!)) latest = [partition, status];
  }
  return { failingPartitions: failing, lastError: latest?.[1].lastError ?? null, lastErrorAt: latest?.[1].lastErrorAt ?? null, lastErrorPartition: latest?.[0] ?? null };
}

/** A subscription as shown to clients: everything but the secret. */
export function publicView(subscription: Subscription): Omit<Subscription, 'secret'> {
  const { secret: _secret, ...rest } = subscription;
  return rest;
}

async function ensureTopic(ctx: SluiceContext, name: string): Promise<void> {
  try {
    await getTopic(ctx, name);
  } catch (error) {
    if (!(error instanceof TopicNotFoundError)) throw error;
    await createTopic(ctx, { name, partitions: 1, config: {} }).catch((e: unknown) => {
      if ((e as SluiceError).code !== 'TOPIC_EXISTS') throw e;
    });
  }
}
