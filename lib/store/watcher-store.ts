import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { queryAll } from './batch-operations';

/**
 * The watcher item of the Log table, and every expression on it: one per WebSocket
 * connection waiting at the tail of one partition (docs/design.md, "Waiting at the tail").
 *
 *   pk = watch#<topicId>#<partition>   sk = <connectionId>
 *   topic, offset (notify once the high watermark is past it), expiresAt (ms),
 *   expiresAtSeconds (the table's TTL attribute)
 *
 * A partition's watchers share one partition key, so the notifier finds them with one
 * Query. The prefix keeps them apart from the partition's own items (`<topicId>#<p>`)
 * and from object refs (`obj#…`); DynamoDB's TTL removes a watcher nobody re-armed, and
 * readers ignore one past `expiresAt` before TTL gets to it.
 */
export const WATCH_KEY_PREFIX = 'watch#';

export interface Watcher {
  topicId: string;
  topic: string;
  partition: number;
  connectionId: string;
  /** The consumer's next offset: it is told once the high watermark is greater. */
  offset: number;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export function watcherPartitionKey(topicId: string, partition: number): string {
  return `${WATCH_KEY_PREFIX}${topicId}#${partition}`;
}

function watcherKey(topicId: string, partition: number, connectionId: string): { pk: string; sk: string } {
  return { pk: watcherPartitionKey(topicId, partition), sk: connectionId };
}

/** Arms (or re-arms, replacing the offset and expiry of) a connection's watch of a partition. */
export async function putWatcher(ctx: SluiceContext, watcher: Watcher): Promise<void> {
  await ctx.ddb.send(
    new PutCommand({
      TableName: ctx.tables.log,
      Item: {
        ...watcherKey(watcher.topicId, watcher.partition, watcher.connectionId),
        topic: watcher.topic,
        offset: watcher.offset,
        expiresAt: watcher.expiresAt,
        expiresAtSeconds: Math.ceil(watcher.expiresAt / 1000),
      },
    }),
  );
}

export type WatcherDeleteOutcome = 'deleted' | 're-armed';

/**
 * Forgets a watch that has fired, only if it still waits for `offset`: a re-arm in
 * between (a new offset) survives. A watcher already gone counts as deleted.
 */
export async function deleteFiredWatcher(ctx: SluiceContext, topicId: string, partition: number, connectionId: string, offset: number): Promise<WatcherDeleteOutcome> {
  try {
    await ctx.ddb.send(
      new DeleteCommand({
        TableName: ctx.tables.log,
        Key: watcherKey(topicId, partition, connectionId),
        ConditionExpression: 'attribute_not_exists(pk) OR #offset = :offset',
        ExpressionAttributeNames: { '#offset': 'offset' },
        ExpressionAttributeValues: { ':offset': offset },
      }),
    );
    return 'deleted';
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return 're-armed';
    throw error;
  }
}

/** Forgets a connection's watch of a partition whatever it waits for (the connection is gone). */
export async function deleteWatcher(ctx: SluiceContext, topicId: string, partition: number, connectionId: string): Promise<void> {
  await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.log, Key: watcherKey(topicId, partition, connectionId) }));
}

/**
 * The live watchers of a partition (strongly consistent, so a watcher armed before the
 * commit that triggers this read is seen); those past `expiresAt` are left out.
 */
export async function queryWatchers(ctx: SluiceContext, topicId: string, partition: number, now: number): Promise<Watcher[]> {
  const items = await queryAll(ctx, {
    TableName: ctx.tables.log,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': watcherPartitionKey(topicId, partition) },
    ConsistentRead: true,
  });
  return items
    .map((item) => ({
      topicId,
      topic: String(item.topic ?? ''),
      partition,
      connectionId: String(item.sk),
      offset: Number(item.offset),
      expiresAt: Number(item.expiresAt ?? 0),
    }))
    .filter((watcher) => watcher.expiresAt > now);
}
