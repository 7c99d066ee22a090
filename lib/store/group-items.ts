import type { Assignment, AssignorName } from '../groups/assignors';
import type { CommittedOffset, ResetPolicy } from '../protocol/responses';

// A committed offset is stored as the commit route answers it (the wire contract's shape).
export type { CommittedOffset, ResetPolicy };

/**
 * Items of the Groups table, all under `pk = group#<name>`. Owned here alone.
 *
 * - `meta`: the group's generation and the assignment the coordinator computed for it.
 * - `member#<id>`: one member's lease (`expiresAt`), subscription and session timeout; while
 *   the member is bound to a watch connection also `connectionId` and `boundLeaseMs` (the
 *   lease a renewal gives while bound; lib/groups/member-binding.ts).
 * - `offset#<topic>#<partition>`: a committed offset, with the generation that committed it.
 */

export interface GroupMeta {
  group: string;
  generation: number;
  assignor: AssignorName;
  resetPolicy: ResetPolicy;
  /** The members the current generation's assignment was computed for. */
  members: string[];
  assignment: Assignment;
  /** Partition counts the assignment was computed for, so a topic change is noticed. */
  topicPartitions: Record<string, number>;
  updatedAt: number;
}

export interface GroupMember {
  group: string;
  memberId: string;
  topics: string[];
  sessionTimeoutMs: number;
  /** The lease: the member holds its place until then unless it heartbeats. */
  expiresAt: number;
  joinedAt: number;
  /** The watch connection the member is bound to, if any: it keeps the lease and hears of rebalances there. */
  connectionId?: string;
  /** The client's own name for itself (Kafka's client.id, or the HTTP join's clientId). */
  clientId?: string;
  /** Where a Kafka member connected from (Kafka's client host). */
  clientHost?: string;
  /**
   * A Kafka member's JoinGroup protocols (its assignors, most preferred first, each with
   * its ConsumerProtocol subscription bytes), kept so every gateway answers JoinGroup,
   * SyncGroup and DescribeGroups alike without state of its own. HTTP members have none.
   */
  protocols?: MemberProtocol[];
}

export interface MemberProtocol {
  name: string;
  metadata: Uint8Array;
}

const GROUP_PREFIX = 'group#';
const MEMBER_PREFIX = 'member#';
const OFFSET_PREFIX = 'offset#';
export const META_SORT_KEY = 'meta';

export function groupPartitionKey(group: string): string {
  return GROUP_PREFIX + group;
}

/** The key attributes of a Groups item as a DynamoDB stream record carries them (`record.dynamodb.Keys`). */
export type StreamKeys = { readonly [attribute: string]: { readonly S?: string; readonly [type: string]: unknown } | undefined } | undefined;

/** The group a Groups stream record is about, or undefined for an item outside any group (the topic registry). */
export function groupOfStreamKey(keys: StreamKeys): string | undefined {
  const pk = keys?.pk?.S;
  return pk?.startsWith(GROUP_PREFIX) ? pk.slice(GROUP_PREFIX.length) : undefined;
}

export function metaKey(group: string): { pk: string; sk: string } {
  return { pk: groupPartitionKey(group), sk: META_SORT_KEY };
}

export function memberKey(group: string, memberId: string): { pk: string; sk: string } {
  return { pk: groupPartitionKey(group), sk: MEMBER_PREFIX + memberId };
}

export function offsetKey(group: string, topic: string, partition: number): { pk: string; sk: string } {
  return { pk: groupPartitionKey(group), sk: `${OFFSET_PREFIX}${topic}#${partition}` };
}

export const MEMBER_SORT_PREFIX = MEMBER_PREFIX;
export const OFFSET_SORT_PREFIX = OFFSET_PREFIX;

export function toMemberItem(member: GroupMember): Record<string, unknown> {
  // TTL is a backstop an hour after the lease: DynamoDB deletes expired items within days, not seconds.
  return { ...memberKey(member.group, member.memberId), ...member, expiresAtSeconds: Math.ceil(member.expiresAt / 1000) + 3600 };
}

export function fromMemberItem(item: Record<string, unknown>): GroupMember {
  return {
    group: String(item.group),
    memberId: String(item.memberId),
    topics: ((item.topics as string[] | undefined) ?? []).map(String),
    sessionTimeoutMs: Number(item.sessionTimeoutMs),
    expiresAt: Number(item.expiresAt),
    joinedAt: Number(item.joinedAt),
    ...(typeof item.connectionId === 'string' ? { connectionId: item.connectionId } : {}),
    ...(typeof item.clientId === 'string' ? { clientId: item.clientId } : {}),
    ...(typeof item.clientHost === 'string' ? { clientHost: item.clientHost } : {}),
    ...(Array.isArray(item.protocols) ? { protocols: (item.protocols as { name: unknown; metadata: unknown }[]).map(protocolOf) } : {}),
  };
}

function protocolOf(item: { name: unknown; metadata: unknown }): MemberProtocol {
  return { name: String(item.name), metadata: item.metadata instanceof Uint8Array ? item.metadata : new Uint8Array(0) };
}

export function toMetaItem(meta: GroupMeta): Record<string, unknown> {
  return { ...metaKey(meta.group), ...meta };
}

export function fromMetaItem(item: Record<string, unknown> | undefined): GroupMeta | undefined {
  if (!item) return undefined;
  return {
    group: String(item.group),
    generation: Number(item.generation),
    assignor: String(item.assignor) as AssignorName,
    resetPolicy: item.resetPolicy === 'earliest' ? 'earliest' : 'latest',
    members: ((item.members as string[] | undefined) ?? []).map(String),
    assignment: (item.assignment as Assignment | undefined) ?? {},
    topicPartitions: (item.topicPartitions as Record<string, number> | undefined) ?? {},
    updatedAt: Number(item.updatedAt ?? 0),
  };
}

export function toOffsetItem(offset: CommittedOffset): Record<string, unknown> {
  return { ...offsetKey(offset.group, offset.topic, offset.partition), ...offset };
}

export function fromOffsetItem(item: Record<string, unknown>): CommittedOffset {
  return {
    group: String(item.group),
    topic: String(item.topic),
    partition: Number(item.partition),
    offset: Number(item.offset),
    generation: Number(item.generation),
    memberId: item.memberId == null ? null : String(item.memberId),
    metadata: item.metadata == null ? null : String(item.metadata),
    committedAt: Number(item.committedAt),
  };
}
