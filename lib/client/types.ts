/**
 * The shapes of the Sluice HTTP API v1 (docs/http-api.md), as seen by a client.
 * Times are milliseconds since the Unix epoch.
 *
 * What the server answers is defined once, by the wire contract (lib/protocol/responses.ts,
 * published as docs/openapi.json), and re-exported here type-only: client and server
 * cannot drift apart, and the client's declarations hold nothing of the server. The
 * request options below are the client's view of what it sends.
 */
import type { ErrorCode } from '../protocol/error-codes';
import type { Encoding } from '../protocol/requests';
import type { AclOperation, AclPatternType, AclPermission, AclResourceType, AssignorName, PushTarget, RecordHeader, ResetPolicy, TopicConfig } from '../protocol/responses';

export type {
  AclOperation,
  AclPatternType,
  AclPermission,
  AclResourceType,
  AclRule,
  AssignorName,
  CommitOffsetsResponse,
  CommittedOffset,
  CreatedSubscription,
  DeleteGroupOffsetsResponse,
  ErrorBody,
  FetchedRecord,
  FetchResponse,
  GroupDescription,
  GroupMemberDescription,
  GroupOffsets,
  GroupState,
  GroupSummary,
  MembershipView,
  OffsetForTimeResponse,
  PartitionDeliveryStatus,
  PartitionOffsets,
  PartitionOffsetsResponse,
  PartitionPosition,
  PartitionReset,
  ProducedRecord,
  ProduceResponse,
  ProducerIdentity,
  PushTarget,
  Quota,
  RecordHeader,
  ResetOffsetsResponse,
  ResetPolicy,
  Subscription,
  SubscriptionDeliverySummary,
  SubscriptionDescription,
  Topic,
  TopicAssignment,
  TopicConfig,
  TopicDescription,
  TopicOffsets,
  TopicPartitionOffsets,
} from '../protocol/responses';
export type { Encoding };

export interface CreateTopicOptions {
  /** 1–256; the server's default is 1. */
  partitions?: number;
  config?: TopicConfig;
}

/** A config change: each key set to a value, or removed with null (back to the default). */
export type TopicConfigChange = Record<string, string | null>;

/** One record to produce; `key`, `value` and header values are in the request's encoding. */
export interface ProduceRecord {
  key?: string | null;
  /** `null` is a tombstone. */
  value: string | null;
  /** A list (order and duplicates kept) or an object map. */
  headers?: RecordHeader[] | Record<string, string>;
  /** An explicit partition, overriding the key. */
  partition?: number;
  /** CreateTime; the server's clock when omitted. */
  timestamp?: number;
}

/**
 * Makes a produce call idempotent: the id and epoch from `POST /v1/producers`, and for
 * each partition the call writes, the base sequence of its records there (Kafka's
 * per-partition sequence numbers: a producer epoch's first batch starts at 0, each next
 * one at the previous base plus its record count).
 */
export interface ProducerClaim {
  id: number;
  epoch: number;
  /** Partition number (as a string key) → base sequence of this call's records in it. */
  sequences: Record<string, number>;
}

export interface ProduceRequest {
  /** Applies to every key, value and header value; `utf8` when omitted. */
  encoding?: Encoding;
  /** Idempotent produce; every record must then be placed by key or `partition`. A superseded epoch is `409 FENCED`, a sequence gap `409 OUT_OF_ORDER_SEQUENCE`. */
  producer?: ProducerClaim;
  /** Conditional append (one partition only): commit only if its high watermark is this, else `409 OFFSET_MISMATCH`. */
  expectedOffset?: number;
  /** 1–10,000 records; the request body at most 5 MiB. */
  records: ProduceRecord[];
}

export interface InitProducerOptions {
  /** Kafka's `transactional.id`: the same name again returns the same id with the epoch bumped, fencing older instances. */
  name?: string;
}

export interface FetchOptions {
  /** First offset wanted; the log start offset when omitted. */
  offset?: number;
  /** 1–10,000; the server's default is 500. */
  maxRecords?: number;
  /** 1–4,194,304; the server's default is 1,048,576. The first record comes back even when larger. */
  maxBytes?: number;
  /** `base64` (the server's default, lossless) or `utf8`. */
  encoding?: Encoding;
  /** 0–20,000: when `offset` is the high watermark, wait up to this long for a commit (long-poll). */
  waitMs?: number;
  /**
   * `batches` (the default on Node): ask for the stored batches and decode them here,
   * CRC-32C checked, which spares the server decoding and rendering them (a server
   * without them answers JSON, which is read as well). `json` (the default elsewhere):
   * ask for the JSON answer.
   */
  format?: 'batches' | 'json';
}

/** `SluiceHttpClient.follow()`: a partition read live, over server-sent events. */
export interface FollowOptions {
  /** First offset wanted; the log start offset when omitted. Reconnections resume from the last event instead. */
  offset?: number;
  /** Per event: 1–10,000; the server's default is 500. */
  maxRecords?: number;
  /** Per event: 1–4,194,304; the server's default is 1,048,576. */
  maxBytes?: number;
  /** `base64` (the server's default, lossless) or `utf8`. */
  encoding?: Encoding;
  /** Ends the iteration (it returns; nothing is thrown) and closes the connection. */
  signal?: AbortSignal;
  /**
   * Where the server cannot stream (`501 STREAMING_NOT_SUPPORTED`: the deployed HTTP API),
   * read on with long-poll fetches (`waitMs`) instead; default true. False throws that error.
   */
  longPollFallback?: boolean;
  /** A connection that delivers nothing, not even a heartbeat, for this long is dropped and reopened; default 45,000 (three heartbeats). */
  idleTimeoutMs?: number;
}

// ---------------------------------------------------------------------------
// Consumer groups

export interface JoinGroupOptions {
  /** 1–100 topics to subscribe to. */
  topics: string[];
  /** 1,000–300,000; the server's default is 30,000. The member is gone once this passes without a heartbeat. */
  sessionTimeoutMs?: number;
  /** The group's assignor, set by its first member; `sticky` by default. */
  assignor?: AssignorName;
  /** The group's reset policy, set by its first member; `latest` by default. */
  resetPolicy?: ResetPolicy;
  /** Prefix of the member id (1–64 characters of `[a-zA-Z0-9._-]`); `member` by default. */
  clientId?: string;
}

export interface OffsetCommit {
  topic: string;
  partition: number;
  /** The next offset to read: one past the last record processed. */
  offset: number;
  /** Up to 1,024 characters kept with the offset. */
  metadata?: string;
}

export interface CommitOffsetsRequest {
  /** A member commits with its id and generation; a standalone consumer (only while the group has no live members) with neither. */
  memberId?: string;
  generation?: number;
  /** 1–98 offsets, each partition at most once. */
  offsets: OffsetCommit[];
}

export interface GroupOffsetsOptions {
  /** Only this topic's partitions; by default every topic the group subscribes to or committed. */
  topic?: string;
}

/** Where a reset moves a group: kafka-consumer-groups' `--to-earliest`, `--to-latest`, `--to-datetime`, `--to-offset`. */
export type ResetTarget = { type: 'earliest' } | { type: 'latest' } | { type: 'timestamp'; timestamp: number } | { type: 'offset'; offset: number };

/** `POST /v1/groups/{group}/reset-offsets`. */
export interface ResetOffsetsRequest {
  topic: string;
  /** 1–256 partitions, each once; by default every partition of the topic. */
  partitions?: number[];
  /** An explicit offset is clamped into each partition's `logStartOffset..highWatermark`; a time with no record that late is the high watermark. */
  to: ResetTarget;
  /** Answer what would be set, writing nothing. */
  dryRun?: boolean;
}

// ---------------------------------------------------------------------------
// Push subscriptions

/** `PUT /v1/groups/{group}/subscription`; every field but `topic` and `target` has a server default. */
export interface SubscriptionRequest {
  topic: string;
  target: PushTarget;
  /** The HMAC-SHA256 key for `sluice-signature`, 16–256 characters; a random one when omitted. */
  secret?: string;
  /** 1–10,000 records per delivery; the server's default is 100. */
  batchSize?: number;
  /** 0–20,000: wait up to this long to fill a batch; the server's default is 0. */
  batchingWindowMs?: number;
  /** 0–10,000 retries of a failing batch before it is bisected or dead-lettered; the server's default is 10. */
  retryAttempts?: number;
  /** −1 (no limit) or 60–604,800: older records are dead-lettered, not delivered; the server's default is 86,400. */
  maxRecordAgeSeconds?: number;
  /** Split a failing batch in two to isolate the bad record; the server's default is true. */
  bisectOnError?: boolean;
  /** Where undeliverable records go; `<group>.dlq` by default, created if missing. */
  deadLetterTopic?: string;
  /** Where the group starts on partitions it never committed; `latest` by default. */
  resetPolicy?: ResetPolicy;
}

// ---------------------------------------------------------------------------
// Access control

/** `POST /v1/acls`. */
export interface AclRuleRequest {
  /** An IAM ARN, a JWT `sub`, a local token's principal, or `*` for everyone. */
  principal: string;
  resourceType: AclResourceType;
  /** `LITERAL` (the default) or `PREFIXED`. */
  patternType?: AclPatternType;
  /** A name, a prefix (`PREFIXED`), or `*` (`LITERAL`: every resource of the type). The cluster's name is `cluster`. */
  resourceName: string;
  operation: AclOperation;
  permission: AclPermission;
}

// ---------------------------------------------------------------------------
// Quotas

/** `PUT /v1/quotas`: replaces the principal's quota; a rate omitted or null is unlimited. */
export interface QuotaRequest {
  principal: string;
  produceBytesPerSecond?: number | null;
  fetchBytesPerSecond?: number | null;
}

/**
 * The stable error codes, from the protocol's one error table (`SluiceApiError.code` is
 * typed `string`, since a newer server may add codes). The group and producer codes are
 * answers a client acts on: ILLEGAL_GENERATION and PARTITION_NOT_ASSIGNED mean a
 * rebalance moved on (heartbeat, take the new assignment); UNKNOWN_MEMBER means join
 * again; FENCED means a newer producer instance took over and this one must stop.
 */
export type SluiceErrorCode = ErrorCode;

