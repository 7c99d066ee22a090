import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { queryAll } from './batch-operations';

/**
 * The watcher item of the Log table, and every expression on it: one per WebSocket
 * connection and topic, holding every partition of the topic the connection waits on
 * (docs/design.md, "Waiting at the tail").
 *
 *   pk = watch#<topicId>   sk = <connectionId>
 *   topic, expiresAt (ms), expiresAtSeconds (the table's TTL attribute),
 *   and per armed partition p an attribute `p<p>` = offset (notify once the high
 *   watermark is past it)
 *
 * One item per connection and topic, not per partition: arming any number of a topic's
 * partitions is one UpdateItem, and a connection's item is written when it arms, never
 * to keep it alive (its expiry outlives the connection). The partitions are top-level
 * attributes rather than a map, so one `SET` creates the item or adds to it alike (a
 * nested map path needs its map to exist first), and a fired partition is removed alone,
 * conditioned on its own offset. A topic's watchers share one partition key, so the
 * notifier finds every connection waiting on any of its partitions with one Query. The
 * prefix keeps them apart from the partitions' own items (`<topicId>#<p>`) and from
 * object refs (`obj#…`); DynamoDB's TTL removes an item whose connection is long gone,
 * and readers ignore one past `expiresAt` before TTL gets to it.
 *
 * Size: a partition takes about 8 bytes (its name and a number), so a connection waiting
 * on 256 partitions of a topic has an item of about 2 KB, far from DynamoDB's 400 KB.
 */
export const WATCH_KEY_PREFIX = 'watch#';

/** The attribute holding a partition's armed offset. */
export function partitionAttribute(partition: number): string {
  return `p${partition}`;
}

const PARTITION_ATTRIBUTE = /^p(\d+)$/;

export interface TopicWatcher {
  topicId: string;
  topic: string;
  connectionId: string;
  /** Partition → the consumer's next offset: it is told once that partition's high watermark is greater. */
  offsets: Map<number, number>;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface ArmedPartition {
  partition: number;
  offset: number;
}

export function watcherPartitionKey(topicId: string): string {
  return `${WATCH_KEY_PREFIX}${topicId}`;
}

function watcherKey(topicId: string, connectionId: string): { pk: string; sk: string } {
  return { pk: watcherPartitionKey(topicId), sk: connectionId };
}

/**
 * Arms (or re-arms, replacing the offset of) a connection's watches of `partitions` of a
 * topic, and sets the item's expiry: one UpdateItem whatever the number of partitions,
 * creating the item if the connection had none for this topic. Partitions armed before
 * and not named stay as they are.
 */
export async function armWatcher(
  ctx: SluiceContext,
  watcher: { topicId: string; topic: string; connectionId: string; partitions: readonly ArmedPartition[]; expiresAt: number },
): Promise<void> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':topic': watcher.topic, ':expiresAt': watcher.expiresAt, ':ttl': Math.ceil(watcher.expiresAt / 1000) };
  const sets = ['topic = :topic', 'expiresAt = :expiresAt', 'expiresAtSeconds = :ttl'];
  for (const { partition, offset } of new Map(watcher.partitions.map((p) => [p.partition, p])).values()) {
    // Short placeholders: 256 partitions stay well inside DynamoDB's 4 KB expression limit.
    names[`#p${partition}`] = partitionAttribute(partition);
    values[`:p${partition}`] = offset;
    sets.push(`#p${partition}=:p${partition}`);
  }
  await ctx.ddb.send(
    new UpdateCommand({
      TableName: ctx.tables.log,
      Key: watcherKey(watcher.topicId, watcher.connectionId),
      UpdateExpression: `SET ${sets.join(',')}`,
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    }),
  );
}

export type FiredWatchOutcome = 'removed' | 'not-waiting';

/**
 * Forgets a connection's watch of one partition that has fired, only if it still waits
 * for `offset`: a re-arm in between (a new offset) survives, and so do the connection's
 * other partitions. A watch (or item) already gone is `not-waiting`; nothing is created.
 */
export async function removeFiredWatch(ctx: SluiceContext, topicId: string, connectionId: string, partition: number, offset: number): Promise<FiredWatchOutcome> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: watcherKey(topicId, connectionId),
        UpdateExpression: 'REMOVE #p',
        ConditionExpression: '#p = :offset',
        ExpressionAttributeNames: { '#p': partitionAttribute(partition) },
        ExpressionAttributeValues: { ':offset': offset },
      }),
    );
    return 'removed';
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return 'not-waiting';
    throw error;
  }
}

/** Forgets a connection's watches of a topic, every partition, whatever they wait for (the connection is gone). */
export async function deleteWatcher(ctx: SluiceContext, topicId: string, connectionId: string): Promise<void> {
  await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.log, Key: watcherKey(topicId, connectionId) }));
}

/**
 * The live watchers of a topic (strongly consistent, so a watcher armed before the commit
 * that triggers this read is seen); those past `expiresAt` are left out. With
 * `partitions`, only watchers waiting on at least one of them, each with the offsets of
 * those partitions alone (the others are not even read off the wire).
 */
export async function queryWatchers(ctx: SluiceContext, topicId: string, now: number, partitions?: readonly number[]): Promise<TopicWatcher[]> {
  const wanted = partitions === undefined ? undefined : [...new Set(partitions)];
  const names: Record<string, string> = { '#sk': 'sk', '#topic': 'topic', '#expiresAt': 'expiresAt' };
  for (const p of wanted ?? []) names[`#p${p}`] = partitionAttribute(p);
  const items = await queryAll(ctx, {
    TableName: ctx.tables.log,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': watcherPartitionKey(topicId) },
    ConsistentRead: true,
    ...(wanted === undefined ? {} : { ProjectionExpression: Object.keys(names).join(','), ExpressionAttributeNames: names }),
  });
  const watchers: TopicWatcher[] = [];
  for (const item of items) {
    const offsets = new Map<number, number>();
    for (const [name, value] of Object.entries(item)) {
      const match = PARTITION_ATTRIBUTE.exec(name);
      if (match) offsets.set(Number(match[1]), Number(value));
    }
    const watcher: TopicWatcher = { topicId, topic: String(item.topic ?? ''), connectionId: String(item.sk), offsets, expiresAt: Number(item.expiresAt ?? 0) };
    if (watcher.expiresAt <= now) continue;
    if (wanted !== undefined && offsets.size === 0) continue;
    watchers.push(watcher);
  }
  return watchers;
}
