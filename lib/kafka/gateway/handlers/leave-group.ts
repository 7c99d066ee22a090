import { leaveGroup } from '../../../groups/membership';
import { KAFKA_ERRORS } from '../../error-codes';
import type { LeaveGroupRequest, LeaveGroupResponse } from '../../messages/leave-group';
import { requireCaller, type RequestContext } from '../session';
import { checkGroup, groupErrorCode, isPossibleMemberId } from './group-protocol';

/**
 * LeaveGroup is Sluice's leave: the member item is deleted, and its REMOVE makes the
 * coordinator move its partitions at once (no session timeout to wait out). v0-v2 name
 * one member (its error is the answer's); v3+ a batch, each answered on its own.
 */
export async function handleLeaveGroup(request: LeaveGroupRequest, { session, header }: RequestContext): Promise<LeaveGroupResponse> {
  const caller = requireCaller(session);
  const { ctx } = session;
  const batch = header.apiVersion >= 3;
  const members = batch ? request.members : [{ memberId: request.memberId, groupInstanceId: null, reason: null }];
  const groupCheck = await checkGroup(ctx, caller, request.groupId, 'READ');
  if (groupCheck !== KAFKA_ERRORS.NONE) return { throttleTimeMs: 0, errorCode: groupCheck, members: [] };
  const answers = await Promise.all(
    members.map(async ({ memberId, groupInstanceId }) => {
      if (!isPossibleMemberId(memberId)) return { memberId, groupInstanceId, errorCode: KAFKA_ERRORS.UNKNOWN_MEMBER_ID };
      try {
        await leaveGroup(ctx, request.groupId, memberId);
        return { memberId, groupInstanceId, errorCode: KAFKA_ERRORS.NONE };
      } catch (error) {
        const errorCode = groupErrorCode(error);
        if (errorCode === KAFKA_ERRORS.UNKNOWN_SERVER_ERROR) session.log(`kafka leave group '${request.groupId}' failed: ${(error as Error)?.stack ?? String(error)}`);
        return { memberId, groupInstanceId, errorCode };
      }
    }),
  );
  return { throttleTimeMs: 0, errorCode: batch ? KAFKA_ERRORS.NONE : answers[0]!.errorCode, members: batch ? answers : [] };
}
