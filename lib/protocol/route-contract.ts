import type * as z from 'zod/mini';
import type { ErrorCode } from './error-codes';
import {
  aclRuleRequestSchema,
  alterTopicConfigRequestSchema,
  commitOffsetsRequestSchema,
  createPartitionsRequestSchema,
  createTopicRequestSchema,
  fetchQuerySchema,
  groupOffsetsQuerySchema,
  initProducerRequestSchema,
  joinGroupRequestSchema,
  noQuerySchema,
  offsetsQuerySchema,
  produceRequestSchema,
  quotaRequestSchema,
  resetOffsetsRequestSchema,
  subscriptionRequestSchema,
  trimRequestSchema,
} from './requests';
import {
  aclListSchema,
  aclRuleSchema,
  commitOffsetsResponseSchema,
  createdSubscriptionSchema,
  deleteGroupOffsetsResponseSchema,
  fetchResponseSchema,
  groupDescriptionSchema,
  groupListSchema,
  groupOffsetsSchema,
  listOffsetsResponseSchema,
  partitionOffsetsResponseSchema,
  membershipViewSchema,
  produceResponseSchema,
  producerIdentitySchema,
  quotaListSchema,
  quotaSchema,
  resetOffsetsResponseSchema,
  subscriptionDescriptionSchema,
  topicDescriptionSchema,
  topicListSchema,
  topicOffsetsSchema,
  topicSchema,
} from './responses';
import type { RouteName } from './routes';

/**
 * What each route of lib/protocol/routes.ts takes and answers: its query, its body (none
 * for routes that take no body; they accept an empty one), its success status and body
 * (none for a 204), and the error codes it can answer besides those every route can.
 * docs/openapi.json is generated from this table; the contract test holds the local
 * platform's real answers to it.
 */
export interface RouteContract {
  readonly summary: string;
  readonly query: z.ZodMiniType;
  readonly body?: z.ZodMiniType;
  readonly status: 200 | 201 | 204;
  readonly response?: z.ZodMiniType;
  readonly errors: readonly ErrorCode[];
  /**
   * The route also answers as a stream of server-sent events (lib/protocol/live.ts): what
   * the stream carries. Its resumption header is `Last-Event-ID` (lastEventIdSchema).
   */
  readonly eventStream?: string;
  /** The route also answers as stored batches (lib/protocol/record-batches.ts): what that answer holds. */
  readonly recordBatches?: string;
}

/** Every route can answer these: a bad path parameter or query, no credentials, an ACL refusal, a fault, busy storage. */
export const COMMON_ERRORS: readonly ErrorCode[] = ['INVALID_REQUEST', 'UNAUTHENTICATED', 'ACCESS_DENIED', 'INTERNAL', 'SERVICE_BUSY'];

/** Routes that read a body also refuse one too large or in an unknown content coding. */
const BODY_ERRORS: readonly ErrorCode[] = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_CONTENT_ENCODING'];

const topicMissing: readonly ErrorCode[] = ['TOPIC_NOT_FOUND'];
const partitionMissing: readonly ErrorCode[] = ['TOPIC_NOT_FOUND', 'PARTITION_NOT_FOUND'];

export const ROUTE_CONTRACTS = {
  'create-topic': { summary: 'Create a topic', query: noQuerySchema, body: createTopicRequestSchema, status: 201, response: topicSchema, errors: [...BODY_ERRORS, 'TOPIC_EXISTS'] },
  'list-topics': { summary: 'List the topics the caller may describe', query: noQuerySchema, status: 200, response: topicListSchema, errors: [] },
  'describe-topic': { summary: 'Describe a topic (its offsets: GET /v1/topics/{topic}/offsets)', query: noQuerySchema, status: 200, response: topicDescriptionSchema, errors: topicMissing },
  'delete-topic': { summary: 'Delete a topic', query: noQuerySchema, status: 204, errors: topicMissing },
  'alter-topic-config': {
    summary: "Change a topic's config: set keys, or remove them with null (Kafka's IncrementalAlterConfigs)",
    query: noQuerySchema,
    body: alterTopicConfigRequestSchema,
    status: 200,
    response: topicSchema,
    errors: [...BODY_ERRORS, ...topicMissing],
  },
  'create-partitions': {
    summary: "Raise a topic's partition count (Kafka's CreatePartitions); keyed records may map to other partitions afterwards",
    query: noQuerySchema,
    body: createPartitionsRequestSchema,
    status: 200,
    response: topicSchema,
    errors: [...BODY_ERRORS, ...topicMissing],
  },
  'produce-records': {
    summary: 'Produce records',
    query: noQuerySchema,
    body: produceRequestSchema,
    status: 200,
    response: produceResponseSchema,
    errors: [
      ...BODY_ERRORS,
      ...partitionMissing,
      'UNKNOWN_PRODUCER',
      'PRODUCER_ACCESS_DENIED',
      'FENCED',
      'OUT_OF_ORDER_SEQUENCE',
      'DUPLICATE_SEQUENCE',
      'OFFSET_MISMATCH',
      'STREAM_CLOSED',
      'QUOTA_EXCEEDED',
      'COMMIT_CONTENDED',
      'COMMIT_OUTCOME_UNKNOWN',
    ],
  },
  'fetch-records': {
    summary: "Fetch a partition's records",
    query: fetchQuerySchema,
    status: 200,
    response: fetchResponseSchema,
    errors: [...partitionMissing, 'OFFSET_OUT_OF_RANGE', 'UNDECODABLE_RECORD', 'QUOTA_EXCEEDED', 'CORRUPT_RECORD', 'COMPRESSION_UNSUPPORTED', 'STREAMING_NOT_SUPPORTED'],
    eventStream:
      'Live reads: with `Accept: text/event-stream` or `live=sse` the answer is a stream of server-sent events, served by the local platform only (the deployed HTTP API answers 501 STREAMING_NOT_SUPPORTED: long-poll with `waitMs` there). ' +
      'Each `records` event carries this route\'s JSON answer as `data` and its `nextOffset` as `id`; the first answers the request as an ordinary fetch would (possibly no records). ' +
      'A `: keep-alive` comment comes every 15 s while idle; after 60 s an `end` event (`{"reason":"max-duration","nextOffset"}`) and the server closes; an error after the stream began is a `failure` event with the error body, then it closes. ' +
      'Reconnect with `Last-Event-ID` (it takes the place of `offset`) to resume after the last event received. `waitMs` has no effect on a live read.',
    recordBatches:
      'With `Accept: application/vnd.sluice.record-batches` the answer is the stored batches themselves, one after another, each with its base offset in its first eight bytes (docs/design.md, "Segment objects"), neither decoded nor checked by the server: the reader decodes them and checks each CRC-32C. ' +
      '`Sluice-Next-Offset`, `Sluice-High-Watermark`, `Sluice-Log-Start-Offset` and (for a closed stream) `Sluice-Closed: true` carry the rest of the answer. A batch is answered whole: records below `offset` or from `Sluice-Next-Offset` on are not part of the answer. ' +
      '`maxBytes` is kept at batch bounds (the first batch always, a later one only if it fits) and `encoding` has no effect. Errors are JSON as always.',
  },
  'list-offsets': {
    summary: "A partition's offsets, or the first offset at a time",
    query: offsetsQuerySchema,
    status: 200,
    response: listOffsetsResponseSchema,
    errors: [...partitionMissing, 'CORRUPT_RECORD', 'COMPRESSION_UNSUPPORTED'],
  },
  'list-topic-offsets': {
    summary: "Every partition's offsets",
    query: noQuerySchema,
    status: 200,
    response: topicOffsetsSchema,
    errors: topicMissing,
  },
  'trim-partition': {
    summary: "Delete a partition's records below an offset",
    query: noQuerySchema,
    body: trimRequestSchema,
    status: 200,
    response: partitionOffsetsResponseSchema,
    errors: [...BODY_ERRORS, ...partitionMissing, 'OFFSET_OUT_OF_RANGE', 'COMMIT_CONTENDED'],
  },
  'init-producer': {
    summary: 'Issue a producer id and epoch',
    query: noQuerySchema,
    body: initProducerRequestSchema,
    status: 200,
    response: producerIdentitySchema,
    errors: [...BODY_ERRORS, 'PRODUCER_ACCESS_DENIED', 'PRODUCER_EPOCH_EXHAUSTED'],
  },
  'join-group': {
    summary: 'Join a consumer group',
    query: noQuerySchema,
    body: joinGroupRequestSchema,
    status: 201,
    response: membershipViewSchema,
    errors: [...BODY_ERRORS, ...topicMissing, 'GROUP_HAS_SUBSCRIPTION'],
  },
  'heartbeat-member': {
    summary: "Renew a member's lease",
    query: noQuerySchema,
    status: 200,
    response: membershipViewSchema,
    errors: ['UNKNOWN_MEMBER'],
  },
  'leave-group': { summary: 'Leave a consumer group', query: noQuerySchema, status: 204, errors: ['UNKNOWN_MEMBER'] },
  'commit-offsets': {
    summary: 'Commit offsets',
    query: noQuerySchema,
    body: commitOffsetsRequestSchema,
    status: 200,
    response: commitOffsetsResponseSchema,
    errors: [...BODY_ERRORS, ...partitionMissing, 'GROUP_NOT_FOUND', 'UNKNOWN_MEMBER', 'ILLEGAL_GENERATION', 'PARTITION_NOT_ASSIGNED', 'GROUP_ACTIVE'],
  },
  'get-group-offsets': {
    summary: "A group's positions and lag",
    query: groupOffsetsQuerySchema,
    status: 200,
    response: groupOffsetsSchema,
    errors: ['GROUP_NOT_FOUND', ...topicMissing],
  },
  'list-groups': { summary: 'List the groups the caller may describe', query: noQuerySchema, status: 200, response: groupListSchema, errors: [] },
  'describe-group': { summary: 'Describe a group', query: noQuerySchema, status: 200, response: groupDescriptionSchema, errors: ['GROUP_NOT_FOUND'] },
  'delete-group': {
    summary: 'Delete a group with no live members: its committed offsets and its record',
    query: noQuerySchema,
    status: 204,
    errors: ['GROUP_NOT_FOUND', 'GROUP_ACTIVE', 'GROUP_HAS_SUBSCRIPTION'],
  },
  'reset-group-offsets': {
    summary: "Reset a group's offsets on a topic to its earliest, its latest, a time or an offset (the group must have no live members)",
    query: noQuerySchema,
    body: resetOffsetsRequestSchema,
    status: 200,
    response: resetOffsetsResponseSchema,
    errors: [...BODY_ERRORS, ...partitionMissing, 'GROUP_ACTIVE', 'GROUP_HAS_SUBSCRIPTION', 'CORRUPT_RECORD', 'COMPRESSION_UNSUPPORTED'],
  },
  'delete-group-offsets': {
    summary: "Delete a group's committed offsets of one topic (the group must have no live members)",
    query: noQuerySchema,
    status: 200,
    response: deleteGroupOffsetsResponseSchema,
    errors: ['GROUP_NOT_FOUND', 'GROUP_ACTIVE', 'GROUP_HAS_SUBSCRIPTION'],
  },
  'put-subscription': {
    summary: "Create or replace a group's push subscription",
    query: noQuerySchema,
    body: subscriptionRequestSchema,
    status: 200,
    response: createdSubscriptionSchema,
    errors: [...BODY_ERRORS, ...topicMissing, 'GROUP_ACTIVE'],
  },
  'get-subscription': {
    summary: "A group's push subscription with its delivery health",
    query: noQuerySchema,
    status: 200,
    response: subscriptionDescriptionSchema,
    errors: ['SUBSCRIPTION_NOT_FOUND'],
  },
  'delete-subscription': { summary: "Delete a group's push subscription", query: noQuerySchema, status: 204, errors: ['SUBSCRIPTION_NOT_FOUND'] },
  'create-acl': { summary: 'Create an ACL rule', query: noQuerySchema, body: aclRuleRequestSchema, status: 201, response: aclRuleSchema, errors: BODY_ERRORS },
  'list-acls': { summary: 'List the ACL rules', query: noQuerySchema, status: 200, response: aclListSchema, errors: [] },
  'delete-acl': { summary: 'Delete an ACL rule', query: noQuerySchema, status: 204, errors: ['ACL_NOT_FOUND'] },
  'set-quota': { summary: "Set a principal's quota", query: noQuerySchema, body: quotaRequestSchema, status: 200, response: quotaSchema, errors: BODY_ERRORS },
  'list-quotas': { summary: 'List the quotas', query: noQuerySchema, status: 200, response: quotaListSchema, errors: [] },
} as const satisfies Record<RouteName, RouteContract>;

/** Every error code `route` can answer: the common ones and its own. */
export function routeErrors(route: RouteName): ErrorCode[] {
  const own: readonly ErrorCode[] = (ROUTE_CONTRACTS[route] as RouteContract).errors;
  return [...new Set([...COMMON_ERRORS, ...own])];
}
