import type { PartitionOffsets, Topic } from '../../lib/client/types';
import { type GlobalOptions, clientFor } from './common';
import { configText, isoTime, out, table } from './output';

/** `sluice topics create | list | describe | offsets | alter | add-partitions | trim | delete`. */

export async function createTopic(name: string, opts: { partitions?: number; config?: [string, string][] }, globals: GlobalOptions): Promise<void> {
  const topic = await clientFor(globals).createTopic(name, {
    ...(opts.partitions !== undefined && { partitions: opts.partitions }),
    ...(opts.config && { config: Object.fromEntries(opts.config) }),
  });
  if (globals.json) return out(`${JSON.stringify(topic)}\n`);
  const configured = Object.keys(topic.config ?? {}).length > 0 ? ` (config ${configText(topic.config)})` : '';
  await out(`Created topic '${topic.name}' with ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}${configured}.\n`);
}

export async function listTopics(globals: GlobalOptions): Promise<void> {
  const topics = await clientFor(globals).listTopics();
  if (globals.json) return out(`${JSON.stringify({ topics })}\n`);
  if (topics.length === 0) return out('No topics.\n');
  await out(
    table(
      ['NAME', 'PARTITIONS', 'CREATED', 'CONFIG'],
      topics.map((t: Topic) => [t.name, t.partitions, isoTime(t.createdAt), configText(t.config ?? {})]),
    ),
  );
}

/**
 * The topic (describe: one read) and every partition's offsets (the topic offsets route),
 * asked together. `--json` prints the description with the offsets as `partitionOffsets`,
 * the shape describe answered when it carried them, so scripts reading it keep working.
 */
export async function describeTopic(name: string, globals: GlobalOptions): Promise<void> {
  const client = clientFor(globals);
  const [topic, offsets] = await Promise.all([client.describeTopic(name), client.listTopicOffsets(name)]);
  const partitions = [...offsets.partitions].sort((a, b) => a.partition - b.partition);
  if (globals.json) return out(`${JSON.stringify({ ...topic, partitionOffsets: partitions })}\n`);
  await out(
    `Topic:       ${topic.name}\n` +
      `Topic ID:    ${topic.topicId}\n` +
      `Partitions:  ${topic.partitions}\n` +
      `Created:     ${isoTime(topic.createdAt)}\n` +
      `Config:      ${configText(topic.config ?? {})}\n\n` +
      offsetsTable(partitions),
  );
}

/** `sluice topics offsets`: each partition's log start offset and high watermark (`--json`: the route's answer). */
export async function topicOffsets(name: string, globals: GlobalOptions): Promise<void> {
  const offsets = await clientFor(globals).listTopicOffsets(name);
  if (globals.json) return out(`${JSON.stringify(offsets)}\n`);
  await out(offsetsTable([...offsets.partitions].sort((a, b) => a.partition - b.partition)));
}

function offsetsTable(partitions: readonly PartitionOffsets[]): string {
  return table(
    ['PARTITION', 'LOG-START-OFFSET', 'HIGH-WATERMARK'],
    partitions.map((p) => [p.partition, p.logStartOffset, p.highWatermark]),
  );
}

/**
 * `sluice topics trim`: Kafka's DeleteRecords on the named partitions (every partition
 * without `--partition`), all at once. Prints each trimmed partition's offsets after; a
 * partition that failed (an offset past its high watermark) fails the command after the
 * others are printed, since their trims already took effect.
 */
export async function trimTopic(name: string, opts: { offset: number; partition?: number[] }, globals: GlobalOptions): Promise<void> {
  const client = clientFor(globals);
  const partitions = opts.partition ?? Array.from({ length: (await client.describeTopic(name)).partitions }, (_, p) => p);
  const outcomes = await Promise.allSettled([...new Set(partitions)].map((p) => client.trimPartition(name, p, opts.offset)));
  const trimmed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])).sort((a, b) => a.partition - b.partition);
  if (globals.json) await out(`${JSON.stringify({ topic: name, partitions: trimmed.map(({ topic: _, ...offsets }) => offsets) })}\n`);
  else if (trimmed.length > 0) await out(offsetsTable(trimmed));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}

export async function deleteTopic(name: string, globals: GlobalOptions): Promise<void> {
  await clientFor(globals).deleteTopic(name);
  await out(globals.json ? `${JSON.stringify({ topic: name, deleted: true })}\n` : `Deleted topic '${name}'.\n`);
}

/** `sluice topics alter`: sets (`--config`) and removes (`--delete-config`) config keys in one call; prints the topic's config after. */
export async function alterTopic(name: string, opts: { config?: [string, string][]; deleteConfig?: string[] }, globals: GlobalOptions): Promise<void> {
  // The command line refuses an empty change and a key both set and deleted (usage errors).
  const change: Record<string, string | null> = Object.fromEntries(opts.config ?? []);
  for (const key of opts.deleteConfig ?? []) change[key] = null;
  const topic = await clientFor(globals).alterTopicConfig(name, change);
  if (globals.json) return out(`${JSON.stringify(topic)}\n`);
  await out(`Altered topic '${topic.name}': config ${configText(topic.config ?? {})}.\n`);
}

/** `sluice topics add-partitions`: raises the partition count to `--count`, the new total. */
export async function addPartitions(name: string, opts: { count: number }, globals: GlobalOptions): Promise<void> {
  const topic = await clientFor(globals).createPartitions(name, opts.count);
  if (globals.json) return out(`${JSON.stringify(topic)}\n`);
  await out(`Topic '${topic.name}' now has ${topic.partitions} partitions; keyed records may map to other partitions from now on.\n`);
}
