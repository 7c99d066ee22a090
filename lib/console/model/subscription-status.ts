import type { PartitionOffsets, SubscriptionDescription } from '../../protocol/responses';

export interface SubscriptionStatus {
  /** failing: some partition's last delivery failed; lagging: records wait; caught-up: nothing waits. */
  kind: 'failing' | 'lagging' | 'caught-up';
  label: string;
}

/**
 * A subscription's state in a word, from what the API answers: a partition failing now
 * (consecutive failures since the last acknowledgement) outranks lag.
 */
export function subscriptionStatus(s: Pick<SubscriptionDescription, 'delivery' | 'partitions' | 'totalLag'>): SubscriptionStatus {
  if (s.delivery.failingPartitions > 0) return { kind: 'failing', label: `Failing on ${s.delivery.failingPartitions} of ${s.partitions.length} partitions` };
  if (s.totalLag > 0) return { kind: 'lagging', label: 'Delivering' };
  return { kind: 'caught-up', label: 'Caught up' };
}

/** Consecutive failures summed over partitions: failed deliveries since each last acknowledged one. */
export function failureCount(s: Pick<SubscriptionDescription, 'partitions'>): number {
  return s.partitions.reduce((sum, p) => sum + p.consecutiveFailures, 0);
}

/** Records a topic holds: over its partitions, high watermark minus log start (for a dead-letter topic, its depth). */
export function heldRecords(partitions: readonly PartitionOffsets[]): number {
  return partitions.reduce((sum, p) => sum + (p.highWatermark - p.logStartOffset), 0);
}
