import type { SluiceContext } from '../core/context';
import { SluiceError, TopicExistsError, TopicNotFoundError } from '../core/errors';
import { createTopic, deleteTopic } from '../topics/topic-service';
import { cachedTopic, refreshTopic } from '../topics/topic-repository';
import { startEmptyHead, type PartitionHead } from '../store/partition-head-store';
import { deleteStreamItem, putNewStreamItem, readStreamItem, softDeleteStreamItem, touchStreamItem, type StreamItem } from '../store/stream-item-store';
import type { Topic } from '../store/topic-item';
import { mediaTypeOf } from '../protocol/durable-streams';

/**
 * Durable Streams streams as Sluice topics (docs/design.md, "Durable Streams"): a stream
 * is a topic of one partition, named after its path, that keeps its records forever
 * (`retention.ms` -1), plus the stream item that holds what the protocol adds.
 */

export class StreamNotFoundError extends SluiceError {
  constructor(path: string) {
    super('STREAM_NOT_FOUND', `No stream at '${path}'`);
  }
}

export class StreamExistsError extends SluiceError {
  constructor(path: string, difference: string) {
    super('STREAM_EXISTS', `A stream exists at '${path}' with another ${difference}`);
  }
}

/** A soft-deleted stream (deleted while forks read it): refused on its own path (protocol 4.2, 5.4). */
export class StreamGoneError extends SluiceError {
  constructor(path: string) {
    super('STREAM_GONE', `The stream at '${path}' was deleted; its data is kept only for its forks`);
  }
}

/** The config of a stream's topic: kept forever, one partition, no compaction. */
export const STREAM_TOPIC_CONFIG: Record<string, string> = { 'retention.ms': '-1', 'retention.bytes': '-1', 'cleanup.policy': 'delete' };

export interface StreamSettings {
  contentType: string;
  ttlSeconds?: number;
  expiresAt?: number;
}

/** A stream as a request finds it: its item, and its topic (the same id). */
export interface OpenStream {
  path: string;
  item: StreamItem;
  topic: Topic;
}

/** Whether the stream's TTL or expiry has passed at `now`; an expired stream is as if deleted. */
export function isExpired(item: StreamItem, now: number): boolean {
  if (item.expiresAt !== undefined && now >= item.expiresAt) return true;
  if (item.ttlSeconds !== undefined && now >= (item.accessedAt ?? item.createdAt) + item.ttlSeconds * 1000) return true;
  return false;
}

export type StreamLookup =
  | { kind: 'open'; stream: OpenStream }
  /** Soft-deleted: gone to clients, kept for its forks. */
  | { kind: 'gone'; item: StreamItem }
  | { kind: 'missing' };

/**
 * The stream at `path` (topic `topicName`): open; gone (soft-deleted, its forks still
 * reading it); or missing: never created, deleted, expired (then deleted now, or
 * soft-deleted if it has forks), or its topic gone. A soft-deleted stream whose last fork
 * went without removing it (a crash between the two) is removed here.
 */
export async function lookupStream(ctx: SluiceContext, path: string, topicName: string): Promise<StreamLookup> {
  const item = await readStreamItem(ctx, topicName);
  if (!item) return { kind: 'missing' };
  if (item.deletedAt !== undefined) {
    if ((item.forkCount ?? 0) > 0) return { kind: 'gone', item };
    return (await dropStream(ctx, item)) === 'soft-deleted' ? { kind: 'gone', item } : { kind: 'missing' };
  }
  if (isExpired(item, ctx.now())) return (await dropStream(ctx, item)) === 'soft-deleted' ? { kind: 'gone', item } : { kind: 'missing' };
  let topic: Topic;
  try {
    topic = await cachedTopic(ctx, topicName);
    if (topic.topicId !== item.topicId) topic = await refreshTopic(ctx, topicName);
  } catch (error) {
    if (error instanceof TopicNotFoundError) return { kind: 'missing' };
    throw error;
  }
  // The topic was deleted and re-created under the stream item (through the Kafka-style API): not this stream any more.
  if (topic.topicId !== item.topicId) return { kind: 'missing' };
  return { kind: 'open', stream: { path, item, topic } };
}

/** The open stream at `path`, or undefined; a soft-deleted one is refused (410). */
export async function findStream(ctx: SluiceContext, path: string, topicName: string): Promise<OpenStream | undefined> {
  const found = await lookupStream(ctx, path, topicName);
  if (found.kind === 'gone') throw new StreamGoneError(path);
  return found.kind === 'open' ? found.stream : undefined;
}

export async function requireStream(ctx: SluiceContext, path: string, topicName: string): Promise<OpenStream> {
  const stream = await findStream(ctx, path, topicName);
  if (!stream) throw new StreamNotFoundError(path);
  return stream;
}

/** Records a read or write for a stream with a sliding TTL (nothing for others). */
export async function touchStream(ctx: SluiceContext, stream: OpenStream): Promise<void> {
  if (stream.item.ttlSeconds !== undefined) await touchStreamItem(ctx, stream.item, ctx.now());
}

export type CreateOutcome = { kind: 'created'; stream: OpenStream } | { kind: 'exists'; stream: OpenStream };

/**
 * Creates the stream, or finds the one there. The topic first, then the stream item
 * naming its id; a crash between the two leaves a topic without an item, which the next
 * create of the same path adopts (if it is still an empty, open stream-shaped topic).
 * A stream there already is answered as `exists` for the caller to compare.
 */
export async function createStream(ctx: SluiceContext, path: string, topicName: string, settings: StreamSettings): Promise<CreateOutcome> {
  const existing = await lookupStream(ctx, path, topicName);
  if (existing.kind === 'open') return { kind: 'exists', stream: existing.stream };
  if (existing.kind === 'gone') throw new SoftDeletedPathError(path);
  const topic = await createStreamTopic(ctx, path, topicName, 0);
  const item: StreamItem = {
    topicName,
    topicId: topic.topicId,
    contentType: settings.contentType,
    createdAt: ctx.now(),
    ...(settings.ttlSeconds === undefined ? {} : { ttlSeconds: settings.ttlSeconds }),
    ...(settings.expiresAt === undefined ? {} : { expiresAt: settings.expiresAt }),
  };
  if ((await putNewStreamItem(ctx, item)) === 'created') return { kind: 'created', stream: { path, item, topic } };
  return { kind: 'exists', stream: await createRaceWinner(ctx, path, topicName) };
}

/** Another create won the race to write the item: what it made, for the caller to compare with. */
export async function createRaceWinner(ctx: SluiceContext, path: string, topicName: string): Promise<OpenStream> {
  const winner = await lookupStream(ctx, path, topicName);
  if (winner.kind === 'gone') throw new SoftDeletedPathError(path);
  if (winner.kind === 'missing') throw new StreamNotFoundError(path);
  return winner.stream;
}

/** A create (PUT) at the path of a soft-deleted stream: the path stays taken until its forks are gone (protocol 4.2). */
export class SoftDeletedPathError extends StreamExistsError {
  constructor(path: string) {
    super(path, 'life: it was deleted and is kept for its forks, so the path cannot be re-created yet');
  }
}

/**
 * The topic of a new stream whose log starts at `start` (0, or a fork's offset), or an
 * orphan of an earlier create of the same path that crashed before its stream item
 * (adopted if one partition was never committed to; its head is moved to `start`).
 * A topic of that name with data is someone else's: refused.
 */
export async function createStreamTopic(
  ctx: SluiceContext,
  path: string,
  topicName: string,
  start: number,
  /** An orphan with data may still be this create's own (a fork's materialized prefix): says whether to adopt it. */
  adoptWithData?: (topic: Topic) => Promise<boolean>,
): Promise<Topic> {
  let topic: Topic;
  try {
    topic = await createTopic(ctx, { name: topicName, partitions: 1, config: { ...STREAM_TOPIC_CONFIG } });
    if (start === 0) return topic;
  } catch (error) {
    if (!(error instanceof TopicExistsError)) throw error;
    topic = await refreshTopic(ctx, topicName);
    if (topic.partitions !== 1) throw new StreamExistsError(path, 'topic (a topic of that name exists)');
  }
  if ((await startEmptyHead(ctx, topic, 0, start)) === 'not-empty' && !(await adoptWithData?.(topic))) {
    throw new StreamExistsError(path, 'topic (a topic of that name exists, with data)');
  }
  return topic;
}

/** What differs between a stream and a create's settings and closure (undefined: the same, so the create is idempotent). */
export function settingsDifference(stream: OpenStream, head: PartitionHead, settings: StreamSettings, closed: boolean): string | undefined {
  if (stream.item.fork) return 'origin (a fork is there; Stream-Forked-From)';
  return configDifference(stream, head, settings, closed);
}

/** What differs in content type, TTL, expiry or closure. */
export function configDifference(stream: OpenStream, head: PartitionHead, settings: StreamSettings, closed: boolean): string | undefined {
  if (mediaTypeOf(stream.item.contentType) !== mediaTypeOf(settings.contentType)) return 'content type';
  if (stream.item.ttlSeconds !== settings.ttlSeconds) return 'Stream-TTL';
  if (stream.item.expiresAt !== settings.expiresAt) return 'Stream-Expires-At';
  if ((head.closedAt !== undefined) !== closed) return 'closure status';
  return undefined;
}

/**
 * Deletes a stream (a DELETE, or its expiry): with no forks, its item (a fork's in one
 * transaction with the release of its count on its source), then its topic, whose
 * records the topic cleanup removes; then its source, if that was soft-deleted and this
 * was its last fork, and so on up the chain. With forks it is soft-deleted instead: the
 * item stays, marked, and so does its topic, which the forks read.
 * `gone`: it was deleted already (by a concurrent request).
 */
export async function dropStream(ctx: SluiceContext, item: StreamItem): Promise<'removed' | 'soft-deleted' | 'gone'> {
  // A fork may come or go between the two conditional writes; each write's condition tells, so a few rounds settle it.
  for (let round = 0; round < 5; round++) {
    const outcome = await deleteStreamItem(ctx, item);
    if (outcome === 'gone') return 'gone';
    if (outcome === 'deleted') {
      await deleteStreamTopic(ctx, item);
      if (item.fork) await collectSoftDeleted(ctx, item.fork.sourceTopicName, item.fork.sourceTopicId);
      return 'removed';
    }
    const soft = await softDeleteStreamItem(ctx, item, ctx.now());
    if (soft !== 'no-forks') return soft;
  }
  throw new SluiceError('COMMIT_CONTENDED', `Deleting '${item.topicName}' raced with fork creations and deletions; retry`);
}

/** Removes a soft-deleted stream whose last fork went (cascading up its own chain). */
async function collectSoftDeleted(ctx: SluiceContext, topicName: string, topicId: string): Promise<void> {
  const source = await readStreamItem(ctx, topicName);
  if (!source || source.topicId !== topicId || source.deletedAt === undefined || (source.forkCount ?? 0) > 0) return;
  await dropStream(ctx, source);
}

async function deleteStreamTopic(ctx: SluiceContext, item: StreamItem): Promise<void> {
  try {
    let topic = await cachedTopic(ctx, item.topicName);
    if (topic.topicId !== item.topicId) topic = await refreshTopic(ctx, item.topicName);
    if (topic.topicId === item.topicId) await deleteTopic(ctx, item.topicName);
  } catch (error) {
    if (!(error instanceof TopicNotFoundError)) throw error;
  }
}
