import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { CommitContendedError } from '../core/errors';
import { RETRY, withRetries } from '../core/retry';
import type { Cancellation } from './transaction-cancellation';
import { transactWrite, type TransactItem } from './transact-write';

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
  /** Present on a fork: where its data below `fork.start` comes from. Never changes. */
  fork?: StreamFork;
  /** Live forks of this stream (each holds one count from its creation until its deletion); absent: none. */
  forkCount?: number;
  /** Soft-deleted (ms since the epoch): deleted while forks still read it; gone to clients, kept for the forks. */
  deletedAt?: number;
}

/**
 * A fork's pointers into the logs it inherits (docs/design.md, "Durable Streams forks").
 * Offsets are shared with the source, so a range is just offsets of another topic's log.
 */
export interface StreamFork {
  /** The stream forked (its topic), as named by Stream-Forked-From, and the topic id it had then. */
  sourceTopicName: string;
  sourceTopicId: string;
  /** Stream-Fork-Offset as resolved (the source's tail when the request named none). */
  offset: number;
  /** Stream-Fork-Sub-Offset, when above 0. */
  subOffset?: number;
  /** The fork's own log starts here (its head's log start): offsets below are `inherited`. */
  start: number;
  /** The ranges below `start`, in offset order and gapless from the first: each a range of one topic's log. */
  inherited: InheritedRange[];
}

export interface InheritedRange {
  topicName: string;
  topicId: string;
  /** First offset read from this topic. */
  from: number;
  /** First offset past the range. */
  to: number;
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
    ...(item.fork === undefined ? {} : { fork: fromForkAttribute(item.fork as Record<string, unknown>) }),
    ...(item.forkCount === undefined ? {} : { forkCount: Number(item.forkCount) }),
    ...(item.deletedAt === undefined ? {} : { deletedAt: Number(item.deletedAt) }),
  };
}

function fromForkAttribute(fork: Record<string, unknown>): StreamFork {
  const inherited = (fork.inherited as Record<string, unknown>[] | undefined) ?? [];
  return {
    sourceTopicName: String(fork.sourceTopicName),
    sourceTopicId: String(fork.sourceTopicId),
    offset: Number(fork.offset),
    ...(fork.subOffset === undefined ? {} : { subOffset: Number(fork.subOffset) }),
    start: Number(fork.start),
    inherited: inherited.map((r) => ({ topicName: String(r.topicName), topicId: String(r.topicId), from: Number(r.from), to: Number(r.to) })),
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

export type DeleteItemOutcome =
  /** Gone; a fork's count on its source was released in the same transaction. */
  | 'deleted'
  /** Left alone: forks still read it (soft-delete it instead). */
  | 'has-forks'
  /** Not there, or another stream's now. */
  | 'gone';

const NO_FORKS = '(attribute_not_exists(forkCount) OR forkCount = :zero)';

/** A transaction DynamoDB cancelled for no failed condition (a conflict with a concurrent write, e.g. a TTL touch, or a throttle) is sent again. */
const CONTENDED_RETRY = { attempts: 8, baseDelayMs: 20, maxDelayMs: 500 };

async function transactConditions<Part extends string>(ctx: SluiceContext, parts: readonly (readonly [Part, TransactItem])[]): Promise<Cancellation<Part> | undefined> {
  return withRetries(
    ctx,
    CONTENDED_RETRY,
    async () => {
      const cancellation = await transactWrite(ctx, parts);
      return cancellation && cancellation.failed.size === 0 ? RETRY : cancellation;
    },
    (attempts) => new CommitContendedError(attempts),
  );
}

/**
 * Deletes the stream item if it still names its topic id and no fork counts on it. A
 * fork's item goes in one transaction with the release of its count on its source, so
 * the count is exactly the forks whose items exist. (A source item without the count to
 * release, which no path here leaves, does not hold the fork's deletion up.)
 */
export async function deleteStreamItem(ctx: SluiceContext, item: Pick<StreamItem, 'topicName' | 'topicId' | 'fork'>): Promise<DeleteItemOutcome> {
  const del = {
    TableName: ctx.tables.log,
    Key: streamKey(item.topicName),
    ConditionExpression: `topicId = :id AND ${NO_FORKS}`,
    ExpressionAttributeValues: { ':id': item.topicId, ':zero': 0 },
  };
  const plainDelete = async (): Promise<DeleteItemOutcome> => {
    try {
      await ctx.ddb.send(new DeleteCommand({ ...del, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
      return 'deleted';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return error.Item && String(error.Item.topicId?.S) === item.topicId ? 'has-forks' : 'gone';
      throw error;
    }
  };
  if (!item.fork) return plainDelete();
  const release: TransactItem = {
    Update: {
      TableName: ctx.tables.log,
      Key: streamKey(item.fork.sourceTopicName),
      UpdateExpression: 'SET forkCount = forkCount - :one',
      ConditionExpression: 'topicId = :id AND forkCount > :zero',
      ExpressionAttributeValues: { ':id': item.fork.sourceTopicId, ':one': 1, ':zero': 0 },
    },
  };
  const cancellation = await transactConditions(ctx, [
    ['item', { Delete: del }],
    ['release', release],
  ] as const);
  if (!cancellation) return 'deleted';
  // The fork's own condition failed: it has forks itself, or is gone; a read says which.
  if (cancellation.failed.has('item')) {
    const now = await readStreamItem(ctx, item.topicName);
    // Between the transaction and this read the last fork may have gone: the caller tries again.
    return now && now.topicId === item.topicId ? 'has-forks' : 'gone';
  }
  // The source holds no count for it: delete the fork alone.
  return plainDelete();
}

/**
 * Writes a fork's item and takes its count on the source, in one transaction: the source
 * must still be the stream of that topic id and not soft-deleted, so a fork never
 * counts on a stream already deleted, and a source never goes while a fork's item says
 * it reads it. `source-gone`: the source changed (the fork's item is not written).
 */
export async function putForkItem(ctx: SluiceContext, fork: StreamItem & { fork: StreamFork }): Promise<'created' | 'exists' | 'source-gone'> {
  const cancellation = await transactConditions(ctx, [
    ['item', { Put: { TableName: ctx.tables.log, Item: { ...streamKey(fork.topicName), ...fork }, ConditionExpression: 'attribute_not_exists(pk)' } }],
    [
      'source',
      {
        Update: {
          TableName: ctx.tables.log,
          Key: streamKey(fork.fork.sourceTopicName),
          UpdateExpression: 'SET forkCount = if_not_exists(forkCount, :zero) + :one',
          ConditionExpression: 'topicId = :id AND attribute_not_exists(deletedAt)',
          ExpressionAttributeValues: { ':id': fork.fork.sourceTopicId, ':zero': 0, ':one': 1 },
        },
      },
    ],
  ] as const);
  if (!cancellation) return 'created';
  return cancellation.failed.has('item') ? 'exists' : 'source-gone';
}

/**
 * Soft-deletes a stream that forks still read: sets `deletedAt` (kept if set) while it
 * names `topicId` and counts a fork. `no-forks`: the last fork went since the caller
 * looked (delete the item instead); `gone`: not there, or another stream's now.
 */
export async function softDeleteStreamItem(ctx: SluiceContext, item: Pick<StreamItem, 'topicName' | 'topicId'>, at: number): Promise<'soft-deleted' | 'no-forks' | 'gone'> {
  try {
    await ctx.ddb.send(
      new UpdateCommand({
        TableName: ctx.tables.log,
        Key: streamKey(item.topicName),
        UpdateExpression: 'SET deletedAt = if_not_exists(deletedAt, :at)',
        ConditionExpression: 'topicId = :id AND forkCount > :zero',
        ExpressionAttributeValues: { ':id': item.topicId, ':at': at, ':zero': 0 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return 'soft-deleted';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return error.Item && String(error.Item.topicId?.S) === item.topicId ? 'no-forks' : 'gone';
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
