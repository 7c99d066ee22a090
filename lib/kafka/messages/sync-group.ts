import { arrayOf, field, schemaApi } from './schema';

/**
 * SyncGroup (key 14), v0-v5 (SyncGroupRequest.json, SyncGroupResponse.json; flexible from
 * v4). GroupInstanceId from v3; ProtocolType and ProtocolName (nullable) from v5 in both;
 * the response's ThrottleTimeMs from v1.
 */
export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface SyncGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export const SYNC_GROUP = schemaApi<SyncGroupRequest, SyncGroupResponse>({
  key: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 4,
  request: [
    field('groupId', 'string'),
    field('generationId', 'int32'),
    field('memberId', 'string'),
    field('groupInstanceId', 'string', [3], { nullable: [3] }),
    field('protocolType', 'string', [5], { nullable: [5] }),
    field('protocolName', 'string', [5], { nullable: [5] }),
    field('assignments', arrayOf([field('memberId', 'string'), field('assignment', 'bytes')])),
  ],
  response: [
    field('throttleTimeMs', 'int32', [1]),
    field('errorCode', 'int16'),
    field('protocolType', 'string', [5], { nullable: [5] }),
    field('protocolName', 'string', [5], { nullable: [5] }),
    field('assignment', 'bytes'),
  ],
});
