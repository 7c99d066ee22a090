import { arrayOf, field, schemaApi } from './schema';

/**
 * JoinGroup (key 11), v0-v9 (JoinGroupRequest.json, JoinGroupResponse.json; flexible from
 * v6). RebalanceTimeoutMs from v1, GroupInstanceId (static membership) from v5, Reason
 * from v8; the response's ThrottleTimeMs from v2, ProtocolType from v7 (ProtocolName
 * nullable from v7), SkipAssignment from v9, each member's GroupInstanceId from v5.
 */
export interface JoinGroupProtocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: JoinGroupProtocol[];
  reason: string | null;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

export interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: JoinGroupMember[];
}

export const JOIN_GROUP = schemaApi<JoinGroupRequest, JoinGroupResponse>({
  key: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 9,
  flexibleFrom: 6,
  request: [
    field('groupId', 'string'),
    field('sessionTimeoutMs', 'int32'),
    field('rebalanceTimeoutMs', 'int32', [1], { default: -1 }),
    field('memberId', 'string'),
    field('groupInstanceId', 'string', [5], { nullable: [5] }),
    field('protocolType', 'string'),
    field('protocols', arrayOf([field('name', 'string'), field('metadata', 'bytes')])),
    field('reason', 'string', [8], { nullable: [8] }),
  ],
  response: [
    field('throttleTimeMs', 'int32', [2]),
    field('errorCode', 'int16'),
    field('generationId', 'int32', [0], { default: -1 }),
    field('protocolType', 'string', [7], { nullable: [7] }),
    field('protocolName', 'string', [0], { nullable: [7] }),
    field('leader', 'string'),
    field('skipAssignment', 'bool', [9]),
    field('memberId', 'string'),
    field('members', arrayOf([field('memberId', 'string'), field('groupInstanceId', 'string', [5], { nullable: [5] }), field('metadata', 'bytes')])),
  ],
});
