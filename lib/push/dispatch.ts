import type { SluiceContext } from '../core/context';
import { groupPositions } from '../groups/group-offsets';
import { deliverPartition, type DeliveryOutcome } from './deliver-partition';
import { allSubscriptions, subscriptionsForTopic } from './subscriptions';
import type { Deliver } from './targets';

export interface DispatchOptions {
  holder: string;
  deadline: number;
  deliver: Deliver;
}

export interface DispatchResult {
  group: string;
  topic: string;
  partition: number;
  outcome: DeliveryOutcome | { status: 'error'; error: string };
}

/**
 * Delivers the given topic-partitions to every subscription of their topics, all
 * (group, partition) pairs in parallel: one partition's or one group's slow or failing
 * target never holds up another's. Never throws: a failure is kept in the partition's
 * lease (attempts, next attempt) for the next dispatch or the catch-up sweep.
 */
export async function dispatchPartitions(ctx: SluiceContext, moved: { topic: string; partition: number }[], options: DispatchOptions): Promise<DispatchResult[]> {
  const work: Promise<DispatchResult>[] = [];
  for (const topic of new Set(moved.map((m) => m.topic))) {
    const subscriptions = await subscriptionsForTopic(ctx, topic);
    const partitions = [...new Set(moved.filter((m) => m.topic === topic).map((m) => m.partition))];
    for (const subscription of subscriptions) {
      for (const partition of partitions) work.push(run(subscription.group, topic, partition, () => deliverPartition(ctx, subscription, partition, options)));
    }
  }
  return Promise.all(work);
}

/** The sweep: every subscription's partitions that have lag (new subscriptions, deferred retries, missed events). */
export async function catchUpAll(ctx: SluiceContext, options: DispatchOptions): Promise<DispatchResult[]> {
  const work: Promise<DispatchResult>[] = [];
  for (const subscription of await allSubscriptions(ctx)) {
    const { partitions } = await groupPositions(ctx, subscription.group, [subscription.topic]);
    for (const p of partitions.filter((x) => x.lag > 0)) {
      work.push(run(subscription.group, subscription.topic, p.partition, () => deliverPartition(ctx, subscription, p.partition, options)));
    }
  }
  return Promise.all(work);
}

async function run(
  group: string,
  topic: string,
  partition: number,
  deliver: () => Promise<DeliveryOutcome>,
): Promise<DispatchResult> {
  try {
    return { group, topic, partition, outcome: await deliver() };
  } catch (error) {
    return { group, topic, partition, outcome: { status: 'error', error: String(error) } };
  }
}
