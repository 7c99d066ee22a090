import * as z from 'zod/mini';
import { requireAccess, type Caller } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import type { SluiceContext } from '../../../core/context';
import type { AssignorName } from '../../../groups/assignors';
import { GroupActiveError, GroupHasSubscriptionError, GroupNotFoundError, IllegalGenerationError, NotAssignedError, UnknownMemberError } from '../../../groups/group-errors';
import { groupNameSchema } from '../../../protocol/identifiers';
import type { GroupMember } from '../../../store/group-items';
import { KAFKA_ERRORS } from '../../error-codes';
import { kafkaErrorOf } from './errors';

/**
 * What the Kafka group handlers share: the group checks every one of them makes first,
 * the Kafka codes of lib/groups' errors, and the choices every gateway must make alike
 * from the stored members alone (the protocol, the leader), since gateways keep no state.
 */

/** The protocol type every Sluice group speaks: consumers' (ConsumerProtocol subscriptions and assignments). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/**
 * The group checks in the HTTP group routes' order: a name Sluice could never hold is
 * INVALID_GROUP_ID (it must not reach DynamoDB's key limits), then the caller's access
 * to the group (GROUP_AUTHORIZATION_FAILED). Answers the Kafka error code, NONE when allowed.
 */
export async function checkGroup(ctx: SluiceContext, caller: Caller, group: string, operation: 'READ' | 'DESCRIBE'): Promise<number> {
  if (!z.safeParse(groupNameSchema, group).success) return KAFKA_ERRORS.INVALID_GROUP_ID;
  try {
    await requireAccess(ctx, caller, { resourceType: 'GROUP', resourceName: group, operation });
    return KAFKA_ERRORS.NONE;
  } catch (error) {
    if (error instanceof AccessDeniedError) return KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED;
    throw error;
  }
}

/**
 * The longest member id the gateway looks up: Sluice's are a client-id prefix of at most
 * 64 characters and a UUID, and a member id is part of a DynamoDB sort key (1,024 bytes
 * at most), so a longer one is answered UNKNOWN_MEMBER_ID without a storage call.
 */
export const MEMBER_ID_MAX_LENGTH = 256;

export function isPossibleMemberId(memberId: string): boolean {
  return memberId.length > 0 && memberId.length <= MEMBER_ID_MAX_LENGTH;
}

/** A lib/groups error as the Kafka code its clients act on (rejoin, reset the member id, or report). */
export function groupErrorCode(error: unknown): number {
  // Gone or lapsed: the client resets its member id and joins as a new member.
  if (error instanceof UnknownMemberError || error instanceof GroupNotFoundError) return KAFKA_ERRORS.UNKNOWN_MEMBER_ID;
  // A standalone commit while the group has live members: Kafka's answer to a commit without a membership in a non-empty group.
  if (error instanceof GroupActiveError) return KAFKA_ERRORS.UNKNOWN_MEMBER_ID;
  // The generation moved on (a rebalance), or the member's view of its partitions is not the current one's: rejoin.
  if (error instanceof IllegalGenerationError || error instanceof NotAssignedError) return KAFKA_ERRORS.ILLEGAL_GENERATION;
  // A push group: Kafka members cannot join it (the closest code clients report rather than retry).
  if (error instanceof GroupHasSubscriptionError) return KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL;
  return kafkaErrorOf(error).errorCode;
}

/**
 * Assignment is the server's and eager (docs/design.md, "Kafka gateway"): a protocol whose
 * client expects incremental (cooperative) semantics is the last choice.
 */
const COOPERATIVE = new Set(['cooperative-sticky']);

/**
 * The protocol the group answers: the first, in the order of the leader's preference,
 * that every Kafka member offered, eager ones before cooperative ones. With no common one
 * (members of differently configured clients) the leader's most preferred eager one:
 * Sluice assigns anyway, and the assignment bytes are the same for every assignor.
 */
export function chooseProtocol(members: readonly GroupMember[]): string | null {
  const kafka = members.filter((m) => (m.protocols?.length ?? 0) > 0);
  const leader = leaderOf(kafka);
  if (!leader) return null;
  const order = (names: string[]) => [...names.filter((n) => !COOPERATIVE.has(n)), ...names.filter((n) => COOPERATIVE.has(n))];
  const preference = order(leader.protocols!.map((p) => p.name));
  const common = preference.find((name) => kafka.every((m) => m.protocols!.some((p) => p.name === name)));
  return common ?? preference[0]!;
}

/** The same protocol as the member's own choice: the chosen one if it offered it, else its own most preferred eager one. */
export function protocolFor(member: GroupMember, chosen: string | null): { name: string; metadata: Uint8Array } | undefined {
  const protocols = member.protocols ?? [];
  return protocols.find((p) => p.name === chosen) ?? protocols.find((p) => !COOPERATIVE.has(p.name)) ?? protocols[0];
}

/** The leader: the lowest member id among the Kafka members, which every gateway computes alike. */
export function leaderOf(members: readonly GroupMember[]): GroupMember | undefined {
  return [...members].filter((m) => (m.protocols?.length ?? 0) > 0).sort((a, b) => (a.memberId < b.memberId ? -1 : 1))[0];
}

/** Sluice's assignor for a new group, from its first member's preferences: range and round robin as asked, anything else sticky. */
export function assignorFor(protocolNames: readonly string[]): AssignorName {
  for (const name of protocolNames) {
    if (name === 'range') return 'range';
    if (name === 'roundrobin' || name === 'RoundRobinAssigner') return 'roundrobin';
  }
  return 'sticky';
}

/** Sluice's group states as Kafka names them (DescribeGroups, ListGroups). */
export function kafkaGroupState(state: 'Empty' | 'Stable' | 'Rebalancing'): string {
  return state === 'Rebalancing' ? 'PreparingRebalance' : state;
}

/** A member id prefix from a Kafka client id: what Sluice's ids allow, bounded (client ids are free text). */
export function memberIdPrefix(clientId: string | null): string {
  const cleaned = (clientId ?? '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  return cleaned === '' ? 'kafka' : cleaned;
}
