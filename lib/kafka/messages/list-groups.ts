import { arrayOf, field, schemaApi } from './schema';

/**
 * ListGroups (key 16), v0-v5 (ListGroupsRequest.json, ListGroupsResponse.json; flexible
 * from v3). StatesFilter from v4, TypesFilter from v5 (empty: every group); the
 * response's ThrottleTimeMs from v1, GroupState from v4, GroupType from v5.
 */
export interface ListGroupsRequest {
  statesFilter: string[];
  typesFilter: string[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

export interface ListGroupsResponse {
  throttleTimeMs: number;
  errorCode: number;
  groups: ListedGroup[];
}

export const LIST_GROUPS = schemaApi<ListGroupsRequest, ListGroupsResponse>({
  key: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,
  request: [field('statesFilter', arrayOf('string'), [4]), field('typesFilter', arrayOf('string'), [5])],
  response: [
    field('throttleTimeMs', 'int32', [1]),
    field('errorCode', 'int16'),
    field('groups', arrayOf([field('groupId', 'string'), field('protocolType', 'string'), field('groupState', 'string', [4]), field('groupType', 'string', [5])])),
  ],
});
