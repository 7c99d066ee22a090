import type { KafkaApi } from '../../messages/api';
import { API_VERSIONS } from '../../messages/api-versions';
import { METADATA } from '../../messages/metadata';
import type { NO_RESPONSE, RequestContext } from '../session';
import { FETCH } from '../../messages/fetch';
import { LIST_OFFSETS } from '../../messages/list-offsets';
import { PRODUCE } from '../../messages/produce';
import { handleFetch } from './fetch';
import { INIT_PRODUCER_ID } from '../../messages/init-producer-id';
import { handleInitProducerId } from './init-producer-id';
import { handleListOffsets } from './list-offsets';
import { handleProduce } from './produce';
import { handleApiVersions } from './api-versions';
import { handleMetadata } from './metadata';
import { SASL_AUTHENTICATE } from '../../messages/sasl-authenticate';
import { SASL_HANDSHAKE } from '../../messages/sasl-handshake';
import { handleSaslAuthenticate, handleSaslHandshake } from './sasl';
import { CREATE_TOPICS } from '../../messages/create-topics';
import { DELETE_TOPICS } from '../../messages/delete-topics';
import { DELETE_RECORDS } from '../../messages/delete-records';
import { DESCRIBE_CONFIGS } from '../../messages/describe-configs';
import { handleCreateTopics } from './create-topics';
import { handleDeleteTopics } from './delete-topics';
import { handleDeleteRecords } from './delete-records';
import { handleDescribeConfigs } from './describe-configs';
import { CREATE_PARTITIONS } from '../../messages/create-partitions';
import { ALTER_CONFIGS } from '../../messages/alter-configs';
import { INCREMENTAL_ALTER_CONFIGS } from '../../messages/incremental-alter-configs';
import { handleCreatePartitions } from './create-partitions';
import { handleAlterConfigs, handleIncrementalAlterConfigs } from './alter-configs';
import { FIND_COORDINATOR } from '../../messages/find-coordinator';
import { JOIN_GROUP } from '../../messages/join-group';
import { SYNC_GROUP } from '../../messages/sync-group';
import { HEARTBEAT } from '../../messages/heartbeat';
import { LEAVE_GROUP } from '../../messages/leave-group';
import { OFFSET_COMMIT } from '../../messages/offset-commit';
import { OFFSET_FETCH } from '../../messages/offset-fetch';
import { LIST_GROUPS } from '../../messages/list-groups';
import { DESCRIBE_GROUPS } from '../../messages/describe-groups';
import { handleFindCoordinator } from './find-coordinator';
import { handleJoinGroup } from './join-group';
import { handleSyncGroup } from './sync-group';
import { handleHeartbeat } from './heartbeat';
import { handleLeaveGroup } from './leave-group';
import { handleOffsetCommit } from './offset-commit';
import { handleOffsetFetch } from './offset-fetch';
import { handleListGroups } from './list-groups';
import { handleDescribeGroups } from './describe-groups';

/** An API's codec and the handler that answers it. */
export interface Route<Request, Response> {
  readonly api: KafkaApi<Request, Response>;
  /** NO_RESPONSE: the protocol has the request go unanswered (Produce with acks=0). */
  readonly handle: (request: Request, context: RequestContext) => Promise<Response | typeof NO_RESPONSE>;
}

function route<Request, Response>(api: KafkaApi<Request, Response>, handle: Route<Request, Response>['handle']): Route<Request, Response> {
  return { api, handle };
}

/** One handler per API of lib/kafka/messages/supported-apis.ts (a test checks they match). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ROUTES: ReadonlyMap<number, Route<any, any>> = new Map(
  [
    route(PRODUCE, handleProduce),
    route(FETCH, handleFetch),
    route(LIST_OFFSETS, handleListOffsets),
    route(METADATA, handleMetadata),
    route(API_VERSIONS, handleApiVersions),
    route(INIT_PRODUCER_ID, handleInitProducerId),
    route(SASL_HANDSHAKE, handleSaslHandshake),
    route(SASL_AUTHENTICATE, handleSaslAuthenticate),
    route(CREATE_TOPICS, handleCreateTopics),
    route(DELETE_TOPICS, handleDeleteTopics),
    route(DELETE_RECORDS, handleDeleteRecords),
    route(DESCRIBE_CONFIGS, handleDescribeConfigs),
    route(ALTER_CONFIGS, handleAlterConfigs),
    route(CREATE_PARTITIONS, handleCreatePartitions),
    route(INCREMENTAL_ALTER_CONFIGS, handleIncrementalAlterConfigs),
    route(FIND_COORDINATOR, handleFindCoordinator),
    route(JOIN_GROUP, handleJoinGroup),
    route(SYNC_GROUP, handleSyncGroup),
    route(HEARTBEAT, handleHeartbeat),
    route(LEAVE_GROUP, handleLeaveGroup),
    route(OFFSET_COMMIT, handleOffsetCommit),
    route(OFFSET_FETCH, handleOffsetFetch),
    route(LIST_GROUPS, handleListGroups),
    route(DESCRIBE_GROUPS, handleDescribeGroups),
  ].map((r) => [r.api.key, r]),
);
