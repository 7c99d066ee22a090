import { field, schemaApi } from './schema';

/**
 * Heartbeat (key 12), v0-v4 (HeartbeatRequest.json, HeartbeatResponse.json; flexible from
 * v4). GroupInstanceId from v3; the response's ThrottleTimeMs from v1.
 */
export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
}

export const HEARTBEAT = schemaApi<HeartbeatRequest, HeartbeatResponse>({
  key: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 4,
  request: [field('groupId', 'string'), field('generationId', 'int32'), field('memberId', 'string'), field('groupInstanceId', 'string', [3], { nullable: [3] })],
  response: [field('throttleTimeMs', 'int32', [1]), field('errorCode', 'int16')],
});
