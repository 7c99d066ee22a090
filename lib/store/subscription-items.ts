import type { CreatedSubscription, PartitionDeliveryStatus, PushTarget, SubscriptionDeliverySummary } from '../protocol/responses';
import { groupPartitionKey } from './group-items';

/**
 * Push-delivery items in the Groups table. Owned here alone.
 *
 * - `subscription` under the group: the one topic the group pushes, its target and
 *   the controls of Lambda's event source mapping.
 * - `topicsubs#<topic>` / `group#<group>`: the reverse index the dispatcher reads to
 *   find the subscriptions of a topic whose partition just moved.
 * - `lease#<topic>#<partition>` under the group: who delivers that partition now (an
 *   epoch fences a second dispatcher), the retry state of its current batch, and the
 *   partition's delivery health (consecutive failures, the last error and its time).
 */
// The public views are the wire contract's. A subscription is stored as creation answers it, with its
// HMAC-SHA256 secret for the deliveries' signatures (lib/push/signature.ts), which no later answer shows.
export type { PartitionDeliveryStatus, PushTarget, SubscriptionDeliverySummary };
export type Subscription = CreatedSubscription;

export interface DeliveryLease {
  holder: string;
  epoch: number;
  expiresAt: number;
  /** Failed attempts of the batch at the committed offset, against `retryAttempts`; 0 again once it is delivered or dead-lettered. */
  attempts: number;
  /** When the next attempt may start (ms); 0 when not backing off. */
  nextAttemptAt: number;
  /** Failed deliveries since the target last acknowledged one; dead-lettering does not reset it. */
  consecutiveFailures: number;
  /** The reason of the latest failure, kept after recovery (with its time) so a past failure stays diagnosable. */
  lastError: string | null;
  /** When the latest failure happened (ms), or null if there never was one. */
  lastErrorAt: number | null;
}

/** The delivery health a failure leaves on the lease. */
export interface DeliveryFailure {
  consecutiveFailures: number;
  lastError: string;
  lastErrorAt: number;
}

/** What a partition without a lease item (never delivered to) shows. */
export const NO_DELIVERY_FAILURES: PartitionDeliveryStatus = { consecutiveFailures: 0, lastError: null, lastErrorAt: null, nextAttemptAt: null };

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
  return { pk: groupPartitionKey(group), sk: `${leaseSortKeyPrefix(topic)}${partition}` };
}

function leaseSortKeyPrefix(topic: string): string {
  return `lease#${topic}#`;
}

/** Where a group's lease items of one topic are: its partition key and their sort-key prefix, for one Query of them all. */
export function leaseRange(group: string, topic: string): { pk: string; skPrefix: string } {
  return { pk: groupPartitionKey(group), skPrefix: leaseSortKeyPrefix(topic) };
}

/** The partition a lease item of `topic` is for, or undefined if it is not one (a topic whose name extends this one's). */
export function leasePartition(item: Record<string, unknown>, topic: string): number | undefined {
  const sk = String(item.sk);
  const rest = sk.slice(leaseSortKeyPrefix(topic).length);
  return sk.startsWith(leaseSortKeyPrefix(topic)) && /^\d+$/.test(rest) ? Number(rest) : undefined;
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
    // Leases written before the count existed: their batch's failed attempts are the consecutive ones.
    consecutiveFailures: Number(item.consecutiveFailures ?? item.attempts ?? 0),
    lastError: item.lastError == null ? null : String(item.lastError),
    lastErrorAt: item.lastErrorAt == null ? null : Number(item.lastErrorAt),
  };
}

export function deliveryStatus(lease: DeliveryLease): PartitionDeliveryStatus {
  return {
    consecutiveFailures: lease.consecutiveFailures,
    lastError: lease.lastError,
    lastErrorAt: lease.lastErrorAt,
    nextAttemptAt: lease.nextAttemptAt > 0 ? lease.nextAttemptAt : null,
  };
}
