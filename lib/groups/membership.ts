import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { subscriptionKey } from '../store/subscription-items';
import type { SluiceContext } from '../core/context';
import { memberKey, metaKey, toMemberItem, type GroupMember, type ResetPolicy } from '../store/group-items';
import { getTopic } from '../topics/topic-repository';
import type { AssignorName } from './assignors';
import { GroupHasSubscriptionError, UnknownMemberError } from './group-errors';
import { readMembers, readMeta } from './group-repository';
import type { MembershipView } from './group-views';

export interface JoinInput {
  topics: string[];
  sessionTimeoutMs: number;
  assignor: AssignorName;
  resetPolicy: ResetPolicy;
  clientId?: string;
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
  const subscription = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.groups, Key: subscriptionKey(group), ConsistentRead: true }));
  if (subscription.Item) throw new GroupHasSubscriptionError(group);
  const now = ctx.now();
  await ctx.ddb.send(
    new UpdateCommand({
      TableName: ctx.tables.groups,
      Key: metaKey(group),
      UpdateExpression:
        'SET generation = if_not_exists(generation, :zero), assignor = if_not_exists(assignor, :assignor), resetPolicy = if_not_exists(resetPolicy, :reset), members = if_not_exists(members, :none), assignment = if_not_exists(assignment, :empty), topicPartitions = if_not_exists(topicPartitions, :empty), #group = :group, updatedAt = if_not_exists(updatedAt, :now)',
      ExpressionAttributeNames: { '#group': 'group' },
      ExpressionAttributeValues: { ':zero': 0, ':assignor': input.assignor, ':reset': input.resetPolicy, ':none': [], ':empty': {}, ':group': group, ':now': now },
    }),
  );
  const member: GroupMember = {
    group,
    memberId: `${input.clientId ?? 'member'}-${ctx.newId()}`,
    topics: [...new Set(input.topics)].sort(),
    sessionTimeoutMs: input.sessionTimeoutMs,
    expiresAt: now + input.sessionTimeoutMs,
    joinedAt: now,
  };
  await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.groups, Item: toMemberItem(member), ConditionExpression: 'attribute_not_exists(pk)' }));
  const meta = await readMeta(ctx, group);
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
 * Renews the member's lease, removes members whose leases lapsed (their REMOVE events
 * trigger a rebalance), and answers the member's current assignment. A member whose own
 * lease lapsed is gone and must join again.
 */
export async function heartbeat(ctx: SluiceContext, group: string, memberId: string): Promise<MembershipView> {
  const now = ctx.now();
  let member: GroupMember;
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.groups,
        Key: memberKey(group, memberId),
        UpdateExpression: 'SET expiresAt = sessionTimeoutMs + :now, expiresAtSeconds = :ttl',
        ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now',
        ExpressionAttributeValues: { ':now': now, ':ttl': Math.ceil(now / 1000) + 2 * 3600 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    member = result.Attributes as unknown as GroupMember;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new UnknownMemberError(group, memberId);
    throw error;
  }
  const { live: liveMembers, expired } = await expireLapsedMembers(ctx, group, now);
  const meta = await readMeta(ctx, group);
  const live = liveMembers.map((m) => m.memberId);
  const inGeneration = meta !== undefined && meta.members.includes(memberId);
  const current = inGeneration && sameIds(meta.members, live);
  return {
    group,
    memberId,
    generation: meta?.generation ?? 0,
    // While a rebalance is pending the current generation's assignment stays valid (for commits too).
    assignment: inGeneration ? (meta.assignment[memberId] ?? []) : [],
    rebalanceInProgress: !current || expired > 0,
    sessionTimeoutMs: Number(member.sessionTimeoutMs),
    heartbeatIntervalMs: heartbeatInterval(Number(member.sessionTimeoutMs)),
  };
}

export async function leaveGroup(ctx: SluiceContext, group: string, memberId: string): Promise<void> {
  try {
    await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.groups, Key: memberKey(group, memberId), ConditionExpression: 'attribute_exists(pk)' }));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new UnknownMemberError(group, memberId);
    throw error;
  }
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
    else if (await deleteIfLapsed(ctx, member, now)) expired++;
  }
  return { live, expired };
}

/** Deletes a member item under the condition that its lease lapsed before `now`; false when it was renewed or already gone. */
export async function deleteIfLapsed(ctx: SluiceContext, member: GroupMember, now: number): Promise<boolean> {
  try {
    await ctx.ddb.send(
      new DeleteCommand({
        TableName: ctx.tables.groups,
        Key: memberKey(member.group, member.memberId),
        ConditionExpression: 'expiresAt < :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
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
