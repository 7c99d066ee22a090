import type { SluiceContext } from '../core/context';
import { ServiceBusyError, ValidationError } from '../core/errors';
import { RETRY, withRetries, type RetryPolicy } from '../core/retry';
import { LIMITS } from '../protocol/limits';
import type { CommittedOffset } from '../store/group-items';
import { commitGroupOffsets, readMembers, readMeta, readOffsets, type CommitFence } from '../store/group-store';
import { readHeads } from '../store/partition-head-store';
import { getTopic, requirePartition } from '../topics/topic-repository';
import { GroupActiveError, GroupNotFoundError, IllegalGenerationError, NotAssignedError, UnknownMemberError } from './group-errors';
import type { PartitionPosition } from './group-views';

/** A cancelled commit with no verdict on the member (a conflict, a throttle) is tried again: waits of up to 100, 200, 400, 800 ms. */
const COMMIT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100 };

export interface OffsetCommitInput {
  /** Omitted for a standalone consumer (partitions assigned by hand), allowed only while the group has no live members. */
  member?: { memberId: string; generation: number };
  offsets: { topic: string; partition: number; offset: number; metadata?: string }[];
}

/**
 * Commits offsets in one transaction that also checks the member's generation is still
 * current and its lease unexpired. The assignment only changes together with the
 * generation, so checking the generation is what makes the ownership check (done on the
 * meta item read just before) still true at commit time. A zombie's commit is refused
 * whole and changes nothing.
 */
export async function commitOffsets(ctx: SluiceContext, group: string, input: OffsetCommitInput): Promise<CommittedOffset[]> {
  if (input.offsets.length > LIMITS.offsetCommitsMax) {
    throw new ValidationError(`offsets: at most ${LIMITS.offsetCommitsMax} per call`, { field: 'offsets', limit: LIMITS.offsetCommitsMax });
  }
  for (const [i, o] of input.offsets.entries()) {
    const topic = await getTopic(ctx, o.topic);
    requirePartition(topic, o.partition);
    if (input.offsets.findIndex((x) => x.topic === o.topic && x.partition === o.partition) !== i) {
      throw new ValidationError(`offsets[${i}]: ${o.topic}/${o.partition} appears twice`, { field: `offsets[${i}]` });
    }
  }
  const now = ctx.now();
  const meta = await readMeta(ctx, group);
  let fence: CommitFence | undefined;
  if (input.member) {
    const { memberId, generation } = input.member;
    if (!meta) throw new GroupNotFoundError(group);
    if (meta.generation !== generation) throw new IllegalGenerationError(group, generation, meta.generation);
    const owned = new Set((meta.assignment[memberId] ?? []).flatMap((t) => t.partitions.map((p) => `${t.topic}#${p}`)));
    if (!meta.members.includes(memberId)) throw new IllegalGenerationError(group, generation, meta.generation, `member '${memberId}' is not part of it`);
    for (const o of input.offsets) if (!owned.has(`${o.topic}#${o.partition}`)) throw new NotAssignedError(group, memberId, o.topic, o.partition);
    fence = { memberId, generation, now };
  } else {
    const live = (await readMembers(ctx, group)).filter((m) => m.expiresAt >= now);
    if (live.length > 0) throw new GroupActiveError(group);
  }
  const committed: CommittedOffset[] = input.offsets.map((o) => ({
    group,
    topic: o.topic,
    partition: o.partition,
    offset: o.offset,
    generation: input.member?.generation ?? -1,
    memberId: input.member?.memberId ?? null,
    metadata: o.metadata ?? null,
    committedAt: now,
  }));
  let reasons = '';
  const outcome = await withRetries(
    ctx,
    COMMIT_RETRY,
    async () => {
      const result = await commitGroupOffsets(ctx, group, committed, fence);
      if (result.kind !== 'contended') return result;
      reasons = result.reasons;
      return RETRY;
    },
    () => new ServiceBusyError(reasons),
  );
  if (outcome.kind === 'unknown-member') throw new UnknownMemberError(group, input.member!.memberId);
  if (outcome.kind === 'illegal-generation') {
    const current = await readMeta(ctx, group);
    throw new IllegalGenerationError(group, input.member!.generation, current?.generation ?? null);
  }
  return committed;
}

export type { PartitionPosition } from './group-views';

/** The group's committed offsets, of one topic or all, as stored (no head reads: what Kafka's OffsetFetch answers). */
export async function committedOffsets(ctx: SluiceContext, group: string, topic?: string): Promise<CommittedOffset[]> {
  return readOffsets(ctx, group, topic);
}

/**
 * Committed offsets and lag for every partition of the given topics (default: the
 * subscribed and committed ones), leaving out topics `visible` refuses (those the caller
 * may not describe).
 */
export async function groupPositions(
  ctx: SluiceContext,
  group: string,
  topics?: string[],
  visible: (topic: string) => boolean = () => true,
): Promise<{ group: string; resetPolicy: string; partitions: PartitionPosition[] }> {
  const meta = await readMeta(ctx, group);
  const commits = await readOffsets(ctx, group);
  if (!meta && commits.length === 0) throw new GroupNotFoundError(group);
  const resetPolicy = meta?.resetPolicy ?? 'latest';
  const wanted = (topics ?? [...new Set([...Object.keys(meta?.topicPartitions ?? {}), ...commits.map((c) => c.topic)])].sort()).filter(visible);
  const partitions: PartitionPosition[] = [];
  for (const name of wanted) {
    const topic = await getTopic(ctx, name);
    const numbers = Array.from({ length: topic.partitions }, (_, p) => p);
    const heads = await readHeads(ctx, topic.topicId, numbers);
    for (const partition of numbers) {
      const head = heads.get(partition);
      const logStartOffset = head?.logStartOffset ?? 0;
      const highWatermark = head?.nextOffset ?? 0;
      const committed = commits.find((c) => c.topic === name && c.partition === partition);
      const position = committed ? committed.offset : resetPolicy === 'earliest' ? logStartOffset : highWatermark;
      partitions.push({
        topic: name,
        partition,
        committedOffset: committed?.offset ?? null,
        position,
        logStartOffset,
        highWatermark,
        lag: Math.max(0, highWatermark - position),
      });
    }
  }
  return { group, resetPolicy, partitions };
}
