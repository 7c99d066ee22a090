/**
 * Seeding consumer groups for the console's browser tests: a live member (with a session
 * long enough to outlast the test, so no heartbeats are needed) and a group whose members
 * committed and left, which is Empty and so can be reset or deleted.
 */
import type { MembershipView, SluiceHttpClient } from '../../lib/client/index';

/** Joins and heartbeats until the member is in a generation with its assignment. */
export async function joinLive(client: SluiceHttpClient, group: string, topics: string[], clientId?: string): Promise<MembershipView> {
  let view = await client.joinGroup(group, { topics, sessionTimeoutMs: 300_000, ...(clientId ? { clientId } : {}) });
  for (let i = 0; view.rebalanceInProgress; i++) {
    if (i > 50) throw new Error(`${group}: the member was not assigned partitions`);
    await new Promise((r) => setTimeout(r, 100));
    view = await client.heartbeat(group, view.memberId);
  }
  return view;
}

/** Commits `offsets` as `member`. */
export async function commitAs(client: SluiceHttpClient, member: MembershipView, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
  await client.commitOffsets(member.group, { memberId: member.memberId, generation: member.generation, offsets });
}

/** A group that committed `offsets` and whose only member left: state Empty, generation at least 1. */
export async function emptyGroup(client: SluiceHttpClient, group: string, offsets: { topic: string; partition: number; offset: number }[]): Promise<void> {
  const member = await joinLive(client, group, [...new Set(offsets.map((o) => o.topic))]);
  await commitAs(client, member, offsets);
  await client.leaveGroup(group, member.memberId);
}

/** Produces `count` records to each of the partitions named. */
export async function fill(client: SluiceHttpClient, topic: string, counts: Record<number, number>): Promise<void> {
  const records = Object.entries(counts).flatMap(([partition, count]) => Array.from({ length: count }, (_, i) => ({ value: `r${i}`, partition: Number(partition) })));
  await client.produce(topic, { records });
}
