import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';

/**
 * The stream item of a Durable Streams stream (docs/design.md, "Durable Streams"), in the
 * Log table keyed by the stream's topic name, and every expression on it. Owned here
 * alone. The topic holds the records; this item holds what the protocol adds: the
 * content type, TTL or expiry, and the topic id the stream was created on, so one
 * strongly consistent read tells a request everything before it touches the log.
 */
export interface StreamItem {
  topicName: string;
  topicId: string;
  contentType: string;
  createdAt: number;
  /** Sliding time to live in seconds: the stream expires this long after its last read or write (`accessedAt`). */
  ttlSeconds?: number;
  /** Absolute expiry, ms since the epoch. */
  expiresAt?: number;
  /** The last read or write that counts for the TTL (HEAD does not). */
  accessedAt?: number;
}

const STREAM_SORT_KEY = 'stream';

function streamKey(topicName: string): { pk: string; sk: string } {
  return { pk: `stream#${topicName}`, sk: STREAM_SORT_KEY };
}

function fromStreamItem(item: Record<string, unknown>): StreamItem {
  return {
    topicName: String(item.topicName),
    topicId: String(item.topicId),
    contentType: String(item.contentType),
    createdAt: Number(item.createdAt),
    ...(item.ttlSeconds === undefined ? {} : { ttlSeconds: Number(item.ttlSeconds) }),
    ...(item.expiresAt === undefined ? {} : { expiresAt: Number(item.expiresAt) }),
    ...(item.accessedAt === undefined ? {} : { accessedAt: Number(item.accessedAt) }),
  };
}

/** The stream item of `topicName` (strongly consistent), or undefined. */
export async function readStreamItem(ctx: SluiceContext, topicName: string): Promise<StreamItem | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: streamKey(topicName), ConsistentRead: true }));
  return result.Item ? fromStreamItem(result.Item) : undefined;
}

/** Writes a new stream item; `exists` when one is there already (left alone). */
export async function putNewStreamItem(ctx: SluiceContext, stream: StreamItem): Promise<'created' | 'exists'> {
  try {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.log, Item: { ...streamKey(stream.topicName), ...stream }, ConditionExpression: 'attribute_not_exists(pk)' }));
    return 'created';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'exists';
    throw error;
  }
}

/** Deletes the stream item if it still names `topicId`; false when it did not (gone, or another stream's now). */
export async function deleteStreamItem(ctx: SluiceContext, topicName: string, topicId: string): Promise<boolean> {
  try {
    await ctx.ddb.send(
      new DeleteCommand({ TableName: ctx.tables.log, Key: streamKey(topicName), ConditionExpression: 'topicId = :id', ExpressionAttributeValues: { ':id': topicId } }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * Records a read or write for the sliding TTL. Only forward, and only on the same
 * stream: an older time or a re-created stream is left alone. One small write per access
 * of a stream with a TTL, none for other streams (the caller only asks for those).
 */
export async function touchStreamItem(ctx: SluiceContext, stream: Pick<StreamItem, 'topicName' | 'topicId'>, at: number): Promise<void> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: streamKey(stream.topicName),
        UpdateExpression: 'SET accessedAt = :at',
        ConditionExpression: 'topicId = :id AND (attribute_not_exists(accessedAt) OR accessedAt < :at)',
        ExpressionAttributeValues: { ':id': stream.topicId, ':at': at },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
