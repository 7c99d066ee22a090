import { arrayOf, field, schemaApi } from './schema';

/**
 * OffsetFetch (key 9), v1-v8 (OffsetFetchRequest.json, OffsetFetchResponse.json; flexible
 * from v6). v0 read offsets from ZooKeeper and is not spoken. v1-v7 ask one group (null
 * Topics, from v2, is every committed partition); v8 a batch of groups, each answered
 * with its own error code. RequireStable from v7 (Sluice has no transactions: every
 * offset is stable). The response's top-level ErrorCode is v2-v7, ThrottleTimeMs v3+,
 * CommittedLeaderEpoch v5+. v9 adds KIP-848's member epoch, which Sluice does not speak.
 */
export interface OffsetFetchRequestTopic {
  name: string;
  partitionIndexes: number[];
}

export interface OffsetFetchRequest {
  groupId: string;
  topics: OffsetFetchRequestTopic[] | null;
  groups: { groupId: string; topics: OffsetFetchRequestTopic[] | null }[];
  requireStable: boolean;
}

export interface OffsetFetchPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchTopic {
  name: string;
  partitions: OffsetFetchPartition[];
}

export interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: OffsetFetchTopic[];
  errorCode: number;
  groups: { groupId: string; topics: OffsetFetchTopic[]; errorCode: number }[];
}

const requestTopic = [field('name', 'string'), field('partitionIndexes', arrayOf('int32'))];
// The same partition fields in v1-v7's Topics and v8's Groups' Topics; the leader epoch from v5.
const responsePartitions = arrayOf([
    field('partitionIndex', 'int32'),
    field('committedOffset', 'int64'),
    field('committedLeaderEpoch', 'int32', [5], { default: -1 }),
    field('metadata', 'string', [0], { nullable: [0] }),
    field('errorCode', 'int16'),
  ]);

export const OFFSET_FETCH = schemaApi<OffsetFetchRequest, OffsetFetchResponse>({
  key: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 8,
  flexibleFrom: 6,
  request: [
    field('groupId', 'string', [0, 7]),
    field('topics', arrayOf(requestTopic), [0, 7], { nullable: [2, 7] }),
    field('groups', arrayOf([field('groupId', 'string'), field('topics', arrayOf(requestTopic), [8], { nullable: [8] })]), [8]),
    field('requireStable', 'bool', [7]),
  ],
  response: [
    field('throttleTimeMs', 'int32', [3]),
    field('topics', arrayOf([field('name', 'string'), field('partitions', responsePartitions)]), [0, 7]),
    field('errorCode', 'int16', [2, 7]),
    field('groups', arrayOf([field('groupId', 'string'), field('topics', arrayOf([field('name', 'string'), field('partitions', responsePartitions)])), field('errorCode', 'int16')]), [8]),
  ],
});
