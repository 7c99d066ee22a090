import type { TopicPartition } from './positions';
import type { AssignorName, Encoding, FetchedRecord, ResetPolicy } from './types';

/** A fetched record with where it came from. */
export interface ConsumerRecord extends FetchedRecord {
  topic: string;
  partition: number;
}

export interface SluiceConsumerOptions {
  /** The consumer group: needed for `topics` (group membership) and for commits. */
  groupId?: string;
  /** Join `groupId` subscribed to these topics; leave out and call `assign()` to pick partitions by hand. */
  topics?: string[];
  /** Commit the positions of records already iterated past every `autoCommitIntervalMs`, before a revoke and on `close()`; true by default. */
  autoCommit?: boolean;
  /** 5,000 by default, as in Kafka. */
  autoCommitIntervalMs?: number;
  /** Sent on join; the server's default (30 s) when omitted. */
  sessionTimeoutMs?: number;
  /** Where to start a partition the group never committed. Sent on join (the first member's setting becomes the group's, which then also decides where a member's position outside the log resets); also used for `assign()` without a committed offset and for resets in manual mode. `latest` by default. */
  resetPolicy?: ResetPolicy;
  assignor?: AssignorName;
  clientId?: string;
  /** Records per fetch, 1–10,000; 500 by default. */
  fetchMaxRecords?: number;
  /**
   * How long a fetch at the tail waits for new records (a long-poll); 10,000 by default (the server allows up to
   * 20,000). With the client's `watchUrl` the consumer waits on its watch connection instead, and long-polls only a
   * partition the server will not watch, or while the connection cannot be opened.
   */
  waitMs?: number;
  /**
   * At the tail, the least time from one fetch of a partition to the next: records committed meanwhile come in one
   * fetch, so a trickle costs a fetch per interval rather than a fetch per record (each fetch is an API Gateway
   * request, a Lambda invocation, a head read and a GET: about $2 a million). 0 by default: a partition is fetched as
   * soon as a commit is noticed. Kafka's `fetch.max.wait.ms` and Kinesis's five reads a second per shard make the
   * same trade of latency for cost; see docs/design.md, "Waiting at the tail".
   */
  tailFetchIntervalMs?: number;
  /** How keys, values and header values come: `base64` by default (lossless), or `utf8`. */
  encoding?: Encoding;
  /** Called after partitions were gained (group mode, and for `assign()`). */
  onAssign?(partitions: TopicPartition[]): void | Promise<void>;
  /** Called before partitions are dropped (after the auto-commit of their positions, if on). */
  onRevoke?(partitions: TopicPartition[]): void | Promise<void>;
  /** Progress and rebalance notes for a human or a logger. */
  note?(message: string): void;
}

/**
 * @internal How a bounded run (the CLI's `consume --group`) ends the iteration by itself;
 * not part of `SluiceConsumerOptions`.
 */
export interface ConsumerRunLimits {
  /** End after handing out this many records (the last batch is cut short). */
  maxRecords?: number;
  /**
   * Group mode: read no record at or past each partition's high watermark as of `start()`
   * (a partition added later: as of when it is gained), and end once a settled assignment
   * has reached them all and a commit of every held partition went through in the current
   * generation (a refused one means a rebalance: the new assignment is read first).
   */
  stopAtEnd?: boolean;
}
