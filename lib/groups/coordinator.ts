import type { SluiceContext } from '../core/context';
import { TopicNotFoundError } from '../core/errors';
import { RETRY, withRetries, type RetryPolicy } from '../core/retry';
import { listGroupMetas, readMeta, writeNextGeneration } from '../store/group-store';
import { getTopic } from '../topics/topic-repository';
import { assignPartitions, type TopicPartitions } from './assignors';
import { expireLapsedMembers } from './membership';

export interface RebalanceOutcome {
  group: string;
  /** The generation now current; unchanged when nothing needed to move. */
  generation: number;
  changed: boolean;
}

/** Each conflict means another coordinator wrote a generation; short jittered waits keep racing ones from colliding in step. */
const REBALANCE_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 10, maxDelayMs: 500 };

/**
 * Computes the group's next generation from its live members: runs the group's assignor
 * (sticky by default, so partitions move as little as possible) and writes the new
 * assignment with generation + 1, conditional on the generation it read. Two
 * coordinators racing on one group therefore produce one generation each, in order,
 * never two assignments for one generation. Idempotent: with the same live members and
 * topics it changes nothing, so a redelivered stream record is harmless.
 */
export async function rebalance(ctx: SluiceContext, group: string): Promise<RebalanceOutcome> {
  return withRetries(
    ctx,
    REBALANCE_RETRY,
    async () => {
      const now = ctx.now();
      const meta = await readMeta(ctx, group);
      if (!meta) return { group, generation: 0, changed: false };
      const live = (await expireLapsedMembers(ctx, group, now)).live.sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
      const topics = await partitionCounts(ctx, [...new Set(live.flatMap((m) => m.topics))]);
      const topicPartitions = Object.fromEntries(topics.map((t) => [t.topic, t.partitions]));
      const liveIds = live.map((m) => m.memberId);
      if (sameList(liveIds, [...meta.members].sort()) && sameCounts(topicPartitions, meta.topicPartitions)) {
        return { group, generation: meta.generation, changed: false };
      }
      const assignment = assignPartitions(
        meta.assignor,
        live.map((m) => ({ memberId: m.memberId, topics: m.topics })),
        topics,
        meta.assignment,
      );
      const written = await writeNextGeneration(ctx, group, { current: meta.generation, members: liveIds, assignment, topicPartitions }, now);
      // Contended: another coordinator moved the generation; decide again from what it wrote.
      return written === 'written' ? { group, generation: meta.generation + 1, changed: true } : RETRY;
    },
    (attempts) => new Error(`Group '${group}': gave up rebalancing after ${attempts} conflicting attempts`),
  );
}

/**
 * Rebalances every group whose current assignment was computed for `topic` with another
 * partition count than `partitions` (Kafka's consumers rejoin when their metadata shows a
 * new count). Membership events drive every other rebalance; a raised partition count is
 * no membership event, so the partitions route calls this. One group's failure does not
 * stop the others; answers the groups rebalanced and those that failed (they pick up the
 * count at their next rebalance: any join, leave or lapsed lease).
 */
export async function rebalanceGroupsOfTopic(ctx: SluiceContext, topic: string, partitions: number): Promise<{ rebalanced: RebalanceOutcome[]; failed: { group: string; error: unknown }[] }> {
  // Own keys only: a topic may be named `constructor`.
  const stale = (await listGroupMetas(ctx)).filter((meta) => meta.members.length > 0 && Object.hasOwn(meta.topicPartitions, topic) && meta.topicPartitions[topic] !== partitions);
  const rebalanced: RebalanceOutcome[] = [];
  const failed: { group: string; error: unknown }[] = [];
  for (const meta of stale) {
    try {
      rebalanced.push(await rebalance(ctx, meta.group));
    } catch (error) {
      failed.push({ group: meta.group, error });
    }
  }
  return { rebalanced, failed };
}

async function partitionCounts(ctx: SluiceContext, topics: string[]): Promise<TopicPartitions[]> {
  const counts: TopicPartitions[] = [];
  for (const topic of topics.sort()) {
    try {
      counts.push({ topic, partitions: (await getTopic(ctx, topic)).partitions });
    } catch (error) {
      // A deleted topic simply has nothing to assign.
      if (!(error instanceof TopicNotFoundError)) throw error;
    }
  }
  return counts;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
