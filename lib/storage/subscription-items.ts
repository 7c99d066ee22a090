import { groupPartitionKey } from './group-items';

/**
 * Push-delivery items in the Groups table. Owned here alone.
 *
 * - `subscription` under the group: the one topic the group pushes, its target and
 *   the controls of Lambda's event source mapping.
 * - `topicsubs#<topic>` / `group#<group>`: the reverse index the dispatcher reads to
 *   find the subscriptions of a topic whose partition just moved.
 * - `lease#<topic>#<partition>` under the group: who delivers that partition now (an
 *   epoch fences a second dispatcher), and the retry state of its current batch.
 */
export type PushTarget = { type: 'https'; url: string } | { type: 'lambda'; functionArn: string };

export interface Subscription {
  group: string;
  topic: string;
  target: PushTarget;
  /** HMAC-SHA256 key for `sluice-signature`; never returned after creation. */
  secret: string;
  batchSize: number;
  batchingWindowMs: number;
  retryAttempts: number;
  maxRecordAgeSeconds: number;
  bisectOnError: boolean;
  deadLetterTopic: string;
  createdAt: number;
}

export interface DeliveryLease {
  holder: string;
  epoch: number;
  expiresAt: number;
  /** Failed attempts of the batch at the committed offset; 0 when healthy. */
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export const SUBSCRIPTION_SORT_KEY = 'subscription';
const REGISTRY_PREFIX = 'topicsubs#';

export function subscriptionKey(group: string): { pk: string; sk: string } {
  return { pk: groupPartitionKey(group), sk: SUBSCRIPTION_SORT_KEY };
}

export function registryKey(topic: string, group: string): { pk: string; sk: string } {
  return { pk: REGISTRY_PREFIX + topic, sk: groupPartitionKey(group) };
}

export function registryPartitionKey(topic: string): string {
  return REGISTRY_PREFIX + topic;
}

export function leaseKey(group: string, topic: string, partition: number): { pk: string; sk: string } {
  return { pk: groupPartitionKey(group), sk: `lease#${topic}#${partition}` };
}

export function toSubscriptionItem(subscription: Subscription): Record<string, unknown> {
  return { ...subscriptionKey(subscription.group), ...subscription };
}

export function fromSubscriptionItem(item: Record<string, unknown> | undefined): Subscription | undefined {
  if (!item) return undefined;
  return {
    group: String(item.group),
    topic: String(item.topic),
    target: item.target as PushTarget,
    secret: String(item.secret),
    batchSize: Number(item.batchSize),
    batchingWindowMs: Number(item.batchingWindowMs),
    retryAttempts: Number(item.retryAttempts),
    maxRecordAgeSeconds: Number(item.maxRecordAgeSeconds),
    bisectOnError: Boolean(item.bisectOnError),
    deadLetterTopic: String(item.deadLetterTopic),
    createdAt: Number(item.createdAt),
  };
}

export function fromLeaseItem(item: Record<string, unknown> | undefined): DeliveryLease | undefined {
  if (!item) return undefined;
  return {
    holder: String(item.holder),
    epoch: Number(item.epoch),
    expiresAt: Number(item.expiresAt),
    attempts: Number(item.attempts ?? 0),
    nextAttemptAt: Number(item.nextAttemptAt ?? 0),
    lastError: item.lastError == null ? null : String(item.lastError),
  };
}
