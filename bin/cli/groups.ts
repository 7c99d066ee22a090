import type { GroupSummary, PartitionPosition, ResetTarget, TopicAssignment } from '../../lib/client/types';
import { type GlobalOptions, clientFor } from './common';
import { isoTime, out, table } from './output';

/** `sluice groups list | describe | offsets | reset-offsets | delete | delete-offsets`. */

export function assignmentText(assignment: TopicAssignment[]): string {
  const parts = assignment.filter((t) => t.partitions.length > 0).map((t) => `${t.topic}/${t.partitions.join(',')}`);
  return parts.length === 0 ? '-' : parts.join(' ');
}

export function positionsTable(partitions: PartitionPosition[], withLogStart = false): string {
  const sorted = [...partitions].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  const header = ['TOPIC', 'PARTITION', 'COMMITTED', 'POSITION', ...(withLogStart ? ['LOG-START-OFFSET'] : []), 'HIGH-WATERMARK', 'LAG'];
  return table(
    header,
    sorted.map((p) => [
      p.topic,
      p.partition,
      p.committedOffset ?? '-',
      p.position,
      ...(withLogStart ? [p.logStartOffset] : []),
      p.highWatermark,
      p.lag,
    ]),
  );
}

export async function listGroups(globals: GlobalOptions): Promise<void> {
  const groups = await clientFor(globals).listGroups();
  if (globals.json) return out(`${JSON.stringify({ groups })}\n`);
  if (groups.length === 0) return out('No groups.\n');
  await out(
    table(
      ['GROUP', 'STATE', 'GENERATION', 'MEMBERS', 'ASSIGNOR'],
      groups.map((g: GroupSummary) => [g.group, g.state, g.generation, g.members, g.assignor]),
    ),
  );
}

export async function describeGroup(name: string, globals: GlobalOptions): Promise<void> {
  const group = await clientFor(globals).describeGroup(name);
  if (globals.json) return out(`${JSON.stringify(group)}\n`);
  const members = [...(group.memberDetails ?? [])].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  let text =
    `Group:         ${group.group}\n` +
    `State:         ${group.state}\n` +
    `Generation:    ${group.generation}\n` +
    `Assignor:      ${group.assignor}\n` +
    `Reset policy:  ${group.resetPolicy}\n` +
    `Members:       ${group.members}\n\n`;
  text +=
    members.length === 0
      ? 'No live members.\n'
      : members.some((m) => m.clientId !== undefined || m.clientHost !== undefined)
        ? // Members that named themselves (Kafka members always do): who and, for Kafka ones, from where.
          table(
            ['MEMBER', 'TOPICS', 'ASSIGNMENT', 'LEASE-EXPIRES', 'CLIENT'],
            members.map((m) => [m.memberId, m.topics.join(',') || '-', assignmentText(m.assignment), isoTime(m.expiresAt), clientText(m)]),
          )
        : table(
            ['MEMBER', 'TOPICS', 'ASSIGNMENT', 'LEASE-EXPIRES'],
            members.map((m) => [m.memberId, m.topics.join(',') || '-', assignmentText(m.assignment), isoTime(m.expiresAt)]),
          );
  if ((group.partitions ?? []).length > 0) text += `\n${positionsTable(group.partitions)}`;
  text += `\nTotal lag: ${group.totalLag}\n`;
  await out(text);
}

/** A member's client id, and for a Kafka member the host it connected from: `billing-1 (kafka 10.0.0.7:51234)`. */
function clientText(member: { clientId?: string; clientHost?: string }): string {
  return `${member.clientId ?? '-'}${member.clientHost === undefined ? '' : ` (kafka ${member.clientHost})`}`;
}

export async function groupOffsets(name: string, opts: { topic?: string }, globals: GlobalOptions): Promise<void> {
  const offsets = await clientFor(globals).groupOffsets(name, opts.topic === undefined ? {} : { topic: opts.topic });
  if (globals.json) return out(`${JSON.stringify(offsets)}\n`);
  const body = offsets.partitions.length === 0 ? 'No partitions.\n' : positionsTable(offsets.partitions, true);
  await out(`${body}\nTotal lag: ${offsets.totalLag} (reset policy ${offsets.resetPolicy})\n`);
}

export interface ResetOffsetsOptions {
  topic: string;
  partitions?: number[];
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: number;
  toOffset?: number;
  dryRun?: boolean;
}

/** The one `--to-*` option given, as the API's target; undefined when none or several were given. */
export function resetTargetOf(opts: ResetOffsetsOptions): ResetTarget | undefined {
  const targets: ResetTarget[] = [
    ...(opts.toEarliest ? [{ type: 'earliest' as const }] : []),
    ...(opts.toLatest ? [{ type: 'latest' as const }] : []),
    ...(opts.toDatetime !== undefined ? [{ type: 'timestamp' as const, timestamp: opts.toDatetime }] : []),
    ...(opts.toOffset !== undefined ? [{ type: 'offset' as const, offset: opts.toOffset }] : []),
  ];
  return targets.length === 1 ? targets[0] : undefined;
}

/** `sluice groups reset-offsets`: the plan (or what was set) per partition, as kafka-consumer-groups --reset-offsets prints it. */
export async function resetOffsets(name: string, opts: ResetOffsetsOptions, to: ResetTarget, globals: GlobalOptions): Promise<void> {
  const answer = await clientFor(globals).resetGroupOffsets(name, {
    topic: opts.topic,
    to,
    ...(opts.partitions !== undefined && { partitions: opts.partitions }),
    ...(opts.dryRun && { dryRun: true }),
  });
  if (globals.json) return out(`${JSON.stringify(answer)}\n`);
  const rows = answer.partitions.map((p) => [
    answer.topic,
    p.partition,
    p.previousOffset ?? '-',
    `${p.offset}${p.clamped ? ' (clamped)' : ''}`,
    p.logStartOffset,
    p.highWatermark,
  ]);
  const text = table(['TOPIC', 'PARTITION', 'PREVIOUS-OFFSET', 'NEW-OFFSET', 'LOG-START-OFFSET', 'HIGH-WATERMARK'], rows);
  const n = answer.partitions.length;
  const summary = answer.dryRun
    ? `Dry run: nothing was written; without --dry-run group '${answer.group}' would be set as above.\n`
    : `Reset group '${answer.group}' on ${n} partition${n === 1 ? '' : 's'} of '${answer.topic}'.\n`;
  await out(`${text}\n${summary}`);
}

/** `sluice groups delete`. */
export async function deleteGroup(name: string, globals: GlobalOptions): Promise<void> {
  await clientFor(globals).deleteGroup(name);
  await out(globals.json ? `${JSON.stringify({ group: name, deleted: true })}\n` : `Deleted group '${name}' and its committed offsets.\n`);
}

/** `sluice groups delete-offsets`. */
export async function deleteGroupOffsets(name: string, topic: string, globals: GlobalOptions): Promise<void> {
  const answer = await clientFor(globals).deleteGroupOffsets(name, topic);
  if (globals.json) return out(`${JSON.stringify(answer)}\n`);
  const n = answer.partitions.length;
  await out(
    n === 0
      ? `Group '${name}' had no committed offsets of '${topic}'.\n`
      : `Deleted the committed offsets of group '${name}' on '${topic}': ${n} partition${n === 1 ? '' : 's'} (${answer.partitions.join(', ')}).\n`,
  );
}
