import { heartbeat } from '../../../groups/membership';
import { KAFKA_ERRORS } from '../../error-codes';
import type { HeartbeatRequest, HeartbeatResponse } from '../../messages/heartbeat';
import { requireCaller, type RequestContext } from '../session';
import { checkGroup, groupErrorCode, isPossibleMemberId } from './group-protocol';

/**
 * Heartbeat is Sluice's heartbeat (the lease renewed, lapsed members swept about once per
 * interval per group). A rebalance in progress, or a generation other than the member's,
 * is REBALANCE_IN_PROGRESS: the client joins again and is answered the new generation. A
 * member that is gone or lapsed is UNKNOWN_MEMBER_ID.
 */
export async function handleHeartbeat(request: HeartbeatRequest, { session }: RequestContext): Promise<HeartbeatResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const groupCheck = await checkGroup(ctx, caller, request.groupId, 'READ');
  if (groupCheck !== KAFKA_ERRORS.NONE) return { throttleTimeMs: 0, errorCode: groupCheck };
  if (!isPossibleMemberId(request.memberId)) return { throttleTimeMs: 0, errorCode: KAFKA_ERRORS.UNKNOWN_MEMBER_ID };
  try {
    const view = await heartbeat(ctx, request.groupId, request.memberId);
    const errorCode = view.rebalanceInProgress || view.generation !== request.generationId ? KAFKA_ERRORS.REBALANCE_IN_PROGRESS : KAFKA_ERRORS.NONE;
    return { throttleTimeMs: 0, errorCode };
  } catch (error) {
    const errorCode = groupErrorCode(error);
    if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka heartbeat of '${request.groupId}' failed: ${(error as Error)?.stack ?? String(error)}`);
    return { throttleTimeMs: 0, errorCode };
  }
}
