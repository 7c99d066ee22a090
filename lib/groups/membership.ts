import type { SluiceContext } from '../core/context';
import type { GroupMember, GroupMeta, MemberProtocol, ResetPolicy } from '../store/group-items';
import { createMember, deleteMember, deleteMemberIfLapsed, ensureGroupMeta, readMembers, readMeta, rejoinMember, renewMemberLease } from '../store/group-store';
import { readSubscription } from '../store/subscription-store';
import { getTopic } from '../topics/topic-repository';
import type { AssignorName } from './assignors';
import { restartGroup } from './group-admin';
import { GroupHasSubscriptionError, UnknownMemberError } from './group-errors';
import type { MembershipView } from './group-views';

export interface JoinInput {
  topics: string[];
  sessionTimeoutMs: number;
  assignor: AssignorName;
  resetPolicy: ResetPolicy;
  clientId?: string;
  /** Where the member connected from (a Kafka member's client host). */
  clientHost?: string;
  /** A Kafka member's JoinGroup protocols, kept for its JoinGroup, SyncGroup and DescribeGroups answers. */
  protocols?: MemberProtocol[];
}

export type { MembershipView } from './group-views';

/**
 * Joins a member: creates the group's meta item if needed (the first member's assignor
 * and reset policy become the group's), then the member's lease item. Its INSERT on
 * the table's stream makes the coordinator compute the next generation; the member
 * learns its partitions from its heartbeats.
 */
export async function joinGroup(ctx: SluiceContext, group: string, input: JoinInput): Promise<MembershipView> {
  for (const topic of input.topics) await getTopic(ctx, topic);
  if (await readSubscription(ctx, group)) throw new GroupHasSubscriptionError(group);
  const now = ctx.now();
  await ensureGroupMeta(ctx, group, { assignor: input.assignor, resetPolicy: input.resetPolicy }, now);
  const member: GroupMember = {
    group,
    memberId: `${input.clientId ?? 'member'}-${ctx.newId()}`,
    topics: [...new Set(input.topics)].sort(),
    sessionTimeoutMs: input.sessionTimeoutMs,
    expiresAt: now + input.sessionTimeoutMs,
    joinedAt: now,
    ...(input.clientId !== undefined && { clientId: input.clientId }),
    ...(input.clientHost !== undefined && { clientHost: input.clientHost }),
    ...(input.protocols !== undefined && { protocols: input.protocols }),
  };
  // Ids are fresh UUIDs: a taken one is a broken id source, not a caller's mistake.
  if ((await createMember(ctx, member)) === 'exists') throw new Error(`Group '${group}': member id '${member.memberId}' is already taken`);
  let meta = await readMeta(ctx, group);
  if (!meta) {
    // The group was deleted between writing its meta item and this member's (lib/groups/group-admin.ts): the
    // coordinator may have found no group for this member's join, so start one and assign it now.
    await restartGroup(ctx, group, { assignor: input.assignor, resetPolicy: input.resetPolicy });
    meta = await readMeta(ctx, group);
  }
  return {
    group,
    memberId: member.memberId,
    generation: meta?.generation ?? 0,
    assignment: [],
    rebalanceInProgress: true,
    sessionTimeoutMs: member.sessionTimeoutMs,
    heartbeatIntervalMs: heartbeatInterval(member.sessionTimeoutMs),
  };
}

/**
 * Renews the member's lease, answers the member's current assignment, and about once per
 * heartbeat interval per group (not on every member's heartbeat) removes members whose
 * leases lapsed (their REMOVE events trigger a rebalance). A member whose own lease
 * lapsed is gone and must join again.
 */
export async function heartbeat(ctx: SluiceContext, group: string, memberId: string): Promise<MembershipView> {
  const now = ctx.now();
  const member = await renewMemberLease(ctx, group, memberId, now);
  if (!member) throw new UnknownMemberError(group, memberId);
  const meta = await readMeta(ctx, group);
  const inGeneration = meta !== undefined && meta.members.includes(memberId);
  // A member outside the current generation waits for the coordinator; one inside it is settled unless this heartbeat's
  // sweep finds the membership moved (a lapsed lease, or a join the coordinator has not handled yet).
  let current = inGeneration;
  let expired = 0;
  if (sweepsLapsedMembers(ctx, meta?.members.length ?? 0)) {
    const swept = await expireLapsedMembers(ctx, group, now);
    expired = swept.expired;
    current = inGeneration && sameIds(meta.members, swept.live.map((m) => m.memberId));
  }
  return {
    group,
    memberId,
    generation: meta?.generation ?? 0,
    // While a rebalance is pending the current generation's assignment stays valid (for commits too).
    assignment: inGeneration ? (meta.assignment[memberId] ?? []) : [],
    rebalanceInProgress: !current || expired > 0,
    sessionTimeoutMs: member.sessionTimeoutMs,
    heartbeatIntervalMs: heartbeatInterval(member.sessionTimeoutMs),
  };
}

/**
 * A known member joining again (Kafka's JoinGroup with its member id, after a rebalance
 * began): renews its lease with the session timeout it asks for now and keeps its new
 * protocols; membership is unchanged, so no rebalance follows. A member whose lease
 * lapsed is gone (UnknownMemberError) and must join as a new one.
 */
export async function rejoinGroup(ctx: SluiceContext, group: string, memberId: string, input: { sessionTimeoutMs: number; protocols: MemberProtocol[] }): Promise<GroupMember> {
  const member = await rejoinMember(ctx, group, memberId, input, ctx.now());
  if (!member) throw new UnknownMemberError(group, memberId);
  return member;
}

/** Renews a member's lease without the rest of a heartbeat (no sweep, no meta read): undefined when it lapsed or is gone. */
export async function renewLease(ctx: SluiceContext, group: string, memberId: string): Promise<GroupMember | undefined> {
  return renewMemberLease(ctx, group, memberId, ctx.now());
}

/** What a gateway answering the Kafka group protocol reads each time: the meta item and the live members (leases not lapsed). */
export interface GroupState {
  meta: GroupMeta | undefined;
  live: GroupMember[];
  /** Whether the current generation was computed for exactly the live members (Kafka's Stable). */
  settled: boolean;
}

export async function readGroupState(ctx: SluiceContext, group: string): Promise<GroupState> {
  const meta = await readMeta(ctx, group);
  const now = ctx.now();
  const live = meta ? (await readMembers(ctx, group)).filter((m) => m.expiresAt >= now).sort((a, b) => (a.memberId < b.memberId ? -1 : 1)) : [];
  const settled = meta !== undefined && sameIds(meta.members, live.map((m) => m.memberId));
  return { meta, live, settled };
}

export async function leaveGroup(ctx: SluiceContext, group: string, memberId: string): Promise<void> {
  if ((await deleteMember(ctx, group, memberId)) === 'absent') throw new UnknownMemberError(group, memberId);
}

/**
 * Reads the group's members once, deletes those whose lease lapsed before `now` (each only
 * if it is still lapsed), and answers the live ones and how many went.
 */
export async function expireLapsedMembers(ctx: SluiceContext, group: string, now: number): Promise<{ live: GroupMember[]; expired: number }> {
  const live: GroupMember[] = [];
  let expired = 0;
  for (const member of await readMembers(ctx, group)) {
    if (member.expiresAt >= now) live.push(member);
    else if (await deleteMemberIfLapsed(ctx, member, now)) expired++;
  }
  return { live, expired };
}

/**
 * Whether this heartbeat sweeps the group's lapsed members: with probability 1/N, N the
 * members of the current generation. Each of them heartbeats once per heartbeat interval,
 * so the group sweeps about once per interval whatever its size (a Query of every member
 * item), instead of N times; a lapsed member is removed about one heartbeat interval after
 * its lease lapsed (its partitions then move), and at the latest by the expire-group-members
 * schedule, every minute. See docs/design.md, "Consumer groups".
 */
function sweepsLapsedMembers(ctx: SluiceContext, members: number): boolean {
  return members <= 1 || ctx.random() * members < 1;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sortedB = [...b].sort();
  return [...a].sort().every((id, i) => id === sortedB[i]);
}

/** Kafka's rule of thumb: heartbeat three times per session timeout. */
function heartbeatInterval(sessionTimeoutMs: number): number {
  return Math.max(100, Math.floor(sessionTimeoutMs / 3));
}
