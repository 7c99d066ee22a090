import type { SluiceHttpClient } from './sluice-http-client';
import { hasCode, withRetries } from './retry';
import { CALL_RETRIES } from './membership';
import type { ResetPolicy } from './types';

/**
 * A consumer's positions per partition: where the next fetch starts, what the caller has
 * consumed (what a commit sends), what the group has committed, and where a partition's
 * first position comes from (the group's offsets, else the reset policy's end).
 */

/** One partition of one topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A partition held by the consumer. */
export interface Assigned extends TopicPartition {
  key: string;
  /** The next offset to fetch. */
  position: number;
  /** One past the last record the iterator moved past: what a commit sends. */
  consumed: number;
  /** The committed offset as last known. */
  committed: number | null;
  highWatermark: number;
  /** Read no record at or past this offset (the high watermark as of the start, when the run stops there); Infinity otherwise. */
  end: number;
  paused: boolean;
  /** Bumped by seek, pause and revoke: fetch results of an older one are dropped. */
  gen: number;
  /** Bumped by seek only: records of a batch already handed out stop being yielded. */
  seekGen: number;
  fetch?: AbortController;
  notBefore: number;
  failures: number;
  /** The offset a tail watch is armed at (the partition waits on the consumer's watch connection), if one is. */
  armed?: number;
  /** The watch said the partition moved: fetch it (without waiting) even though it looked read to the end. */
  woken?: boolean;
  /** After a watch refusal: long-poll this partition instead, for the next wait (`once`) or while held (`always`). */
  longPoll?: 'once' | 'always';
}

/** Where a partition starts. */
export interface StartPosition {
  position: number;
  committed: number | null;
  highWatermark: number;
}

/** The server accepts at most this many offsets per commit. */
export const OFFSETS_PER_COMMIT = 98;

export const keyOf = (topic: string, partition: number): string => `${topic}#${partition}`;
export const tpOf = (a: TopicPartition): TopicPartition => ({ topic: a.topic, partition: a.partition });
export const byTp = (a: TopicPartition, b: TopicPartition): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

export function newAssigned(tp: TopicPartition, start: StartPosition, end: number): Assigned {
  const { topic, partition } = tp;
  const { position, committed, highWatermark } = start;
  return { topic, partition, key: keyOf(topic, partition), position, consumed: position, committed, highWatermark, end, paused: false, gen: 0, seekGen: 0, notBefore: 0, failures: 0 };
}

/** Moves a held partition to `offset` for fetching and committing, dropping what is in flight. */
export function moveTo(a: Assigned, offset: number): void {
  a.fetch?.abort();
  a.fetch = undefined;
  a.gen++;
  a.seekGen++;
  a.position = offset;
  a.consumed = offset;
}

/**
 * The start positions of some partitions of one topic: the group's (when there is a group
 * that knows the topic), else, for a partition it has none for (or, `manual`, none committed),
 * the reset policy's end of the log. Answers the group's reset policy too, when read.
 */
export async function startPositions(
  client: SluiceHttpClient,
  where: { groupId?: string; topic: string; partitions: number[]; policy: ResetPolicy; manual: boolean },
  signal: AbortSignal,
): Promise<{ starts: Map<number, StartPosition>; groupResetPolicy?: ResetPolicy }> {
  const { groupId, topic, partitions, policy, manual } = where;
  const retried = <T>(call: () => Promise<T>): Promise<T> => withRetries(call, { retries: CALL_RETRIES, signal });
  const fromGroup = new Map<number, StartPosition>();
  let groupResetPolicy: ResetPolicy | undefined;
  if (groupId) {
    try {
      const answer = await retried(() => client.groupOffsets(groupId, { topic }));
      groupResetPolicy = answer.resetPolicy;
      for (const p of answer.partitions) if (p.topic === topic) fromGroup.set(p.partition, { position: p.position, committed: p.committedOffset, highWatermark: p.highWatermark });
    } catch (err) {
      if (!hasCode(err, 'GROUP_NOT_FOUND')) throw err;
    }
  }
  const starts = new Map<number, StartPosition>();
  for (const partition of partitions) {
    let start = fromGroup.get(partition);
    if (!start || (start.committed === null && manual)) {
      const offsets = await retried(() => client.listOffsets(topic, partition));
      start = { position: policy === 'earliest' ? offsets.logStartOffset : offsets.highWatermark, committed: start?.committed ?? null, highWatermark: offsets.highWatermark };
    }
    starts.set(partition, start);
  }
  return { starts, ...(groupResetPolicy && { groupResetPolicy }) };
}

/** `t/0,1 u/2`: partitions grouped by topic, in order. */
export function partitionsText(tps: readonly TopicPartition[]): string {
  const byTopic = new Map<string, number[]>();
  for (const tp of [...tps].sort(byTp)) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  return [...byTopic].map(([topic, partitions]) => `${topic}/${partitions.join(',')}`).join(' ');
}

/** A held assignment for a note: `partitions t/0,1`, `partition t/0` or `no partitions`. */
export function assignmentText(tps: readonly TopicPartition[]): string {
  return tps.length === 0 ? 'no partitions' : `partition${tps.length === 1 ? '' : 's'} ${partitionsText(tps)}`;
}
