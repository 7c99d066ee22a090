/**
 * What a safety run records: every operation a client started, with its outcome as
 * the client saw it, plus what the harness itself knows about injected faults (a
 * crash it caused before the commit, a reply it hid). Times are milliseconds since
 * the run began, on one monotonic clock, so real-time order between operations that
 * did not overlap is known.
 */

/** ok: the client saw success; fail: a definite refusal (nothing was written); unknown: no answer or a 5xx. */
export type Outcome = 'ok' | 'fail' | 'unknown';

/** One attempt of one produce call. Retries of the same call share `sendId` and values. */
export interface SendAttempt {
  type: 'send';
  sendId: string;
  attempt: number;
  /** The client instance: a non-idempotent producer's name, or `<name>#<producerId>.<epoch>`. */
  producer: string;
  idempotent: boolean;
  producerId?: number;
  epoch?: number;
  /** The record values, one per record, unique across the run. */
  values: string[];
  /** The partition each record must land in (from its key). */
  partitions: number[];
  start: number;
  end: number;
  outcome: Outcome;
  /** The error code of a refusal, or what made the outcome unknown (`HTTP_500`, `NETWORK`, `CRASH`...). */
  code?: string;
  /** Per record, when ok (or when `hidden`): the offset the reply gave. */
  offsets?: number[];
  /** The reply said this was an exact retry of a committed call. */
  duplicate?: boolean;
  /** The harness knows the commit was never sent (a crash between the S3 write and the commit). */
  notCommitted?: boolean;
  /** The harness saw this call commit at `offsets`, but the client never got the reply (crash after the commit). */
  hidden?: boolean;
  /** The harness made sure a newer epoch of this producer existed before this attempt's commit was sent. */
  mustBeFenced?: boolean;
  /** kafka: a kafkajs producer through the Kafka gateway (kafka-clients.ts). */
  via: 'http' | 'lib' | 'kafka';
  /** The fault this attempt was part of, if any. */
  fault?: string;
  /** A compacted run's records: each one's key, and whether it is a tombstone (a null value; its id rides in the `id` header). */
  keys?: string[];
  tombstones?: boolean[];
}

/** POST /v1/producers with a name: a new epoch, fencing older instances. */
export interface ProducerInit {
  type: 'init';
  name: string;
  start: number;
  end: number;
  outcome: Outcome;
  producerId?: number;
  epoch?: number;
}

/**
 * One fetch of one partition by one consumer. `records` are [offset, value] pairs in answer order;
 * in a compacted run the value is the record's id (its value, or a tombstone's `id` header), and
 * `keys` and `tombstones` say, record by record, the key read and whether the value was null.
 */
export interface Poll {
  type: 'poll';
  consumer: string;
  partition: number;
  offset: number;
  start: number;
  end: number;
  outcome: Outcome;
  code?: string;
  records: [number, string][];
  highWatermark?: number;
  /** Where the next fetch starts (compacted runs): past the last record, and past any compacted hole after it. */
  nextOffset?: number;
  /**
   * Compacted runs: the log start an OFFSET_OUT_OF_RANGE refusal gave, where the reader goes on
   * from (as lib/client's fetcher does with resetPolicy 'earliest').
   */
  resetTo?: number;
  keys?: (string | null)[];
  tombstones?: boolean[];
}

/** A consumer (re)positioned itself on a partition: the next record it reads should be at `offset`. */
export interface Seek {
  type: 'seek';
  consumer: string;
  partition: number;
  offset: number;
  time: number;
  /** scan: a compacted run's scanner starting another pass over the partition from offset 0. */
  reason: 'start' | 'assigned' | 'rejoined' | 'scan';
  generation?: number;
}

/** A group member's offset commit. */
export interface GroupCommit {
  type: 'commit';
  consumer: string;
  memberId: string;
  generation: number;
  offsets: { partition: number; offset: number }[];
  start: number;
  end: number;
  outcome: Outcome;
  code?: string;
  /** Sent by a member whose lease the harness let lapse: must be refused. */
  zombie?: boolean;
}

/** A heartbeat or join answer: the generation and this member's assignment (null while rebalancing). */
export interface MembershipView {
  type: 'view';
  consumer: string;
  memberId: string;
  generation: number;
  assignment: number[] | null;
  start: number;
  end: number;
}

/** GET /v1/groups/{group}/offsets: the committed offsets a member starts from. */
export interface OffsetsRead {
  type: 'offsets';
  consumer: string;
  committed: { partition: number; offset: number | null }[];
  start: number;
  end: number;
}

/** A complete read of every partition after the workload stopped. */
export interface FinalRead {
  type: 'final-read';
  label: string;
  time: number;
  partitions: { partition: number; highWatermark: number; complete: boolean; records: [number, string][]; keys?: (string | null)[]; tombstones?: boolean[] }[];
}

/** One compactLog run of a compacted workload (forced, on the run's topic), as its caller saw it. */
export interface CompactionRun {
  type: 'compaction';
  compactor: string;
  start: number;
  end: number;
  /** ok: it returned; error: it threw (a storage fault, or a simulated crash). */
  outcome: 'ok' | 'error';
  error?: string;
  /** The fault this run was part of, if any (compaction-crash). */
  fault?: string;
  partitionsCompacted?: number;
  /** Partitions another run held the lease of. */
  partitionsLeased?: number;
  recordsDropped?: number;
  batchesWritten?: number;
  swapsRefused?: number;
}

export type HistoryEvent = SendAttempt | ProducerInit | Poll | Seek | GroupCommit | MembershipView | OffsetsRead | FinalRead | CompactionRun;

/** Consumers by role: readers fetch every partition directly; members read what their group assigns them. */
export interface ConsumerRoles {
  readers: string[];
  members: string[];
}

export interface History {
  events: HistoryEvent[];
  roles: ConsumerRoles;
  /** Set for a compacted workload (cleanup.policy=compact): the checker applies compaction's rules (compacted-checker.ts). */
  compaction?: { deleteRetentionMs: number };
}
