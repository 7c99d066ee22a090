import { arrayOf, field, schemaApi } from './schema';

/**
 * LeaveGroup (key 13), v0-v5 (LeaveGroupRequest.json, LeaveGroupResponse.json; flexible
 * from v4). v0-v2 name one MemberId; v3+ a batch of Members (MemberId, GroupInstanceId,
 * and from v5 a Reason), answered per member. ThrottleTimeMs from v1.
 */
export interface LeaveGroupMemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  members: LeaveGroupMemberIdentity[];
}

export interface LeaveGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export const LEAVE_GROUP = schemaApi<LeaveGroupRequest, LeaveGroupResponse>({
  key: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  request: [
    field('groupId', 'string'),
    field('memberId', 'string', [0, 2]),
    field('members', arrayOf([field('memberId', 'string'), field('groupInstanceId', 'string', [3], { nullable: [3] }), field('reason', 'string', [5], { nullable: [5] })]), [3]),
  ],
  response: [
    field('throttleTimeMs', 'int32', [1]),
    field('errorCode', 'int16'),
    field('members', arrayOf([field('memberId', 'string'), field('groupInstanceId', 'string', [3], { nullable: [3] }), field('errorCode', 'int16')]), [3]),
  ],
});
