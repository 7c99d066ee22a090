import type { ErrorCode } from '../protocol/error-codes';
/**
 * The shapes of the Sluice HTTP API v1 (docs/http-api.md), as seen by a client.
 * Times are milliseconds since the Unix epoch.
 */

/** How keys, values and header values travel: text as UTF-8, or any bytes as base64. */
// Response shapes the server defines are re-exported from the modules that produce them
// (type-only: nothing of the server is loaded), so client and server cannot drift apart.
import type { AssignorName, TopicAssignment } from '../groups/assignors';
import type { MembershipView, PartitionPosition } from '../groups/group-views';
import type { CommittedOffset, ResetPolicy } from '../store/group-items';
import type { PartitionDeliveryStatus, PushTarget, Subscription as StoredSubscription, SubscriptionDeliverySummary } from '../store/subscription-items';

export type { AssignorName, CommittedOffset, MembershipView, PartitionDeliveryStatus, PartitionPosition, PushTarget, ResetPolicy, SubscriptionDeliverySummary, TopicAssignment };

/** A group's push subscription, as the server shows it (never with the secret, except once on creation). */
export type Subscription = Omit<StoredSubscription, 'secret'>;

export type Encoding = 'utf8' | 'base64';

/** Topic settings, string to string; the known keys are listed in the README. */
export type TopicConfig = Record<string, string>;

export interface Topic {
  name: string;
  topicId: string;
  partitions: number;
  config: TopicConfig;
  createdAt: number;
}

export interface CreateTopicOptions {
  /** 1–256; the server's default is 1. */
  partitions?: number;
  config?: TopicConfig;
}

/** The readable range of one partition. */
export interface PartitionOffsets {
  partition: number;
  /** The earliest readable offset. */
  logStartOffset: number;
  /** The next offset to be written. */
  highWatermark: number;
}

/** `GET /v1/topics/{topic}`: the topic plus the readable range of every partition. */
export interface TopicDescription extends Topic {
  partitionOffsets: PartitionOffsets[];
}

/** `GET /v1/topics/{topic}/partitions/{p}/offsets`. */
export interface PartitionOffsetsResponse extends PartitionOffsets {
  topic: string;
}

/** `GET /v1/topics/{topic}/partitions/{p}/offsets?timestamp=`: Kafka's offsets-for-times. */
export interface OffsetForTimeResponse extends PartitionOffsetsResponse {
  timestamp: number;
  /** The first offset whose record timestamp is at least `timestamp`, or null when no record is that late. */
  offset: number | null;
}

export interface RecordHeader {
  key: string;
  value: string | null;
}

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

/** Where one produced record landed. */
export interface ProducedRecord {
  partition: number;
  offset: number;
  timestamp: number;
}

export interface ProduceResponse {
  topic: string;
  /** In request order. */
  records: ProducedRecord[];
  /** True when this was a retry of an idempotent call already committed: the offsets are the original ones. */
  duplicate?: boolean;
}

export interface InitProducerOptions {
  /** Kafka's `transactional.id`: the same name again returns the same id with the epoch bumped, fencing older instances. */
  name?: string;
}

/** `POST /v1/producers`. */
export interface ProducerIdentity {
  producerId: number;
  epoch: number;
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
}

/** A record as read back; `key`, `value` and header values are in the response's encoding. */
export interface FetchedRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: RecordHeader[];
}

export interface FetchResponse {
  topic: string;
  partition: number;
  encoding: Encoding;
  records: FetchedRecord[];
  /** The offset to ask for next. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
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


export interface CommitOffsetsResponse {
  group: string;
  committed: CommittedOffset[];
}


export interface GroupOffsetsOptions {
  /** Only this topic's partitions; by default every topic the group subscribes to or committed. */
  topic?: string;
}

/** `GET /v1/groups/{group}/offsets`. */
export interface GroupOffsets {
  group: string;
  resetPolicy: ResetPolicy;
  partitions: PartitionPosition[];
  totalLag: number;
}

export type GroupState = 'Stable' | 'Rebalancing' | 'Empty';

/** An entry of `GET /v1/groups`. */
export interface GroupSummary {
  group: string;
  generation: number;
  assignor: AssignorName;
  /** Live members. */
  members: number;
  state: GroupState;
}

export interface GroupMemberDescription {
  memberId: string;
  topics: string[];
  /** The member's lease ends here unless it heartbeats. */
  expiresAt: number;
  /** Its partitions in the current generation; empty until a generation includes it. */
  assignment: TopicAssignment[];
}

/** `GET /v1/groups/{group}`. */
export interface GroupDescription extends GroupSummary {
  resetPolicy: ResetPolicy;
  memberDetails: GroupMemberDescription[];
  partitions: PartitionPosition[];
  totalLag: number;
}

// ---------------------------------------------------------------------------
// Push subscriptions

/** Where a push subscription delivers: an HTTPS endpoint (plain http only to localhost) or a Lambda function. */

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


/** The answer of `PUT /v1/groups/{group}/subscription`: the subscription and its secret, shown only here. */
export interface CreatedSubscription extends Subscription {
  secret: string;
}

/**
 * `GET /v1/groups/{group}/subscription`: the subscription with the group's position, lag
 * and delivery health on each partition, and a summary of the health over all of them.
 */
export interface SubscriptionDescription extends Subscription {
  resetPolicy: ResetPolicy;
  partitions: (PartitionPosition & PartitionDeliveryStatus)[];
  totalLag: number;
  delivery: SubscriptionDeliverySummary;
}

// ---------------------------------------------------------------------------
// Access control

export type AclResourceType = 'TOPIC' | 'GROUP' | 'CLUSTER';
export type AclPatternType = 'LITERAL' | 'PREFIXED';
export type AclOperation = 'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'DESCRIBE' | 'ALTER' | 'ALL';
export type AclPermission = 'ALLOW' | 'DENY';

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

/** A stored ACL rule. */
export interface AclRule extends Required<AclRuleRequest> {
  ruleId: string;
  createdAt: number;
}

// ---------------------------------------------------------------------------
// Quotas

/** `PUT /v1/quotas`: replaces the principal's quota; a rate omitted or null is unlimited. */
export interface QuotaRequest {
  principal: string;
  produceBytesPerSecond?: number | null;
  fetchBytesPerSecond?: number | null;
}

/** A principal's byte-rate quota; null is unlimited. */
export interface Quota {
  principal: string;
  produceBytesPerSecond: number | null;
  fetchBytesPerSecond: number | null;
  updatedAt: number;
}

/**
 * The stable error codes, from the protocol's one error table (`SluiceApiError.code` is
 * typed `string`, since a newer server may add codes). The group and producer codes are
 * answers a client acts on: ILLEGAL_GENERATION and PARTITION_NOT_ASSIGNED mean a
 * rebalance moved on (heartbeat, take the new assignment); UNKNOWN_MEMBER means join
 * again; FENCED means a newer producer instance took over and this one must stop.
 */
export type SluiceErrorCode = ErrorCode;

/** The body of every error response. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    retriable: boolean;
    /** The field at fault, for `INVALID_REQUEST`. */
    field?: string;
    /** The limit that was passed, where one applies. */
    limit?: number | string;
    [detail: string]: unknown;
  };
}
