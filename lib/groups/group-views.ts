/**
 * The shapes of what the group routes answer, in a module that imports no storage
 * code, so the client library (lib/client/types.ts) can share them type-only without
 * its declarations pulling in the server.
 */
import type { TopicAssignment } from './assignors';

export interface MembershipView {
  group: string;
  memberId: string;
  generation: number;
  /** This member's partitions in the current generation. */
  assignment: TopicAssignment[];
  /** True while the coordinator has not yet computed a generation that includes exactly the live members. */
  rebalanceInProgress: boolean;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}

export interface PartitionPosition {
  topic: string;
  partition: number;
  /** The committed offset, or null when the group never committed this partition. */
  committedOffset: number | null;
  /** Where the group reads next: the committed offset, else the reset policy's end of the log. */
  position: number;
  logStartOffset: number;
  highWatermark: number;
  /** highWatermark − position. */
  lag: number;
}
