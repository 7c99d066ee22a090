import { arrayOf, field, schemaApi } from './schema';

/**
 * DescribeGroups (key 15), v0-v5 (DescribeGroupsRequest.json, DescribeGroupsResponse.json;
 * flexible from v5). IncludeAuthorizedOperations and AuthorizedOperations from v3, each
 * member's GroupInstanceId from v4, ThrottleTimeMs from v1.
 */
export interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Uint8Array;
  memberAssignment: Uint8Array;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
  authorizedOperations: number;
}

export interface DescribeGroupsResponse {
  throttleTimeMs: number;
  groups: DescribedGroup[];
}

/** Kafka's "not computed" for AuthorizedOperations (INT32_MIN), as Metadata answers it. */
export const GROUP_AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export const DESCRIBE_GROUPS = schemaApi<DescribeGroupsRequest, DescribeGroupsResponse>({
  key: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 5,
  request: [field('groups', arrayOf('string')), field('includeAuthorizedOperations', 'bool', [3])],
  response: [
    field('throttleTimeMs', 'int32', [1]),
    field(
      'groups',
      arrayOf([
        field('errorCode', 'int16'),
        field('groupId', 'string'),
        field('groupState', 'string'),
        field('protocolType', 'string'),
        field('protocolData', 'string'),
        field(
          'members',
          arrayOf([
            field('memberId', 'string'),
            field('groupInstanceId', 'string', [4], { nullable: [4] }),
            field('clientId', 'string'),
            field('clientHost', 'string'),
            field('memberMetadata', 'bytes'),
            field('memberAssignment', 'bytes'),
          ]),
        ),
        field('authorizedOperations', 'int32', [3], { default: GROUP_AUTHORIZED_OPERATIONS_OMITTED }),
      ]),
    ),
  ],
});
