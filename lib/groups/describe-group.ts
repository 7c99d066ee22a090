import type { SluiceContext } from '../core/context';
import { listGroupMetas, readMembers, readMeta } from '../store/group-store';
import { GroupNotFoundError } from './group-errors';
import type { GroupDescription, GroupSummary } from '../protocol/responses';
import { groupPositions } from './group-offsets';

// What the list and describe routes answer: the wire contract's shapes.
export type { GroupDescription, GroupSummary };

/** Every group (a Scan of the meta items: fine for the tens of groups a deployment has), with its live member count and state. */
export async function listGroups(ctx: SluiceContext): Promise<GroupSummary[]> {
  const groups: GroupSummary[] = [];
  for (const meta of await listGroupMetas(ctx)) {
    const live = (await readMembers(ctx, meta.group)).filter((m) => m.expiresAt >= ctx.now()).map((m) => m.memberId);
    groups.push({ group: meta.group, generation: meta.generation, assignor: meta.assignor, members: live.length, state: stateOf(meta.members, live) });
  }
  return groups.sort((a, b) => (a.group < b.group ? -1 : 1));
}

/** The group, its live members and its positions; topics `visible` refuses (the caller may not describe them) are left out everywhere. */
export async function describeGroup(ctx: SluiceContext, group: string, visible: (topic: string) => boolean = () => true): Promise<GroupDescription> {
  const meta = await readMeta(ctx, group);
  if (!meta) throw new GroupNotFoundError(group);
  const now = ctx.now();
  const members = (await readMembers(ctx, group)).filter((m) => m.expiresAt >= now);
  const { partitions } = await groupPositions(ctx, group, undefined, visible);
  return {
    group,
    generation: meta.generation,
    assignor: meta.assignor,
    resetPolicy: meta.resetPolicy,
    members: members.length,
    state: stateOf(
      meta.members,
      members.map((m) => m.memberId),
    ),
    memberDetails: members.map((m) => ({
      memberId: m.memberId,
      topics: m.topics.filter(visible),
      expiresAt: m.expiresAt,
      assignment: meta.members.includes(m.memberId) ? (meta.assignment[m.memberId] ?? []).filter((a) => visible(a.topic)) : [],
      ...(m.clientId !== undefined && { clientId: m.clientId }),
      ...(m.clientHost !== undefined && { clientHost: m.clientHost }),
      ...(m.protocols !== undefined && { protocols: m.protocols.map((p) => p.name) }),
    })),
    partitions,
    totalLag: partitions.reduce((sum, p) => sum + p.lag, 0),
  };
}

function stateOf(generationMembers: readonly string[], live: readonly string[]): GroupSummary['state'] {
  if (live.length === 0 && generationMembers.length === 0) return 'Empty';
  const same = generationMembers.length === live.length && live.every((id) => generationMembers.includes(id));
  return same ? 'Stable' : 'Rebalancing';
}
