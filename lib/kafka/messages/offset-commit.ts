import { arrayOf, field, schemaApi } from './schema';

/**
 * OffsetCommit (key 8), v0-v8 (OffsetCommitRequest.json, OffsetCommitResponse.json;
 * flexible from v8). GenerationId and MemberId from v1 (v0 commits as no member),
 * CommitTimestamp in v1 only, RetentionTimeMs in v2-v4, GroupInstanceId from v7, each
 * partition's CommittedLeaderEpoch from v6; the response's ThrottleTimeMs from v3. v9
 * only changes what the generation means under KIP-848's protocol, which Sluice does not speak.
 */
export interface OffsetCommitRequestPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  commitTimestamp: number;
  committedMetadata: string | null;
}

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  retentionTimeMs: number;
  topics: { name: string; partitions: OffsetCommitRequestPartition[] }[];
}

export interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export const OFFSET_COMMIT = schemaApi<OffsetCommitRequest, OffsetCommitResponse>({
  key: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 8,
  flexibleFrom: 8,
  request: [
    field('groupId', 'string'),
    field('generationId', 'int32', [1], { default: -1 }),
    field('memberId', 'string', [1]),
    field('groupInstanceId', 'string', [7], { nullable: [7] }),
    field('retentionTimeMs', 'int64', [2, 4], { default: -1 }),
    field(
      'topics',
      arrayOf([
        field('name', 'string'),
        field(
          'partitions',
          arrayOf([
            field('partitionIndex', 'int32'),
            field('committedOffset', 'int64'),
            field('committedLeaderEpoch', 'int32', [6], { default: -1 }),
            field('commitTimestamp', 'int64', [1, 1], { default: -1 }),
            field('committedMetadata', 'string', [0], { nullable: [0] }),
          ]),
        ),
      ]),
    ),
  ],
  response: [
    field('throttleTimeMs', 'int32', [3]),
    field('topics', arrayOf([field('name', 'string'), field('partitions', arrayOf([field('partitionIndex', 'int32'), field('errorCode', 'int16')]))])),
  ],
});
