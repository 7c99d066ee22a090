import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, TransactWriteCommand, UpdateCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import type { Assignment, AssignorName } from '../groups/assignors';
import {
  fromMemberItem,
  fromMetaItem,
  fromOffsetItem,
  groupPartitionKey,
  memberKey,
  META_SORT_KEY,
  MEMBER_SORT_PREFIX,
  metaKey,
  OFFSET_SORT_PREFIX,
  offsetKey,
  toMemberItem,
  toOffsetItem,
  type CommittedOffset,
  type GroupMember,
  type GroupMeta,
  type MemberProtocol,
  type ResetPolicy,
} from './group-items';
import { cancellationOf } from './transaction-cancellation';
import { queryAll, scanAll } from './batch-operations';

/**
 * The Groups table's group items (meta, members, committed offsets): every read, write
 * and expression on them. Reads are strongly consistent, since leases and generations
 * decide who may commit. Features turn the typed answers into errors.
 */

// ---- meta ----

export async function readMeta(ctx: SluiceContext, group: string): Promise<GroupMeta | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.groups, Key: metaKey(group), ConsistentRead: true }));
  return fromMetaItem(result.Item);
}

/** Every group's meta item, by a Scan. Fine for the tens of groups a deployment has; a registry item would replace it if that grows. */
export async function listGroupMetas(ctx: SluiceContext): Promise<GroupMeta[]> {
  const items = await scanAll(ctx, { TableName: ctx.tables.groups, FilterExpression: 'sk = :meta', ExpressionAttributeValues: { ':meta': META_SORT_KEY }, ConsistentRead: true });
  return items.map((item) => fromMetaItem(item)!);
}

/** Creates the meta item at generation 0 if there is none; an existing group keeps its assignor and reset policy (the first member's). */
export async function ensureGroupMeta(ctx: SluiceContext, group: string, defaults: { assignor: AssignorName; resetPolicy: ResetPolicy }, now: number): Promise<void> {
  await ctx.ddb.send(
    new UpdateCommand({
      TableName: ctx.tables.groups,
      Key: metaKey(group),
      UpdateExpression:
        'SET generation = if_not_exists(generation, :zero), assignor = if_not_exists(assignor, :assignor), resetPolicy = if_not_exists(resetPolicy, :reset), members = if_not_exists(members, :none), assignment = if_not_exists(assignment, :empty), topicPartitions = if_not_exists(topicPartitions, :empty), #group = :group, updatedAt = if_not_exists(updatedAt, :now)',
      ExpressionAttributeNames: { '#group': 'group' },
      ExpressionAttributeValues: { ':zero': 0, ':assignor': defaults.assignor, ':reset': defaults.resetPolicy, ':none': [], ':empty': {}, ':group': group, ':now': now },
    }),
  );
}

/** The meta item of a push group: its reset policy and pushed topic set (so positions and lag read as for pull groups); the generation kept. */
export async function writePushGroupMeta(
  ctx: SluiceContext,
  group: string,
  push: { resetPolicy: ResetPolicy; topicPartitions: Record<string, number> },
  now: number,
): Promise<void> {
  await ctx.ddb.send(
    new UpdateCommand({
      TableName: ctx.tables.groups,
      Key: metaKey(group),
      UpdateExpression:
        'SET generation = if_not_exists(generation, :zero), assignor = if_not_exists(assignor, :assignor), resetPolicy = :reset, members = if_not_exists(members, :none), assignment = if_not_exists(assignment, :empty), topicPartitions = :topics, #group = :group, updatedAt = :now',
      ExpressionAttributeNames: { '#group': 'group' },
      ExpressionAttributeValues: {
        ':zero': 0,
        ':assignor': 'sticky',
        ':reset': push.resetPolicy,
        ':none': [],
        ':empty': {},
        ':topics': push.topicPartitions,
        ':group': group,
        ':now': now,
      },
    }),
  );
}

export interface NextGeneration {
  /** The generation read, which the write is conditional on; the new one is this + 1. */
  current: number;
  members: string[];
  assignment: Assignment;
  topicPartitions: Record<string, number>;
}

/** The coordinator's write: generation + 1 with its assignment, only if the generation is still `current`; `contended` when another moved it. */
export async function writeNextGeneration(ctx: SluiceContext, group: string, next: NextGeneration, now: number): Promise<'written' | 'contended'> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.groups,
        Key: metaKey(group),
        UpdateExpression: 'SET generation = :next, members = :members, assignment = :assignment, topicPartitions = :topics, updatedAt = :now',
        ConditionExpression: 'generation = :current',
        ExpressionAttributeValues: {
          ':next': next.current + 1,
          ':current': next.current,
          ':members': next.members,
          ':assignment': next.assignment,
          ':topics': next.topicPartitions,
          ':now': now,
        },
      }),
    );
    return 'written';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'contended';
    throw error;
  }
}

// ---- members ----

export async function readMembers(ctx: SluiceContext, group: string): Promise<GroupMember[]> {
  return (await queryPrefix(ctx, group, MEMBER_SORT_PREFIX)).map(fromMemberItem);
}

/** Writes a new member's lease item; `exists` when the id is taken (the item there is left alone). */
export async function createMember(ctx: SluiceContext, member: GroupMember): Promise<'created' | 'exists'> {
  try {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.groups, Item: toMemberItem(member), ConditionExpression: 'attribute_not_exists(pk)' }));
    return 'created';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'exists';
    throw error;
  }
}

/**
 * The TTL backstop after a renewal, counted from the renewal: past the longest lease a
 * renewal can give (a bound member's, `WATCH_BOUND_LEASE_MS`, 2 h 15 min; a session
 * timeout is at most 5 minutes) plus an hour. DynamoDB's TTL only backs up the sweeps.
 */
const RENEWED_TTL_SECONDS = 4 * 3600;

/**
 * Renews a member's lease, only while it has not lapsed: a lapsed member cannot revive
 * itself. The new lease is `now + sessionTimeoutMs`, or `now + boundLeaseMs` while the
 * member is bound to a watch connection (`if_not_exists`), so a heartbeat of a bound
 * member (its answer to a rebalance notice) never shortens the lease its binding keeps.
 * Undefined when the member is lapsed or gone.
 */
export async function renewMemberLease(ctx: SluiceContext, group: string, memberId: string, now: number): Promise<GroupMember | undefined> {
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.groups,
        Key: memberKey(group, memberId),
        UpdateExpression: 'SET expiresAt = if_not_exists(boundLeaseMs, sessionTimeoutMs) + :now, expiresAtSeconds = :ttl',
        ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now',
        ExpressionAttributeValues: { ':now': now, ':ttl': Math.ceil(now / 1000) + RENEWED_TTL_SECONDS },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return fromMemberItem(result.Attributes ?? {});
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * A member joining again under its id (Kafka's JoinGroup from a known member): a new
 * lease of `now + sessionTimeoutMs` and its current protocols, only while it has not
 * lapsed (a lapsed member cannot revive itself; it joins as a new one). A MODIFY, so the
 * coordinator's stream filter does not see it: membership is unchanged. Undefined when
 * the member is lapsed or gone.
 */
export async function rejoinMember(
  ctx: SluiceContext,
  group: string,
  memberId: string,
  update: { sessionTimeoutMs: number; protocols: MemberProtocol[] },
  now: number,
): Promise<GroupMember | undefined> {
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.groups,
        Key: memberKey(group, memberId),
        UpdateExpression: 'SET expiresAt = :expires, sessionTimeoutMs = :session, protocols = :protocols, expiresAtSeconds = :ttl',
        ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now',
        ExpressionAttributeValues: {
          ':expires': now + update.sessionTimeoutMs,
          ':session': update.sessionTimeoutMs,
          ':protocols': update.protocols,
          ':now': now,
          ':ttl': Math.ceil(now / 1000) + RENEWED_TTL_SECONDS,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return fromMemberItem(result.Attributes ?? {});
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * Binds a member to a watch connection: `connectionId`, and a lease of `now + leaseMs`
 * that renewals keep while bound (`boundLeaseMs`), only while the member has not lapsed.
 * Replaces any earlier binding (the last bind counts). Undefined when the member is
 * lapsed or gone.
 */
export async function bindMemberLease(
  ctx: SluiceContext,
  binding: { group: string; memberId: string; connectionId: string },
  leaseMs: number,
  now: number,
): Promise<GroupMember | undefined> {
  try {
    const result = await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.groups,
        Key: memberKey(binding.group, binding.memberId),
        UpdateExpression: 'SET connectionId = :connection, boundLeaseMs = :lease, expiresAt = :expires, expiresAtSeconds = :ttl',
        ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now',
        ExpressionAttributeValues: {
          ':connection': binding.connectionId,
          ':lease': leaseMs,
          ':expires': now + leaseMs,
          ':now': now,
          ':ttl': Math.ceil(now / 1000) + RENEWED_TTL_SECONDS,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return fromMemberItem(result.Attributes ?? {});
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/**
 * The member's watch connection closed: removes the binding and starts its session
 * timeout (`expiresAt = now + sessionTimeoutMs`), only if it is still bound to THIS
 * connection and has not lapsed (a member bound again elsewhere, or gone, is left alone).
 * Answers whether it was released.
 */
export async function releaseMemberBinding(ctx: SluiceContext, binding: { group: string; memberId: string; connectionId: string }, now: number): Promise<boolean> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.groups,
        Key: memberKey(binding.group, binding.memberId),
        UpdateExpression: 'REMOVE connectionId, boundLeaseMs SET expiresAt = sessionTimeoutMs + :now, expiresAtSeconds = :ttl',
        ConditionExpression: 'connectionId = :connection AND expiresAt >= :now',
        ExpressionAttributeValues: { ':connection': binding.connectionId, ':now': now, ':ttl': Math.ceil(now / 1000) + RENEWED_TTL_SECONDS },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** A member leaving: `absent` when there was no such member. */
export async function deleteMember(ctx: SluiceContext, group: string, memberId: string): Promise<'deleted' | 'absent'> {
  try {
    await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.groups, Key: memberKey(group, memberId), ConditionExpression: 'attribute_exists(pk)' }));
    return 'deleted';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'absent';
    throw error;
  }
}

/** Deletes a member item under the condition that its lease lapsed before `now`; false when it was renewed or already gone. */
export async function deleteMemberIfLapsed(ctx: SluiceContext, member: GroupMember, now: number): Promise<boolean> {
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

/** The members of every group whose lease lapsed before `now`, a Scan page at a time, with how many items each page scanned. */
export async function* lapsedMembers(ctx: SluiceContext, now: number): AsyncGenerator<{ scanned: number; members: GroupMember[] }> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new ScanCommand({
        TableName: ctx.tables.groups,
        FilterExpression: 'begins_with(sk, :member) AND expiresAt < :now',
        ExpressionAttributeValues: { ':member': MEMBER_SORT_PREFIX, ':now': now },
        ExclusiveStartKey: startKey,
      }),
    );
    yield { scanned: page.ScannedCount ?? 0, members: (page.Items ?? []).map(fromMemberItem) };
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

// ---- committed offsets ----

/** The group's committed offsets, of one topic or all. */
export async function readOffsets(ctx: SluiceContext, group: string, topic?: string): Promise<CommittedOffset[]> {
  return (await queryPrefix(ctx, group, topic === undefined ? OFFSET_SORT_PREFIX : `${OFFSET_SORT_PREFIX}${topic}#`)).map(fromOffsetItem);
}

export async function readOffset(ctx: SluiceContext, group: string, topic: string, partition: number): Promise<CommittedOffset | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.groups, Key: offsetKey(group, topic, partition), ConsistentRead: true }));
  return result.Item ? fromOffsetItem(result.Item) : undefined;
}

/** Who commits, checked in the commit's own transaction. */
export interface CommitFence {
  memberId: string;
  /** The generation the member holds; the meta item's must still be it. */
  generation: number;
  /** The member's lease must not have lapsed before this. */
  now: number;
}

export type OffsetCommitOutcome =
  | { kind: 'committed' }
  /** The member's lease lapsed or the member is gone (checked first: a gone member's generation is moot). */
  | { kind: 'unknown-member' }
  /** The group's generation is no longer the member's. */
  | { kind: 'illegal-generation' }
  /** Cancelled for no verdict on the member (a conflicting transaction, a throttle): worth trying again. */
  | { kind: 'contended'; reasons: string };

/**
 * Writes the group's offsets in one transaction; with a `fence`, the same
 * transaction checks the meta item's generation and the member's unexpired lease, so a
 * zombie's commit is refused whole and changes nothing. Without one (a standalone
 * consumer) the offsets are written as they are.
 */
export async function commitGroupOffsets(ctx: SluiceContext, group: string, offsets: readonly CommittedOffset[], fence?: CommitFence): Promise<OffsetCommitOutcome> {
  if (offsets.some((o) => o.group !== group)) throw new Error(`commitGroupOffsets: every offset must be of group '${group}'`);
  if (offsets.length === 0 && !fence) return { kind: 'committed' };
  type Part = 'generation' | 'member' | 'offset';
  const parts: Part[] = [];
  const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
  if (fence) {
    parts.push('generation', 'member');
    items.push(
      {
        ConditionCheck: {
          TableName: ctx.tables.groups,
          Key: metaKey(group),
          ConditionExpression: 'generation = :generation',
          ExpressionAttributeValues: { ':generation': fence.generation },
        },
      },
      {
        ConditionCheck: {
          TableName: ctx.tables.groups,
          Key: memberKey(group, fence.memberId),
          ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now',
          ExpressionAttributeValues: { ':now': fence.now },
        },
      },
    );
  }
  for (const offset of offsets) {
    parts.push('offset');
    items.push({ Put: { TableName: ctx.tables.groups, Item: toOffsetItem(offset) } });
  }
  try {
    await ctx.ddb.send(new TransactWriteCommand({ TransactItems: items }));
    return { kind: 'committed' };
  } catch (error) {
    const cancellation = cancellationOf(error, parts);
    if (!cancellation) throw error;
    if (cancellation.failed.has('member')) return { kind: 'unknown-member' };
    if (cancellation.failed.has('generation')) return { kind: 'illegal-generation' };
    return { kind: 'contended', reasons: cancellation.codes };
  }
}

async function queryPrefix(ctx: SluiceContext, group: string, prefix: string): Promise<Record<string, unknown>[]> {
  return queryAll(ctx, {
    TableName: ctx.tables.groups,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': groupPartitionKey(group), ':prefix': prefix },
    ConsistentRead: true,
  });
}

// ---- administration: offset resets and deletions ----

/** The writes one fenced transaction holds beside its fence on the meta item: DynamoDB's 100 items less that one. */
export const FENCED_WRITES_MAX = 99;

/**
 * What an administrative write is fenced on: the meta item's generation as the caller
 * read it, or null when the group had no meta item then.
 */
export type GroupFence = number | null;

export type FencedWriteOutcome =
  | { kind: 'written' }
  /** The meta item no longer matches the fence: the group moved (a member joined, a rebalance ran) since it was read. */
  | { kind: 'fenced' }
  /** Cancelled for another reason (a conflicting transaction, a throttle): worth trying again. */
  | { kind: 'contended'; reasons: string };

export interface FencedOffsetWrites {
  put?: readonly CommittedOffset[];
  remove?: readonly { topic: string; partition: number }[];
  /** Delete the meta item too, under the fence's own condition (the last step of deleting a group). */
  deleteMeta?: boolean;
}

/**
 * Puts and deletes the group's offset items in one transaction that is refused whole
 * unless the meta item is as `fence` says (the generation read, or still absent). A
 * member can read or commit offsets only once a generation includes it, and the
 * coordinator writes that generation as generation + 1 on this item; so a transaction
 * that commits here is ordered before any member that joined after the caller's read
 * gets partitions (lib/groups/group-admin.ts, docs/design.md "Resetting and deleting").
 * At most FENCED_WRITES_MAX puts and deletes together.
 */
export async function writeOffsetsFenced(ctx: SluiceContext, group: string, fence: GroupFence, writes: FencedOffsetWrites): Promise<FencedWriteOutcome> {
  const put = writes.put ?? [];
  const remove = writes.remove ?? [];
  if (put.length + remove.length > FENCED_WRITES_MAX) throw new Error(`writeOffsetsFenced: at most ${FENCED_WRITES_MAX} writes per transaction`);
  if (put.some((o) => o.group !== group)) throw new Error(`writeOffsetsFenced: every offset must be of group '${group}'`);
  const condition =
    fence === null
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : { ConditionExpression: 'generation = :generation', ExpressionAttributeValues: { ':generation': fence } };
  type Part = 'fence' | 'offset';
  const parts: Part[] = ['fence'];
  const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
    writes.deleteMeta ? { Delete: { TableName: ctx.tables.groups, Key: metaKey(group), ...condition } } : { ConditionCheck: { TableName: ctx.tables.groups, Key: metaKey(group), ...condition } },
  ];
  for (const offset of put) {
    parts.push('offset');
    items.push({ Put: { TableName: ctx.tables.groups, Item: toOffsetItem(offset) } });
  }
  for (const { topic, partition } of remove) {
    parts.push('offset');
    items.push({ Delete: { TableName: ctx.tables.groups, Key: offsetKey(group, topic, partition) } });
  }
  try {
    await ctx.ddb.send(new TransactWriteCommand({ TransactItems: items }));
    return { kind: 'written' };
  } catch (error) {
    const cancellation = cancellationOf(error, parts);
    if (!cancellation) throw error;
    if (cancellation.failed.has('fence')) return { kind: 'fenced' };
    return { kind: 'contended', reasons: cancellation.codes };
  }
}
