import type { SluiceContext } from '../core/context';
import { ServiceBusyError, ValidationError } from '../core/errors';
import { RETRY, withRetries, type RetryPolicy } from '../core/retry';
import { offsetForTime } from '../log/list-offsets';
import type { ResetTarget } from '../protocol/requests';
import type { DeleteGroupOffsetsResponse, PartitionReset, ResetOffsetsResponse, Topic } from '../protocol/responses';
import type { CommittedOffset, GroupMeta } from '../store/group-items';
import {
  deleteMemberIfLapsed,
  ensureGroupMeta,
  FENCED_WRITES_MAX,
  readMembers,
  readMeta,
  readOffsets,
  writeOffsetsFenced,
  type FencedOffsetWrites,
  type GroupFence,
} from '../store/group-store';
import { readHeads } from '../store/partition-head-store';
import { readSubscription } from '../store/subscription-store';
import { getTopic, requirePartition } from '../topics/topic-repository';
import { rebalance } from './coordinator';
import { GroupActiveError, GroupHasSubscriptionError, GroupNotFoundError } from './group-errors';

/**
 * Consumer-group administration, as `kafka-consumer-groups --reset-offsets`, `--delete`
 * and `--delete-offsets`: each only on a group with no live members and no push
 * subscription. Every write is fenced on the group's meta item (lib/store/group-store.ts,
 * `writeOffsetsFenced`): a member that joins while one runs either is seen live by its
 * read (409 GROUP_ACTIVE), or moves the generation before the write (the write is
 * refused, read again, and answered 409), or is assigned partitions only after the write
 * (so it reads what was written). docs/design.md, "Resetting and deleting".
 */

export type { ResetTarget };

export interface ResetInput {
  topic: string;
  /** Default: every partition of the topic. */
  partitions?: number[];
  to: ResetTarget;
  dryRun: boolean;
}

/** Tries of a whole change whose fence failed with the group still empty (a rebalance of lapsed members moved the generation). */
const FENCED_ATTEMPTS = 3;
/** A transaction cancelled for no verdict on the fence (a conflict, a throttle) is sent again: waits of up to 100, 200, 400, 800 ms. */
const WRITE_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100 };
/** Partitions whose offsets-for-times a reset looks up at once. */
const LOOKUP_CONCURRENCY = 8;

/**
 * Sets the group's committed offsets on a topic's partitions to the earliest or latest
 * offset, the first at or after a time, or an explicit offset (clamped into
 * `logStartOffset..highWatermark`, as kafka-consumer-groups does). A dry run answers the
 * same plan and writes nothing. A group that does not exist yet gets the offsets (as a
 * standalone commit would give them).
 */
export async function resetGroupOffsets(ctx: SluiceContext, group: string, input: ResetInput): Promise<ResetOffsetsResponse> {
  const topic = await getTopic(ctx, input.topic);
  const partitions = input.partitions ?? Array.from({ length: topic.partitions }, (_, p) => p);
  for (const [i, partition] of partitions.entries()) {
    if (partitions.indexOf(partition) !== i) throw new ValidationError(`partitions[${i}]: partition ${partition} appears twice`, { field: `partitions[${i}]` });
    requirePartition(topic, partition);
  }
  const written = new Set<number>();
  for (let attempt = 1; ; attempt++) {
    const { fence } = await emptyGroup(ctx, group, 'its offsets can be reset only without them', written.size);
    const previous = new Map((await readOffsets(ctx, group, topic.name)).map((o) => [o.partition, o.offset]));
    const planned = await plannedOffsets(ctx, topic, partitions, input.to, previous);
    const answer = { group, topic: topic.name, dryRun: input.dryRun, partitions: planned };
    if (input.dryRun) return answer;
    const now = ctx.now();
    const offsets: CommittedOffset[] = planned.map((p) => ({
      group,
      topic: topic.name,
      partition: p.partition,
      offset: p.offset,
      generation: -1,
      memberId: null,
      metadata: null,
      committedAt: now,
    }));
    const outcome = await writeFenced(ctx, group, fence, { put: offsets });
    outcome.done.forEach((i) => written.add(offsets[i]!.partition));
    if (outcome.kind === 'written') return answer;
    if (attempt >= FENCED_ATTEMPTS) throw new ServiceBusyError(`group '${group}' changed under each of ${attempt} resets`);
  }
}

/**
 * Deletes the group's committed offsets of one topic (the topic need not exist any more).
 * Answers the partitions whose offsets were deleted; none when it had none.
 */
export async function deleteGroupOffsets(ctx: SluiceContext, group: string, topic: string): Promise<DeleteGroupOffsetsResponse> {
  let written = 0;
  for (let attempt = 1; ; attempt++) {
    const { meta, fence } = await emptyGroup(ctx, group, `its offsets of '${topic}' can be deleted only without them`, written);
    const commits = await readOffsets(ctx, group, topic);
    if (!meta && commits.length === 0 && (await readOffsets(ctx, group)).length === 0) throw new GroupNotFoundError(group);
    const partitions = commits.map((c) => c.partition).sort((a, b) => a - b);
    const outcome = await writeFenced(ctx, group, fence, { remove: commits });
    written += outcome.done.length;
    if (outcome.kind === 'written') return { group, topic, partitions };
    if (attempt >= FENCED_ATTEMPTS) throw new ServiceBusyError(`group '${group}' changed under each of ${attempt} deletions`);
  }
}

/**
 * Deletes the group: its committed offsets, then its meta item (the last transaction,
 * under the same fence), then the items of members whose leases lapsed. After it
 * `GET /v1/groups/{group}` is 404 and a member joining starts a new group.
 */
export async function deleteGroup(ctx: SluiceContext, group: string): Promise<void> {
  let written = 0;
  for (let attempt = 1; ; attempt++) {
    const { meta, fence } = await emptyGroup(ctx, group, 'it can be deleted only without them', written);
    const commits = await readOffsets(ctx, group);
    if (!meta && commits.length === 0) throw new GroupNotFoundError(group);
    const outcome = await writeFenced(ctx, group, fence, { remove: commits, deleteMeta: meta !== undefined });
    written += outcome.done.length;
    if (outcome.kind === 'written') {
      await afterMetaDeleted(ctx, group, meta);
      return;
    }
    if (attempt >= FENCED_ATTEMPTS) throw new ServiceBusyError(`group '${group}' changed under each of ${attempt} deletions`);
  }
}

/**
 * Lapsed members' items go only now: their REMOVE events then find no group to rebalance
 * (a rebalance before would have moved the generation and fenced the delete). A member
 * that joined between this delete's read and its write (its join wrote the meta item
 * before the delete removed it, and its member item after) would be left without a group
 * to be assigned in; it gets a new one, as if it joined just after the delete. The join
 * checks the same from its side (lib/groups/membership.ts), so whichever runs last sees it.
 */
async function afterMetaDeleted(ctx: SluiceContext, group: string, meta: GroupMeta | undefined): Promise<void> {
  const now = ctx.now();
  let joined = false;
  for (const member of await readMembers(ctx, group)) {
    if (member.expiresAt < now) await deleteMemberIfLapsed(ctx, member, now);
    else joined = true;
  }
  if (joined) await restartGroup(ctx, group, { assignor: meta?.assignor ?? 'sticky', resetPolicy: meta?.resetPolicy ?? 'latest' });
}

/** Gives members whose group's meta item is gone a new one, and assigns them at once (their join's stream event found no group). */
export async function restartGroup(ctx: SluiceContext, group: string, defaults: Pick<GroupMeta, 'assignor' | 'resetPolicy'>): Promise<void> {
  await ensureGroupMeta(ctx, group, defaults, ctx.now());
  await rebalance(ctx, group);
}

/**
 * The group as an administrative change finds it: refused while it delivers by push
 * subscription (the deliveries commit its offsets) or has live members. The meta item is
 * read before the members, so a member joining after the read moves the generation the
 * fence holds (docs/design.md, "Resetting and deleting").
 */
async function emptyGroup(ctx: SluiceContext, group: string, refusal: string, written: number): Promise<{ meta: GroupMeta | undefined; fence: GroupFence }> {
  if (await readSubscription(ctx, group)) throw new GroupHasSubscriptionError(group, `${refusal.replace(/ without them$/, '')} once its subscription is deleted`);
  const meta = await readMeta(ctx, group);
  const now = ctx.now();
  const live = (await readMembers(ctx, group)).filter((m) => m.expiresAt >= now);
  if (live.length > 0) {
    // A member that joined between two transactions of a change of more than FENCED_WRITES_MAX partitions stops the rest.
    const partial = written > 0 ? { partitionsWritten: written } : {};
    throw new GroupActiveError(group, `${refusal}; stop its consumers or wait for their sessions to expire (${live.length} live)`, { members: live.length, ...partial });
  }
  return { meta, fence: meta?.generation ?? null };
}

/** Where each partition goes; one head read for them all, and for a time one offsets-for-times lookup per partition. */
async function plannedOffsets(ctx: SluiceContext, topic: Topic, partitions: number[], to: ResetTarget, previous: Map<number, number>): Promise<PartitionReset[]> {
  const heads = await readHeads(ctx, topic.topicId, partitions);
  const plan = async (partition: number): Promise<PartitionReset> => {
    let logStartOffset = heads.get(partition)?.logStartOffset ?? 0;
    let highWatermark = heads.get(partition)?.nextOffset ?? 0;
    let offset: number;
    switch (to.type) {
      case 'earliest':
        offset = logStartOffset;
        break;
      case 'latest':
        offset = highWatermark;
        break;
      case 'timestamp': {
        const found = await offsetForTime(ctx, topic.name, partition, to.timestamp);
        ({ logStartOffset, highWatermark } = found);
        // No record that late: the end of the log, as kafka-consumer-groups --to-datetime does.
        offset = found.offset ?? highWatermark;
        break;
      }
      case 'offset':
        offset = Math.min(Math.max(to.offset, logStartOffset), highWatermark);
        break;
    }
    return { partition, previousOffset: previous.get(partition) ?? null, offset, logStartOffset, highWatermark, clamped: to.type === 'offset' && offset !== to.offset };
  };
  const planned = new Array<PartitionReset>(partitions.length);
  let next = 0;
  const worker = async () => {
    while (next < partitions.length) {
      const i = next++;
      planned[i] = await plan(partitions[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUP_CONCURRENCY, partitions.length) }, worker));
  return planned;
}

/**
 * The writes in fenced transactions of at most FENCED_WRITES_MAX (a topic has up to 256
 * partitions), in order; `done` the indexes (puts, then removes) written before a fence
 * failed. With `deleteMeta` the meta item goes in the last one.
 */
async function writeFenced(
  ctx: SluiceContext,
  group: string,
  fence: GroupFence,
  writes: { put?: CommittedOffset[]; remove?: { topic: string; partition: number }[]; deleteMeta?: boolean },
): Promise<{ kind: 'written' | 'fenced'; done: number[] }> {
  const ops: FencedOffsetWrites[] = [...(writes.put ?? []).map((o) => ({ put: [o] })), ...(writes.remove ?? []).map((r) => ({ remove: [{ topic: r.topic, partition: r.partition }] }))];
  const chunks: FencedOffsetWrites[][] = [];
  for (let i = 0; i < ops.length; i += FENCED_WRITES_MAX) chunks.push(ops.slice(i, i + FENCED_WRITES_MAX));
  if (chunks.length === 0 && writes.deleteMeta) chunks.push([]);
  const done: number[] = [];
  for (const [c, chunk] of chunks.entries()) {
    const transaction: FencedOffsetWrites = {
      put: chunk.flatMap((op) => op.put ?? []),
      remove: chunk.flatMap((op) => op.remove ?? []),
      deleteMeta: writes.deleteMeta === true && c === chunks.length - 1,
    };
    let reasons = '';
    const outcome = await withRetries(
      ctx,
      WRITE_RETRY,
      async () => {
        const result = await writeOffsetsFenced(ctx, group, fence, transaction);
        if (result.kind !== 'contended') return result;
        reasons = result.reasons;
        return RETRY;
      },
      () => new ServiceBusyError(reasons),
    );
    if (outcome.kind === 'fenced') return { kind: 'fenced', done };
    chunk.forEach((_, i) => done.push(c * FENCED_WRITES_MAX + i));
  }
  return { kind: 'written', done };
}
