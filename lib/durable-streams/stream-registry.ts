import type { SluiceContext } from '../core/context';
import { SluiceError, TopicExistsError, TopicNotFoundError } from '../core/errors';
import { createTopic, deleteTopic } from '../topics/topic-service';
import { cachedTopic, refreshTopic } from '../topics/topic-repository';
import { readHead, type PartitionHead } from '../store/partition-head-store';
import { deleteStreamItem, putNewStreamItem, readStreamItem, touchStreamItem, type StreamItem } from '../store/stream-item-store';
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

/**
 * The stream at `path` (topic `topicName`), or undefined when there is none: never
 * created, deleted, expired (then deleted now, so its name is free), or its topic gone.
 */
export async function findStream(ctx: SluiceContext, path: string, topicName: string): Promise<OpenStream | undefined> {
  const item = await readStreamItem(ctx, topicName);
  if (!item) return undefined;
  if (isExpired(item, ctx.now())) {
    await removeStream(ctx, item);
    return undefined;
  }
  let topic: Topic;
  try {
    topic = await cachedTopic(ctx, topicName);
    if (topic.topicId !== item.topicId) topic = await refreshTopic(ctx, topicName);
  } catch (error) {
    if (error instanceof TopicNotFoundError) return undefined;
    throw error;
  }
  // The topic was deleted and re-created under the stream item (through the Kafka-style API): not this stream any more.
  if (topic.topicId !== item.topicId) return undefined;
  return { path, item, topic };
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
  const existing = await findStream(ctx, path, topicName);
  if (existing) return { kind: 'exists', stream: existing };
  let topic: Topic;
  try {
    topic = await createTopic(ctx, { name: topicName, partitions: 1, config: { ...STREAM_TOPIC_CONFIG } });
  } catch (error) {
    if (!(error instanceof TopicExistsError)) throw error;
    topic = await refreshTopic(ctx, topicName);
    const head = await readHead(ctx, topic.topicId, 0);
    if (topic.partitions !== 1 || head.nextOffset > 0 || head.closedAt !== undefined) throw new StreamExistsError(path, 'topic (a topic of that name exists)');
  }
  const item: StreamItem = {
    topicName,
    topicId: topic.topicId,
    contentType: settings.contentType,
    createdAt: ctx.now(),
    ...(settings.ttlSeconds === undefined ? {} : { ttlSeconds: settings.ttlSeconds }),
    ...(settings.expiresAt === undefined ? {} : { expiresAt: settings.expiresAt }),
  };
  if ((await putNewStreamItem(ctx, item)) === 'created') return { kind: 'created', stream: { path, item, topic } };
  // Another create won the race: compare with what it made.
  const winner = await findStream(ctx, path, topicName);
  if (!winner) throw new StreamNotFoundError(path);
  return { kind: 'exists', stream: winner };
}

/** What differs between a stream and a create's settings and closure (undefined: the same, so the create is idempotent). */
export function settingsDifference(stream: OpenStream, head: PartitionHead, settings: StreamSettings, closed: boolean): string | undefined {
  if (mediaTypeOf(stream.item.contentType) !== mediaTypeOf(settings.contentType)) return 'content type';
  if (stream.item.ttlSeconds !== settings.ttlSeconds) return 'Stream-TTL';
  if (stream.item.expiresAt !== settings.expiresAt) return 'Stream-Expires-At';
  if ((head.closedAt !== undefined) !== closed) return 'closure status';
  return undefined;
}

/** Deletes the stream: its item, then its topic (whose records the topic cleanup removes). */
export async function removeStream(ctx: SluiceContext, item: StreamItem): Promise<void> {
  await deleteStreamItem(ctx, item.topicName, item.topicId);
  try {
    const topic = await cachedTopic(ctx, item.topicName);
    if (topic.topicId === item.topicId) await deleteTopic(ctx, item.topicName);
  } catch (error) {
    if (!(error instanceof TopicNotFoundError)) throw error;
  }
}
