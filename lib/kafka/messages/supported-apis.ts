import type { AnyKafkaApi } from './api';
import { API_VERSIONS, type ApiVersionRange } from './api-versions';
import { CREATE_TOPICS } from './create-topics';
import { DELETE_TOPICS } from './delete-topics';
import { DELETE_RECORDS } from './delete-records';
import { DESCRIBE_CONFIGS } from './describe-configs';
import { ALTER_CONFIGS } from './alter-configs';
import { CREATE_PARTITIONS } from './create-partitions';
import { INCREMENTAL_ALTER_CONFIGS } from './incremental-alter-configs';
import { FETCH } from './fetch';
import { INIT_PRODUCER_ID } from './init-producer-id';
import { LIST_OFFSETS } from './list-offsets';
import { METADATA } from './metadata';
import { PRODUCE } from './produce';
import { FIND_COORDINATOR } from './find-coordinator';
import { JOIN_GROUP } from './join-group';
import { SYNC_GROUP } from './sync-group';
import { HEARTBEAT } from './heartbeat';
import { LEAVE_GROUP } from './leave-group';
import { OFFSET_COMMIT } from './offset-commit';
import { OFFSET_FETCH } from './offset-fetch';
import { LIST_GROUPS } from './list-groups';
import { DESCRIBE_GROUPS } from './describe-groups';
import { SASL_AUTHENTICATE } from './sasl-authenticate';
import { SASL_HANDSHAKE } from './sasl-handshake';

/**
 * The APIs the gateway speaks, with their version ranges: the one table ApiVersions
 * answers from and the request decoder dispatches on. A new API is a message module
 * beside this one, a line here and a handler in lib/kafka/gateway/handlers/.
 *
 * | key | API         | versions | flexible from |
 * | --- | ----------- | -------- | ------------- |
 * |  0  | Produce     | 3-9      | 9             |
 * |  1  | Fetch       | 4-17     | 12            |
 * |  2  | ListOffsets | 1-6      | 6             |
 * |  3  | Metadata    | 0-12     | 9             |
 * |  8  | OffsetCommit | 0-8     | 8             |
 * |  9  | OffsetFetch | 1-8      | 6             |
 * | 10  | FindCoordinator | 0-4  | 3             |
 * | 11  | JoinGroup   | 0-9      | 6             |
 * | 12  | Heartbeat   | 0-4      | 4             |
 * | 13  | LeaveGroup  | 0-5      | 4             |
 * | 14  | SyncGroup   | 0-5      | 4             |
 * | 15  | DescribeGroups | 0-5   | 5             |
 * | 16  | ListGroups  | 0-5      | 3             |
 * | 17  | SaslHandshake  | 0-1   | none          |
 * | 18  | ApiVersions | 0-3      | 3             |
 * | 19  | CreateTopics   | 0-7   | 5             |
 * | 20  | DeleteTopics   | 0-6   | 4             |
 * | 21  | DeleteRecords  | 0-2   | 2             |
 * | 22  | InitProducerId | 0-4   | 2             |
 * | 32  | DescribeConfigs | 0-4  | 4             |
 * | 33  | AlterConfigs   | 0-2   | 2             |
 * | 36  | SaslAuthenticate | 0-2 | 2             |
 * | 37  | CreatePartitions | 0-3 | 2             |
 * | 44  | IncrementalAlterConfigs | 0-1 | 1      |
 */
export const SUPPORTED_APIS: readonly AnyKafkaApi[] = [
  PRODUCE,
  FETCH,
  LIST_OFFSETS,
  METADATA,
  OFFSET_COMMIT,
  OFFSET_FETCH,
  FIND_COORDINATOR,
  JOIN_GROUP,
  HEARTBEAT,
  LEAVE_GROUP,
  SYNC_GROUP,
  DESCRIBE_GROUPS,
  LIST_GROUPS,
  SASL_HANDSHAKE,
  API_VERSIONS,
  CREATE_TOPICS,
  DELETE_TOPICS,
  DELETE_RECORDS,
  INIT_PRODUCER_ID,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
  SASL_AUTHENTICATE,
  CREATE_PARTITIONS,
  INCREMENTAL_ALTER_CONFIGS,
];

const BY_KEY = new Map<number, AnyKafkaApi>(SUPPORTED_APIS.map((api) => [api.key, api]));

export function apiByKey(key: number): AnyKafkaApi | undefined {
  return BY_KEY.get(key);
}

/** What ApiVersions answers: every supported API's range, by key. */
export function supportedVersionRanges(): ApiVersionRange[] {
  return [...SUPPORTED_APIS].sort((a, b) => a.key - b.key).map((api) => ({ apiKey: api.key, minVersion: api.minVersion, maxVersion: api.maxVersion }));
}
