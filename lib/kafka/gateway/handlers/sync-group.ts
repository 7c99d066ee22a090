import { readGroupState, renewLease } from '../../../groups/membership';
import { KAFKA_ERRORS } from '../../error-codes';
import { encodeAssignment } from '../../messages/consumer-protocol';
import type { SyncGroupRequest, SyncGroupResponse } from '../../messages/sync-group';
import { requireCaller, type RequestContext } from '../session';
import { checkGroup, CONSUMER_PROTOCOL_TYPE, isPossibleMemberId } from './group-protocol';

/**
 * SyncGroup answers the member's assignment in Sluice's current generation, as a
 * ConsumerProtocol Assignment (version 0: topic, partitions), whatever the leader sent:
 * the assignment is the server's, as in KIP-848's consumer protocol, computed by Sluice's
 * coordinator for every member, HTTP and Kafka alike. The member's lease is renewed
 * (a sync is a sign of life). A member that is gone or lapsed is UNKNOWN_MEMBER_ID; one
 * outside the current generation, or the group not settled on its live members, or a
 * generation the group has moved past, is REBALANCE_IN_PROGRESS (the client joins
 * again); a generation the group never had is ILLEGAL_GENERATION.
 */
export async function handleSyncGroup(request: SyncGroupRequest, { session }: RequestContext): Promise<SyncGroupResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const answer = (errorCode: number, assignment: Uint8Array = Buffer.alloc(0)): SyncGroupResponse => ({
    throttleTimeMs: 0,
    errorCode,
    protocolType: errorCode === KAFKA_ERRORS.NONE ? (request.protocolType ?? CONSUMER_PROTOCOL_TYPE) : null,
    protocolName: errorCode === KAFKA_ERRORS.NONE ? request.protocolName : null,
    assignment,
  });
  const groupCheck = await checkGroup(ctx, caller, request.groupId, 'READ');
  if (groupCheck !== KAFKA_ERRORS.NONE) return answer(groupCheck);
  if (!isPossibleMemberId(request.memberId) || !(await renewLease(ctx, request.groupId, request.memberId))) return answer(KAFKA_ERRORS.UNKNOWN_MEMBER_ID);
  const { meta, settled } = await readGroupState(ctx, request.groupId);
  if (!meta) return answer(KAFKA_ERRORS.UNKNOWN_MEMBER_ID);
  if (request.generationId > meta.generation) return answer(KAFKA_ERRORS.ILLEGAL_GENERATION);
  if (request.generationId < meta.generation || !settled || !meta.members.includes(request.memberId)) return answer(KAFKA_ERRORS.REBALANCE_IN_PROGRESS);
  return answer(KAFKA_ERRORS.NONE, encodeAssignment(meta.assignment[request.memberId] ?? []));
}
