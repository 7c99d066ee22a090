import * as z from 'zod/mini';

/**
 * The success bodies of the v1 HTTP API (docs/http-api.md), and the error body. The
 * server builds its answers as these types and the client reads them as these types;
 * docs/openapi.json publishes them as JSON Schema, and the contract test holds real
 * answers of the local platform to it. Times are milliseconds since the Unix epoch.
 *
 * Objects are plain `z.object`: their JSON Schema (output side) refuses keys they do not
 * list, so a field the server adds without adding it here fails the contract test.
 */
const int = () => z.int();
const count = () => z.int().check(z.gte(0));
const nullableString = () => z.nullable(z.string());

// ---------------------------------------------------------------------------
// Topics

export const topicConfigViewSchema = z.record(z.string(), z.string());
/** Topic settings, string to string; the known keys are listed in the README. */
export type TopicConfig = z.infer<typeof topicConfigViewSchema>;

export const topicSchema = z.object({
  name: z.string(),
  /** Unique per creation, so a re-created topic never sees the old topic's records. */
  topicId: z.string(),
  partitions: int(),
  config: topicConfigViewSchema,
  createdAt: int(),
});
export type Topic = z.infer<typeof topicSchema>;

/** The readable range of one partition. */
export const partitionOffsetsSchema = z.object({
  partition: count(),
  /** The earliest readable offset. */
  logStartOffset: count(),
  /** The next offset to be written. */
  highWatermark: count(),
});
export type PartitionOffsets = z.infer<typeof partitionOffsetsSchema>;

/**
 * `GET /v1/topics/{topic}`: the topic alone, one read however many partitions it has.
 * Like Kafka's DescribeTopics it answers no offsets; those are `GET /v1/topics/{topic}/offsets`
 * (`topicOffsetsSchema`), Kafka's ListOffsets, whose reads grow with the partitions.
 */
export const topicDescriptionSchema = topicSchema;
export type TopicDescription = z.infer<typeof topicDescriptionSchema>;

/** One partition in `GET /v1/topics/{topic}/offsets`: its readable range and the bytes it holds. */
export const topicPartitionOffsetsSchema = z.extend(partitionOffsetsSchema, {
  /**
   * Stored batch bytes from the log start to the high watermark, as committed (what
   * `retention.bytes` counts; compaction's smaller rewrites are not subtracted): 0 for a
   * partition never written. Absent for a partition last written before heads counted bytes.
   */
  storedBytes: z.optional(count()),
});
export type TopicPartitionOffsets = z.infer<typeof topicPartitionOffsetsSchema>;

/** `GET /v1/topics/{topic}/offsets`: the readable range of every partition, by partition. */
export const topicOffsetsSchema = z.object({ topic: z.string(), partitions: z.array(topicPartitionOffsetsSchema) });
export type TopicOffsets = z.infer<typeof topicOffsetsSchema>;

/** `GET /v1/topics`, sorted by name. */
export const topicListSchema = z.object({ topics: z.array(topicSchema) });
export type TopicList = z.infer<typeof topicListSchema>;

// ---------------------------------------------------------------------------
// Records, producers, offsets

/** Where one produced record landed. */
export const producedRecordSchema = z.object({ partition: count(), offset: count(), timestamp: int() });
export type ProducedRecord = z.infer<typeof producedRecordSchema>;

export const produceResponseSchema = z.object({
  topic: z.string(),
  /** In request order. */
  records: z.array(producedRecordSchema),
  /** True when this was a retry of an idempotent call already committed: the offsets are the original ones. */
  duplicate: z.boolean(),
  /**
   * Commit transactions this call sent, cancelled ones included (0 when it was answered
   * as a duplicate before committing): more than 1 means it lost races to other writers
   * of its partitions. The client narrows its calls on it (docs/design.md, "Partitions per call").
   */
  commitAttempts: z.optional(count()),
});
export type ProduceResponse = z.infer<typeof produceResponseSchema>;

/** `POST /v1/producers`. */
export const producerIdentitySchema = z.object({ producerId: count(), epoch: count() });
export type ProducerIdentity = z.infer<typeof producerIdentitySchema>;

export const recordHeaderSchema = z.object({ key: z.string(), value: nullableString() });
export type RecordHeader = z.infer<typeof recordHeaderSchema>;

/** A record as read back; `key`, `value` and header values are in the response's encoding. */
export const fetchedRecordSchema = z.object({
  offset: count(),
  timestamp: int(),
  key: nullableString(),
  value: nullableString(),
  headers: z.array(recordHeaderSchema),
});
export type FetchedRecord = z.infer<typeof fetchedRecordSchema>;

export const fetchResponseSchema = z.object({
  topic: z.string(),
  partition: count(),
  encoding: z.enum(['utf8', 'base64']),
  records: z.array(fetchedRecordSchema),
  /** The offset to ask for next. */
  nextOffset: count(),
  highWatermark: count(),
  logStartOffset: count(),
  /** Present when the partition is closed (a Durable Streams stream's): the high watermark is final. */
  closed: z.optional(z.literal(true)),
});
export type FetchResponse = z.infer<typeof fetchResponseSchema>;

/** `GET /v1/topics/{topic}/partitions/{p}/offsets`. */
export const partitionOffsetsResponseSchema = z.extend(partitionOffsetsSchema, { topic: z.string() });
export type PartitionOffsetsResponse = z.infer<typeof partitionOffsetsResponseSchema>;

/** `GET /v1/topics/{topic}/partitions/{p}/offsets?timestamp=`: Kafka's offsets-for-times. */
export const offsetForTimeResponseSchema = z.extend(partitionOffsetsResponseSchema, {
  timestamp: int(),
  /** The first offset whose record timestamp is at least `timestamp`, or null when no record is that late. */
  offset: z.nullable(count()),
});
export type OffsetForTimeResponse = z.infer<typeof offsetForTimeResponseSchema>;

/** The offsets route answers one or the other, by whether `timestamp` was asked. */
export const listOffsetsResponseSchema = z.union([offsetForTimeResponseSchema, partitionOffsetsResponseSchema]);

// ---------------------------------------------------------------------------
// Consumer groups

export const assignorNameSchema = z.enum(['range', 'roundrobin', 'sticky']);
export type AssignorName = z.infer<typeof assignorNameSchema>;

export const resetPolicySchema = z.enum(['earliest', 'latest']);
export type ResetPolicy = z.infer<typeof resetPolicySchema>;

/** Partitions of one topic owned by one member, ascending. */
export const topicAssignmentSchema = z.object({ topic: z.string(), partitions: z.array(count()) });
export type TopicAssignment = z.infer<typeof topicAssignmentSchema>;

/** Join and heartbeat: the member's view of its group. */
export const membershipViewSchema = z.object({
  group: z.string(),
  memberId: z.string(),
  generation: count(),
  /** This member's partitions in the current generation. */
  assignment: z.array(topicAssignmentSchema),
  /** True while the coordinator has not yet computed a generation that includes exactly the live members. */
  rebalanceInProgress: z.boolean(),
  sessionTimeoutMs: int(),
  heartbeatIntervalMs: int(),
});
export type MembershipView = z.infer<typeof membershipViewSchema>;

export const committedOffsetSchema = z.object({
  group: z.string(),
  topic: z.string(),
  partition: count(),
  offset: count(),
  /** The generation of the member that committed it; -1 for a standalone commit (no member). */
  generation: z.int().check(z.gte(-1)),
  memberId: nullableString(),
  metadata: nullableString(),
  committedAt: int(),
});
export type CommittedOffset = z.infer<typeof committedOffsetSchema>;

export const commitOffsetsResponseSchema = z.object({ group: z.string(), committed: z.array(committedOffsetSchema) });
export type CommitOffsetsResponse = z.infer<typeof commitOffsetsResponseSchema>;

export const partitionPositionSchema = z.object({
  topic: z.string(),
  partition: count(),
  /** The committed offset, or null when the group never committed this partition. */
  committedOffset: z.nullable(count()),
  /** Where the group reads next: the committed offset, else the reset policy's end of the log. */
  position: count(),
  logStartOffset: count(),
  highWatermark: count(),
  /** highWatermark − position. */
  lag: int(),
});
export type PartitionPosition = z.infer<typeof partitionPositionSchema>;

/** `GET /v1/groups/{group}/offsets`. */
export const groupOffsetsSchema = z.object({
  group: z.string(),
  resetPolicy: resetPolicySchema,
  partitions: z.array(partitionPositionSchema),
  totalLag: int(),
});
export type GroupOffsets = z.infer<typeof groupOffsetsSchema>;

/** One partition of a reset: where the group was and where it is (or, for a dry run, would be) set. */
export const partitionResetSchema = z.object({
  partition: count(),
  /** The committed offset before the reset, or null when the group never committed this partition. */
  previousOffset: z.nullable(count()),
  /** The offset set: the target, clamped to `logStartOffset..highWatermark`. */
  offset: count(),
  logStartOffset: count(),
  highWatermark: count(),
  /** True when an explicit offset outside the readable range was moved to its nearer end. */
  clamped: z.boolean(),
});
export type PartitionReset = z.infer<typeof partitionResetSchema>;

/** `POST /v1/groups/{group}/reset-offsets`. */
export const resetOffsetsResponseSchema = z.object({
  group: z.string(),
  topic: z.string(),
  /** True when nothing was written: the offsets are what a reset would set. */
  dryRun: z.boolean(),
  partitions: z.array(partitionResetSchema),
});
export type ResetOffsetsResponse = z.infer<typeof resetOffsetsResponseSchema>;

/** `DELETE /v1/groups/{group}/offsets/{topic}`: the partitions whose committed offsets were deleted, ascending. */
export const deleteGroupOffsetsResponseSchema = z.object({ group: z.string(), topic: z.string(), partitions: z.array(count()) });
export type DeleteGroupOffsetsResponse = z.infer<typeof deleteGroupOffsetsResponseSchema>;

export const groupStateSchema = z.enum(['Stable', 'Rebalancing', 'Empty']);
export type GroupState = z.infer<typeof groupStateSchema>;

/** An entry of `GET /v1/groups`. */
export const groupSummarySchema = z.object({
  group: z.string(),
  generation: count(),
  assignor: assignorNameSchema,
  /** Live members. */
  members: count(),
  state: groupStateSchema,
});
export type GroupSummary = z.infer<typeof groupSummarySchema>;

export const groupListSchema = z.object({ groups: z.array(groupSummarySchema) });
export type GroupList = z.infer<typeof groupListSchema>;

export const groupMemberDescriptionSchema = z.object({
  memberId: z.string(),
  topics: z.array(z.string()),
  /** The member's lease ends here unless it heartbeats. */
  expiresAt: int(),
  /** Its partitions in the current generation; empty until a generation includes it. */
  assignment: z.array(topicAssignmentSchema),
  /** The client's name for itself, when it gave one (Kafka's client.id). */
  clientId: z.optional(z.string()),
  /** A Kafka member's client host and assignment protocols (most preferred first); HTTP members have neither. */
  clientHost: z.optional(z.string()),
  protocols: z.optional(z.array(z.string())),
});
export type GroupMemberDescription = z.infer<typeof groupMemberDescriptionSchema>;

/** `GET /v1/groups/{group}`. */
export const groupDescriptionSchema = z.extend(groupSummarySchema, {
  resetPolicy: resetPolicySchema,
  memberDetails: z.array(groupMemberDescriptionSchema),
  partitions: z.array(partitionPositionSchema),
  totalLag: int(),
});
export type GroupDescription = z.infer<typeof groupDescriptionSchema>;

// ---------------------------------------------------------------------------
// Push subscriptions

/** Where a push subscription delivers: an HTTPS endpoint (plain http only to localhost) or a Lambda function. */
export const pushTargetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('https'), url: z.string() }),
  z.object({ type: z.literal('lambda'), functionArn: z.string() }),
]);
export type PushTarget = z.infer<typeof pushTargetSchema>;

/** A group's push subscription, as the server shows it: never with the secret, except once on creation. */
export const subscriptionSchema = z.object({
  group: z.string(),
  topic: z.string(),
  target: pushTargetSchema,
  batchSize: int(),
  batchingWindowMs: int(),
  retryAttempts: int(),
  maxRecordAgeSeconds: int(),
  bisectOnError: z.boolean(),
  deadLetterTopic: z.string(),
  createdAt: int(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

/** The answer of `PUT /v1/groups/{group}/subscription`: the subscription and its secret, shown only here. */
export const createdSubscriptionSchema = z.extend(subscriptionSchema, {
  /** The HMAC-SHA256 key (its UTF-8 bytes) of the deliveries' Standard Webhooks and legacy `sluice-signature` signatures. */
  secret: z.string(),
});
export type CreatedSubscription = z.infer<typeof createdSubscriptionSchema>;

/** A partition's delivery health as `GET /v1/groups/{group}/subscription` shows it. */
export const partitionDeliveryStatusSchema = z.object({
  consecutiveFailures: count(),
  lastError: nullableString(),
  /** ms since the epoch. */
  lastErrorAt: z.nullable(int()),
  /** When the next retry is due (ms), or null when not backing off. */
  nextAttemptAt: z.nullable(int()),
});
export type PartitionDeliveryStatus = z.infer<typeof partitionDeliveryStatusSchema>;

/** A subscription-wide summary of partition health: how many partitions are failing now, and the latest error of any. */
export const subscriptionDeliverySummarySchema = z.object({
  failingPartitions: count(),
  lastError: nullableString(),
  lastErrorAt: z.nullable(int()),
  lastErrorPartition: z.nullable(count()),
});
export type SubscriptionDeliverySummary = z.infer<typeof subscriptionDeliverySummarySchema>;

/**
 * `GET /v1/groups/{group}/subscription`: the subscription with the group's position, lag
 * and delivery health on each partition, and a summary of the health over all of them.
 */
export const subscriptionDescriptionSchema = z.extend(subscriptionSchema, {
  resetPolicy: resetPolicySchema,
  partitions: z.array(z.extend(partitionPositionSchema, partitionDeliveryStatusSchema.def.shape)),
  totalLag: int(),
  delivery: subscriptionDeliverySummarySchema,
});
export type SubscriptionDescription = z.infer<typeof subscriptionDescriptionSchema>;

// ---------------------------------------------------------------------------
// Access control and quotas

export const aclResourceTypeSchema = z.enum(['TOPIC', 'GROUP', 'CLUSTER']);
export const aclPatternTypeSchema = z.enum(['LITERAL', 'PREFIXED']);
export const aclOperationSchema = z.enum(['READ', 'WRITE', 'CREATE', 'DELETE', 'DESCRIBE', 'ALTER', 'ALTER_CONFIGS', 'ALL']);
export const aclPermissionSchema = z.enum(['ALLOW', 'DENY']);
export type AclResourceType = z.infer<typeof aclResourceTypeSchema>;
export type AclPatternType = z.infer<typeof aclPatternTypeSchema>;
export type AclOperation = z.infer<typeof aclOperationSchema>;
export type AclPermission = z.infer<typeof aclPermissionSchema>;

/** A stored ACL rule. */
export const aclRuleSchema = z.object({
  ruleId: z.string(),
  principal: z.string(),
  resourceType: aclResourceTypeSchema,
  patternType: aclPatternTypeSchema,
  resourceName: z.string(),
  operation: aclOperationSchema,
  permission: aclPermissionSchema,
  createdAt: int(),
});
export type AclRule = z.infer<typeof aclRuleSchema>;

export const aclListSchema = z.object({ rules: z.array(aclRuleSchema) });
export type AclList = z.infer<typeof aclListSchema>;

/** A principal's byte-rate quota; null is unlimited. */
export const quotaSchema = z.object({
  principal: z.string(),
  produceBytesPerSecond: z.nullable(int()),
  fetchBytesPerSecond: z.nullable(int()),
  updatedAt: int(),
});
export type Quota = z.infer<typeof quotaSchema>;

export const quotaListSchema = z.object({ quotas: z.array(quotaSchema) });
export type QuotaList = z.infer<typeof quotaListSchema>;

// ---------------------------------------------------------------------------
// Errors

/**
 * The body of every error response. `code` is a string, not the protocol's enum, since a
 * newer server may add codes; the details beyond `field` and `limit` depend on the code.
 */
export const errorBodySchema = z.object({
  error: z.looseObject({
    code: z.string(),
    message: z.string(),
    retriable: z.boolean(),
    /** The field at fault, for `INVALID_REQUEST`. */
    field: z.optional(z.string()),
    /** The limit that was passed, where one applies. */
    limit: z.optional(z.union([z.number(), z.string()])),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
