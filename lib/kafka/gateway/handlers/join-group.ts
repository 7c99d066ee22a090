import * as z from 'zod/mini';
import { requireAccess } from '../../../auth/access-control';
import { AccessDeniedError } from '../../../auth/auth-errors';
import { TopicNotFoundError } from '../../../core/errors';
import { joinGroup, leaveGroup, readGroupState, rejoinGroup, renewLease } from '../../../groups/membership';
import { topicNameSchema } from '../../../protocol/identifiers';
import { LIMITS } from '../../../protocol/limits';
import type { MemberProtocol } from '../../../store/group-items';
import { cachedTopic } from '../../../topics/topic-repository';
import { KAFKA_ERRORS } from '../../error-codes';
import { decodeSubscription } from '../../messages/consumer-protocol';
import type { JoinGroupRequest, JoinGroupResponse } from '../../messages/join-group';
import { KafkaDecodeError } from '../../wire/decode-error';
import { requireCaller, type RequestContext } from '../session';
import { assignorFor, checkGroup, chooseProtocol, CONSUMER_PROTOCOL_TYPE, groupErrorCode, isPossibleMemberId, leaderOf, memberIdPrefix, protocolFor } from './group-protocol';

/** How often a waiting JoinGroup reads the group again (as Sluice's own client polls while a rebalance settles). */
export const JOIN_POLL_MS = 150;
/** The longest a JoinGroup waits for the coordinator, whatever rebalance timeout the client gives. */
export const JOIN_WAIT_MAX_MS = 120_000;
/**
 * The most protocol bytes (names and subscriptions) a member may bring: they are kept in
 * its member item, which DynamoDB bounds at 400 KB. A subscription names its topics (249
 * characters at most each), so this also bounds how many a member subscribes to.
 */
export const PROTOCOLS_MAX_BYTES = 64 * 1024;

/**
 * JoinGroup on Sluice's groups: the member joins (a new member item, its lease the
 * session timeout) or, under a known member id, joins again (its lease renewed, nothing
 * else changes). Sluice's coordinator, not a leader, computes the assignment: the
 * handler waits, reading the group every JOIN_POLL_MS and at most the rebalance timeout,
 * until the stored generation covers exactly the live members, then answers that
 * generation, the protocol chosen for the group, the leader (the lowest Kafka member id)
 * and, to the leader only, the members with their subscriptions (the leader's client
 * insists on running its assignor; SyncGroup ignores what it sends).
 *
 * Member ids are assigned at once, also from v4 on (no MEMBER_ID_REQUIRED round trip):
 * kafkajs and librdkafka both take the member id of any successful answer. A join whose
 * answer the client never reads leaves a member that lapses after its session timeout.
 */
export async function handleJoinGroup(request: JoinGroupRequest, { session, header }: RequestContext): Promise<JoinGroupResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const group = request.groupId;
  const refuse = (errorCode: number, memberId = request.memberId): JoinGroupResponse => ({
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  });

  const groupCheck = await checkGroup(ctx, caller, group, 'READ');
  if (groupCheck !== KAFKA_ERRORS.NONE) return refuse(groupCheck);
  if (request.protocolType !== CONSUMER_PROTOCOL_TYPE || request.protocols.length === 0) return refuse(KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
  if (request.protocols.reduce((sum, p) => sum + Buffer.byteLength(p.name) + p.metadata.byteLength, 0) > PROTOCOLS_MAX_BYTES) return refuse(KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
  if (request.memberId !== '' && !isPossibleMemberId(request.memberId)) return refuse(KAFKA_ERRORS.UNKNOWN_MEMBER_ID, '');
  if (request.sessionTimeoutMs < LIMITS.sessionTimeoutMsMin || request.sessionTimeoutMs > LIMITS.sessionTimeoutMsMax) return refuse(KAFKA_ERRORS.INVALID_SESSION_TIMEOUT);

  // The subscribed topics: every protocol's subscription names them (the same ones, from one client).
  const subscribed = new Set<string>();
  try {
    for (const protocol of request.protocols) for (const topic of decodeSubscription(protocol.metadata).topics) subscribed.add(topic);
  } catch (error) {
    if (error instanceof KafkaDecodeError) return refuse(KAFKA_ERRORS.INCONSISTENT_GROUP_PROTOCOL);
    throw error;
  }
  const names = [...subscribed].filter((name) => z.safeParse(topicNameSchema, name).success).sort();
  try {
    // READ on every subscribed topic, as the HTTP join requires it.
    await requireAccess(ctx, caller, ...names.map((name) => ({ resourceType: 'TOPIC' as const, resourceName: name, operation: 'READ' as const })));
  } catch (error) {
    if (error instanceof AccessDeniedError) return refuse(KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED);
    throw error;
  }
  // A topic that does not exist (yet) has no partitions to assign: a Kafka consumer may subscribe to it anyway.
  const topics = (await Promise.all(names.map(async (name) => ((await exists(session.ctx, name)) ? name : undefined)))).filter((t): t is string => t !== undefined);
  const protocols: MemberProtocol[] = request.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));

  let memberId = request.memberId;
  try {
    if (memberId !== '') {
      const member = await rejoinGroup(ctx, group, memberId, { sessionTimeoutMs: request.sessionTimeoutMs, protocols });
      // A new subscription is a new member: the coordinator only rebalances on joins and leaves.
      if (!sameList(member.topics, topics)) {
        await leaveGroup(ctx, group, memberId).catch(() => undefined);
        memberId = '';
      }
    }
    if (memberId === '') {
      const view = await joinGroup(ctx, group, {
        topics,
        sessionTimeoutMs: request.sessionTimeoutMs,
        assignor: assignorFor(protocols.map((p) => p.name)),
        // Kafka clients reset positions themselves (auto.offset.reset) from OffsetFetch's -1; this is what HTTP consumers of the group read.
        resetPolicy: 'latest',
        clientId: memberIdPrefix(header.clientId),
        clientHost: session.remoteAddress,
        protocols,
      });
      memberId = view.memberId;
    }
  } catch (error) {
    const errorCode = groupErrorCode(error);
    if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka join group '${group}' failed: ${(error as Error)?.stack ?? String(error)}`);
    // An unknown member id is answered with the empty id: the client forgets its own and joins as new.
    return refuse(errorCode, errorCode === KAFKA_ERRORS.UNKNOWN_MEMBER_ID ? '' : request.memberId);
  }

  // Wait for the coordinator's generation that covers exactly the live members, this one included.
  const waitMs = Math.min(request.rebalanceTimeoutMs > 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs, JOIN_WAIT_MAX_MS);
  const started = ctx.now();
  let renewed = started;
  for (;;) {
    const state = await readGroupState(ctx, group);
    if (!state.live.some((m) => m.memberId === memberId)) return refuse(KAFKA_ERRORS.UNKNOWN_MEMBER_ID, '');
    if (state.settled && state.meta!.members.includes(memberId)) {
      const protocolName = chooseProtocol(state.live);
      const leader = leaderOf(state.live)!;
      return {
        throttleTimeMs: 0,
        errorCode: KAFKA_ERRORS.NONE,
        generationId: state.meta!.generation,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName,
        leader: leader.memberId,
        skipAssignment: false,
        memberId,
        members:
          leader.memberId === memberId
            ? state.live
                .filter((m) => (m.protocols?.length ?? 0) > 0)
                .map((m) => ({ memberId: m.memberId, groupInstanceId: null, metadata: protocolFor(m, protocolName)!.metadata }))
            : [],
      };
    }
    const now = ctx.now();
    // The client rejoins with its id and is answered at once if the group settled by then.
    if (now - started >= waitMs) return refuse(KAFKA_ERRORS.REBALANCE_IN_PROGRESS, memberId);
    // A long wait must not cost the member its lease (no heartbeats come while the client waits here).
    if (now - renewed >= request.sessionTimeoutMs / 3) {
      if (!(await renewLease(ctx, group, memberId))) return refuse(KAFKA_ERRORS.UNKNOWN_MEMBER_ID, '');
      renewed = now;
    }
    await ctx.sleep(Math.min(JOIN_POLL_MS, waitMs - (now - started)));
  }
}

async function exists(ctx: RequestContext['session']['ctx'], name: string): Promise<boolean> {
  try {
    await cachedTopic(ctx, name);
    return true;
  } catch (error) {
    if (error instanceof TopicNotFoundError) return false;
    throw error;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
