import { arrayOf, field, schemaApi } from './schema';

/**
 * FindCoordinator (key 10), v0-v4 (FindCoordinatorRequest.json, FindCoordinatorResponse.json;
 * flexible from v3). v4 asks for several keys at once (CoordinatorKeys) and answers one
 * Coordinator each; v0-v3 one Key. KeyType: 0 a group, 1 a transactional id. v5 only
 * adds an error code and v6 share groups, neither of which Sluice needs.
 */
export interface FindCoordinatorRequest {
  key: string;
  keyType: number;
  coordinatorKeys: string[];
}

export interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

export interface FindCoordinatorResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
  coordinators: Coordinator[];
}

export const COORDINATOR_KEY_GROUP = 0;
export const COORDINATOR_KEY_TRANSACTION = 1;

export const FIND_COORDINATOR = schemaApi<FindCoordinatorRequest, FindCoordinatorResponse>({
  key: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,
  request: [field('key', 'string', [0, 3]), field('keyType', 'int8', [1]), field('coordinatorKeys', arrayOf('string'), [4])],
  response: [
    field('throttleTimeMs', 'int32', [1]),
    field('errorCode', 'int16', [0, 3]),
    field('errorMessage', 'string', [1, 3], { nullable: [1, 3] }),
    field('nodeId', 'int32', [0, 3]),
    field('host', 'string', [0, 3]),
    field('port', 'int32', [0, 3]),
    field(
      'coordinators',
      arrayOf([
        field('key', 'string'),
        field('nodeId', 'int32'),
        field('host', 'string'),
        field('port', 'int32'),
        field('errorCode', 'int16'),
        field('errorMessage', 'string', [0], { nullable: [0] }),
      ]),
      [4],
    ),
  ],
});
