/**
 * Partition assignment for consumer groups: which member of a group reads which
 * topic-partitions. Pure functions, no I/O; the group coordinator calls
 * `assignPartitions` on each rebalance and stores the result with the new generation.
 *
 * The three assignors follow Kafka's client assignors:
 * - `range` (RangeAssignor): per topic, contiguous ranges to the topic's subscribers in memberId order.
 * - `roundrobin` (RoundRobinAssignor): all topic-partitions dealt in turn to members in memberId order.
 * - `sticky` (StickyAssignor / CooperativeStickyAssignor goals): balanced first, then as few
 *   partitions as possible moved away from their previous owner.
 *
 * Every result is deterministic: the order of `members`, of `topics`, of a member's topic list
 * and of the `previous` assignment's entries never changes it. Strings are compared by UTF-16
 * code unit, never by locale.
 */

import type { AssignorName, TopicAssignment } from '../protocol/responses';

// The names and the assignment shape are the wire contract's: members see them in join and describe answers.
export type { AssignorName, TopicAssignment };

export const ASSIGNORS: readonly AssignorName[] = Object.freeze(['range', 'roundrobin', 'sticky'] as const);

/** A topic and its partition count; its partitions are 0..partitions-1. */
export interface TopicPartitions {
  topic: string;
  partitions: number;
}

export interface MemberSubscription {
  memberId: string;
  topics: string[];
}

/**
 * memberId → the member's partitions. Every member of the group is present (possibly with
 * `[]`); topics are sorted and only topics with at least one partition are listed.
 */
export type Assignment = Record<string, TopicAssignment[]>;

export function isAssignorName(value: unknown): value is AssignorName {
  return typeof value === 'string' && (ASSIGNORS as readonly string[]).includes(value);
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A group's members and topics, validated and in canonical (sorted) order. */
interface Group {
  /** memberIds, sorted. */
  members: string[];
  /** Topic names that exist and have at least one subscriber, sorted. */
  topics: string[];
  partitionCount: Map<string, number>;
  /** topic → its subscribers among `members`, sorted. */
  subscribers: Map<string, string[]>;
  /** memberId → topics it subscribes to that exist. */
  subscriptions: Map<string, Set<string>>;
}

function normalize(members: readonly MemberSubscription[], topics: readonly TopicPartitions[]): Group {
  const partitionCount = new Map<string, number>();
  for (const { topic, partitions } of topics) {
    if (!Number.isSafeInteger(partitions) || partitions < 0) {
      throw new RangeError(`topic ${JSON.stringify(topic)}: partition count must be a non-negative integer, got ${partitions}`);
    }
    if (partitionCount.has(topic)) throw new RangeError(`topic ${JSON.stringify(topic)} is listed twice`);
    partitionCount.set(topic, partitions);
  }
  const subscriptions = new Map<string, Set<string>>();
  for (const { memberId, topics: subscribed } of members) {
    if (subscriptions.has(memberId)) throw new RangeError(`member ${JSON.stringify(memberId)} is listed twice`);
    // Unknown topics are ignored: a member may subscribe before a topic is created.
    subscriptions.set(memberId, new Set(subscribed.filter((t) => partitionCount.has(t))));
  }
  const sortedMembers = [...subscriptions.keys()].sort(compareStrings);
  const subscribers = new Map<string, string[]>();
  for (const memberId of sortedMembers) {
    for (const topic of subscriptions.get(memberId)!) {
      const list = subscribers.get(topic);
      if (list) list.push(memberId);
      else subscribers.set(topic, [memberId]);
    }
  }
  return {
    members: sortedMembers,
    topics: [...subscribers.keys()].sort(compareStrings),
    partitionCount,
    subscribers,
    subscriptions,
  };
}

/** Partitions owned by each member, as topic → partition list (any order). */
type Owned = Map<string, Map<string, number[]>>;

function emptyOwned(group: Group): Owned {
  return new Map(group.members.map((m) => [m, new Map<string, number[]>()]));
}

function push(byTopic: Map<string, number[]>, topic: string, partition: number): void {
  const list = byTopic.get(topic);
  if (list) list.push(partition);
  else byTopic.set(topic, [partition]);
}

function give(owned: Owned, memberId: string, topic: string, partition: number): void {
  push(owned.get(memberId)!, topic, partition);
}

function toAssignment(owned: Owned): Assignment {
  const entries = [...owned.entries()].sort(([a], [b]) => compareStrings(a, b));
  // Object.fromEntries defines own properties, so a memberId such as "__proto__" is a key like any other.
  return Object.fromEntries(
    entries.map(([memberId, byTopic]) => [
      memberId,
      [...byTopic.entries()]
        .filter(([, partitions]) => partitions.length > 0)
        .sort(([a], [b]) => compareStrings(a, b))
        .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((x, y) => x - y) })),
    ]),
  );
}

function rangeAssign(group: Group): Owned {
  const owned = emptyOwned(group);
  for (const topic of group.topics) {
    const subscribers = group.subscribers.get(topic)!;
    const n = group.partitionCount.get(topic)!;
    const m = subscribers.length;
    const base = Math.floor(n / m);
    const extra = n % m;
    let next = 0;
    subscribers.forEach((memberId, i) => {
      const count = base + (i < extra ? 1 : 0);
      for (let p = next; p < next + count; p++) give(owned, memberId, topic, p);
      next += count;
    });
  }
  return owned;
}

function roundRobinAssign(group: Group): Owned {
  const owned = emptyOwned(group);
  const ring = group.members;
  let cursor = 0;
  for (const topic of group.topics) {
    const n = group.partitionCount.get(topic)!;
    for (let p = 0; p < n; p++) {
      // The topic has a subscriber, so this stops within one turn of the ring.
      while (!group.subscriptions.get(ring[cursor % ring.length]!)!.has(topic)) cursor++;
      give(owned, ring[cursor % ring.length]!, topic, p);
      cursor++;
    }
  }
  return owned;
}

/**
 * The previous owner of each partition that can stay where it is: the owner is still a member,
 * still subscribes to the topic, and the partition still exists. Keyed `topic` → partition → owner.
 * A partition claimed by several members (a malformed previous assignment) goes to the smallest memberId.
 */
function validPreviousOwners(group: Group, previous: Assignment | undefined): Map<string, Map<number, string>> {
  const owners = new Map<string, Map<number, string>>();
  if (!previous) return owners;
  const claimants = Object.entries(previous).sort(([a], [b]) => compareStrings(a, b));
  for (const [memberId, topicAssignments] of claimants) {
    const subscribed = group.subscriptions.get(memberId);
    if (!subscribed || !Array.isArray(topicAssignments)) continue;
    for (const { topic, partitions } of topicAssignments) {
      if (!subscribed.has(topic)) continue;
      const n = group.partitionCount.get(topic)!;
      let byPartition = owners.get(topic);
      if (!byPartition) owners.set(topic, (byPartition = new Map()));
      for (const p of partitions) {
        if (Number.isInteger(p) && p >= 0 && p < n && !byPartition.has(p)) byPartition.set(p, memberId);
      }
    }
  }
  return owners;
}

/** One member's partitions during a sticky assignment, by topic. Empty lists are deleted. */
interface Holding {
  /** Partitions the member held in the previous assignment (moving one away costs a revocation). */
  retained: Map<string, number[]>;
  /** Partitions new to the member: unowned before, or taken over from another member. */
  fresh: Map<string, number[]>;
  load: number;
}

/**
 * Sticky assignment in three steps:
 * 1. every partition whose previous owner is still a member subscribed to its topic stays there;
 * 2. the remaining partitions, those of topics with the fewest subscribers first, each go to the
 *    least-loaded subscriber (ties: smallest memberId);
 * 3. while some partition could move from its owner to a subscriber of its topic with at least 2
 *    fewer partitions, the most-loaded such owner gives one away: a fresh partition (one it did
 *    not hold before) to the least-loaded subscriber that can take one, else a retained partition
 *    to the least-loaded subscriber that can take one.
 * Step 3 ends because each move lowers the sum of squared loads by at least 2, and it stops
 * exactly when the balance goal holds. Taking only from the most-loaded member makes it revoke
 * as few retained partitions as possible with identical subscriptions: step 2 leaves every member
 * that received a fresh partition within 1 of the minimum load, so sources only hold retained
 * partitions, and once a member has been brought down to ceil(P/M) no member is above it, so
 * the members that keep ceil(P/M) are those that retained the most.
 */
function stickyAssign(group: Group, previous: Assignment | undefined): Owned {
  const holdings = new Map<string, Holding>(group.members.map((m) => [m, { retained: new Map(), fresh: new Map(), load: 0 }]));
  const holding = (memberId: string) => holdings.get(memberId)!;
  const previousOwners = validPreviousOwners(group, previous);

  const unassigned: { topic: string; partition: number }[] = [];
  for (const topic of group.topics) {
    const n = group.partitionCount.get(topic)!;
    const owners = previousOwners.get(topic);
    for (let partition = 0; partition < n; partition++) {
      const owner = owners?.get(partition);
      if (owner === undefined) {
        unassigned.push({ topic, partition });
      } else {
        const h = holding(owner);
        push(h.retained, topic, partition);
        h.load++;
      }
    }
  }

  const subscriberCount = (topic: string) => group.subscribers.get(topic)!.length;
  // Stable sort: within equal subscriber counts, topic then partition order is kept.
  unassigned.sort((a, b) => subscriberCount(a.topic) - subscriberCount(b.topic));
  for (const { topic, partition } of unassigned) {
    let target: string | undefined;
    // Subscribers are sorted, so a strict comparison keeps the smallest memberId on ties.
    for (const m of group.subscribers.get(topic)!) if (target === undefined || holding(m).load < holding(target).load) target = m;
    const h = holding(target!);
    push(h.fresh, topic, partition);
    h.load++;
  }

  const byLoad = (direction: 1 | -1) => (a: string, b: string) => direction * (holding(a).load - holding(b).load) || compareStrings(a, b);
  const findMove = (): { from: string; to: string; topic: string; retained: boolean } | undefined => {
    const ascending = [...group.members].sort(byLoad(1));
    for (const from of [...group.members].sort(byLoad(-1))) {
      const fromHolding = holding(from);
      const targets = ascending.filter((m) => holding(m).load <= fromHolding.load - 2);
      // Every later source is no more loaded, so has no more targets.
      if (targets.length === 0) return undefined;
      for (const retained of [false, true]) {
        const topics = [...(retained ? fromHolding.retained : fromHolding.fresh).keys()];
        for (const to of targets) {
          const subscribed = group.subscriptions.get(to)!;
          const topic = topics.find((t) => subscribed.has(t));
          if (topic !== undefined) return { from, to, topic, retained };
        }
      }
    }
    return undefined;
  };

  for (let move = findMove(); move; move = findMove()) {
    const from = holding(move.from);
    const source = move.retained ? from.retained : from.fresh;
    const list = source.get(move.topic)!;
    const partition = list.pop()!;
    if (list.length === 0) source.delete(move.topic);
    from.load--;
    const to = holding(move.to);
    // A partition may come back to its previous owner after an earlier move: it is retained there again.
    push(previousOwners.get(move.topic)?.get(partition) === move.to ? to.retained : to.fresh, move.topic, partition);
    to.load++;
  }

  const owned = emptyOwned(group);
  for (const [memberId, h] of holdings) {
    for (const byTopic of [h.retained, h.fresh]) {
      for (const [topic, partitions] of byTopic) for (const p of partitions) give(owned, memberId, topic, p);
    }
  }
  return owned;
}

/**
 * Assigns every partition of every subscribed topic to exactly one member subscribed to it.
 * Topics nobody subscribes to stay unassigned; subscriptions to topics not in `topics` are
 * ignored. `previous` is used only by `sticky`. Throws a RangeError on a duplicate memberId,
 * a duplicate topic, or a partition count that is not a non-negative integer.
 */
export function assignPartitions(
  assignor: AssignorName,
  members: readonly MemberSubscription[],
  topics: readonly TopicPartitions[],
  previous?: Assignment,
): Assignment {
  const group = normalize(members, topics);
  switch (assignor) {
    case 'range':
      return toAssignment(rangeAssign(group));
    case 'roundrobin':
      return toAssignment(roundRobinAssign(group));
    case 'sticky':
      return toAssignment(stickyAssign(group, previous));
    default:
      throw new RangeError(`unknown assignor ${JSON.stringify(assignor satisfies never)}`);
  }
}

/** Owner of each partition in an assignment; a partition listed twice counts for the smallest memberId. */
function ownersOf(assignment: Assignment): Map<string, Map<number, string>> {
  const owners = new Map<string, Map<number, string>>();
  for (const [memberId, topicAssignments] of Object.entries(assignment).sort(([a], [b]) => compareStrings(a, b))) {
    for (const { topic, partitions } of topicAssignments) {
      let byPartition = owners.get(topic);
      if (!byPartition) owners.set(topic, (byPartition = new Map()));
      for (const p of partitions) if (!byPartition.has(p)) byPartition.set(p, memberId);
    }
  }
  return owners;
}

/**
 * Partitions that change owner between two assignments: what a rebalance costs. `from` is
 * null for a partition that had no owner (new, or its topic newly subscribed), `to` is null
 * for one that no longer has one. Sorted by topic, then partition.
 */
export function movedPartitions(
  previous: Assignment,
  next: Assignment,
): { topic: string; partition: number; from: string | null; to: string | null }[] {
  const before = ownersOf(previous);
  const after = ownersOf(next);
  const topics = [...new Set([...before.keys(), ...after.keys()])].sort(compareStrings);
  const moved: { topic: string; partition: number; from: string | null; to: string | null }[] = [];
  for (const topic of topics) {
    const was = before.get(topic) ?? new Map<number, string>();
    const is = after.get(topic) ?? new Map<number, string>();
    const partitions = [...new Set([...was.keys(), ...is.keys()])].sort((a, b) => a - b);
    for (const partition of partitions) {
      const from = was.get(partition) ?? null;
      const to = is.get(partition) ?? null;
      if (from !== to) moved.push({ topic, partition, from, to });
    }
  }
  return moved;
}
