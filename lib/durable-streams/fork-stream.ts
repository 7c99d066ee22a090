import type { SluiceContext } from '../core/context';
import { SluiceError, ValidationError } from '../core/errors';
import { fetchRecords } from '../log/fetch-records';
import { produce } from '../log/produce';
import { OffsetMismatchError } from '../log/produce-errors';
import { readHead, type PartitionHead } from '../store/partition-head-store';
import { putForkItem, readStreamItem, type InheritedRange, type StreamFork, type StreamItem } from '../store/stream-item-store';
import type { Topic } from '../store/topic-item';
import { isJsonContentType, mediaTypeOf } from '../protocol/durable-streams';
import { readStream } from './read-stream';
import {
  SoftDeletedPathError,
  StreamExistsError,
  StreamNotFoundError,
  configDifference,
  createRaceWinner,
  createStreamTopic,
  lookupStream,
  type OpenStream,
  type StreamSettings,
} from './stream-registry';

/**
 * Stream forks (protocol 4.2; docs/design.md, "Durable Streams forks"). A fork is a new
 * stream, its own one-partition topic, whose log starts at the fork's offset: its
 * appends continue the source's offsets, with no translation, and its reads below that
 * offset go to the source's log (and up the chain) by the ranges its item records. No
 * record of the source is copied, except, for a byte sub-offset inside a record, that
 * record's first bytes, which become the fork's first own record.
 */

export class ForkSourceDeletedError extends SluiceError {
  constructor(path: string) {
    super('FORK_SOURCE_DELETED', `The stream at '${path}' was deleted (it is kept only for its forks) and cannot be forked`, { field: 'Stream-Forked-From' });
  }
}

export class ForkContentTypeError extends SluiceError {
  constructor(source: string, sent: string) {
    super('CONTENT_TYPE_MISMATCH', `Content-Type: the source stream's is '${source}', this fork's '${sent}'`, { field: 'Content-Type' });
  }
}

export interface ForkRequest {
  /** The fork's stream path and topic. */
  path: string;
  topicName: string;
  /** The source's stream path and topic (Stream-Forked-From). */
  sourcePath: string;
  sourceTopicName: string;
  /** Stream-Fork-Offset; undefined: the source's tail. */
  offset?: number;
  /** Stream-Fork-Sub-Offset (0 when absent). */
  subOffset: number;
  /** Content-Type as sent; undefined: the source's. */
  contentType?: string;
  ttlSeconds?: number;
  expiresAt?: number;
  /** Stream-Closed on the request: compared with an existing fork's closure. */
  closed: boolean;
}

export type ForkOutcome =
  /** Made: its tail (the fork offset, or one past it when a byte sub-offset's prefix was written). */
  | { kind: 'created'; stream: OpenStream; nextOffset: number }
  /** The same fork was there already (idempotent). */
  | { kind: 'exists'; stream: OpenStream; head: PartitionHead };

/**
 * Creates the fork, or finds the same one there. Order: the fork's topic, its head at
 * the fork's start, the sub-offset prefix if any (each retried or adopted by a later
 * create of the same path if a crash stops here), then one transaction that writes the
 * fork's item and takes its count on the source (conditional on the source being there
 * and not soft-deleted). Until that transaction the fork does not exist to anyone.
 */
export async function forkStream(ctx: SluiceContext, request: ForkRequest): Promise<ForkOutcome> {
  const existing = await lookupStream(ctx, request.path, request.topicName);
  if (existing.kind === 'gone') throw new SoftDeletedPathError(request.path);
  if (existing.kind === 'open') return sameFork(ctx, existing.stream, request);

  const found = await lookupStream(ctx, request.sourcePath, request.sourceTopicName);
  if (found.kind === 'gone') throw new ForkSourceDeletedError(request.sourcePath);
  if (found.kind === 'missing') throw new StreamNotFoundError(request.sourcePath);
  const source = found.stream;
  if (request.contentType !== undefined && mediaTypeOf(request.contentType) !== mediaTypeOf(source.item.contentType)) {
    throw new ForkContentTypeError(source.item.contentType, request.contentType);
  }
  const tail = (await readHead(ctx, source.topic.topicId, 0)).nextOffset;
  const offset = request.offset ?? tail;
  if (offset > tail) throw new ValidationError(`Stream-Fork-Offset: past the source stream's tail (${tail})`, { field: 'Stream-Fork-Offset' });
  const { start, prefix } = await divergence(ctx, source, offset, request.subOffset, tail);

  const topic = await createStreamTopic(ctx, request.path, request.topicName, start, prefix ? (t) => holdsPrefix(ctx, t, start, prefix) : undefined);
  if (prefix) await writePrefix(ctx, request.path, topic, start, prefix);
  const fork: StreamFork = {
    sourceTopicName: source.topic.name,
    sourceTopicId: source.topic.topicId,
    offset,
    ...(request.subOffset > 0 ? { subOffset: request.subOffset } : {}),
    start,
    inherited: inheritedRanges(source, start),
  };
  const settings = forkSettings(source.item, request);
  const item: StreamItem & { fork: StreamFork } = {
    topicName: request.topicName,
    topicId: topic.topicId,
    contentType: settings.contentType,
    createdAt: ctx.now(),
    ...(settings.ttlSeconds === undefined ? {} : { ttlSeconds: settings.ttlSeconds }),
    ...(settings.expiresAt === undefined ? {} : { expiresAt: settings.expiresAt }),
    fork,
  };
  switch (await putForkItem(ctx, item)) {
    case 'created':
      return { kind: 'created', stream: { path: request.path, item, topic }, nextOffset: prefix ? start + 1 : start };
    case 'exists':
      return sameFork(ctx, await createRaceWinner(ctx, request.path, request.topicName), request);
    case 'source-gone': {
      // Deleted (or soft-deleted) since it was read. The fork's topic stays as an orphan a later create of this path adopts.
      const now = await lookupStream(ctx, request.sourcePath, request.sourceTopicName);
      if (now.kind === 'gone') throw new ForkSourceDeletedError(request.sourcePath);
      throw new StreamNotFoundError(request.sourcePath);
    }
  }
}

/**
 * Where the fork's own log starts, and the bytes of its first own record when a byte
 * sub-offset falls inside a record. JSON: N messages past the anchor are N records
 * (one per message), so the start moves N on, up to the source's tail. Other types: the
 * first N bytes of the record at the anchor (one append, or its first 1 MiB piece): all
 * of it moves the start past it; fewer are copied as the prefix.
 */
async function divergence(ctx: SluiceContext, source: OpenStream, offset: number, subOffset: number, tail: number): Promise<{ start: number; prefix?: Uint8Array }> {
  if (subOffset === 0) return { start: offset };
  const overshoot = () => new ValidationError('Stream-Fork-Sub-Offset: names a position past the next data boundary of the source stream', { field: 'Stream-Fork-Sub-Offset' });
  if (isJsonContentType(source.item.contentType)) {
    if (offset + subOffset > tail) throw overshoot();
    return { start: offset + subOffset };
  }
  if (offset >= tail) throw overshoot();
  const read = await readStream(ctx, source, { kind: 'at', offset });
  const record = read.records[0];
  if (!record || record.offset !== offset) throw overshoot();
  const value = record.value ?? new Uint8Array();
  if (subOffset > value.byteLength) throw overshoot();
  if (subOffset === value.byteLength) return { start: offset + 1 };
  return { start: offset, prefix: Uint8Array.prototype.slice.call(value, 0, subOffset) };
}

/** The source's ranges below `start`: its own inherited ones, then its own log's, each cut at `start`. */
function inheritedRanges(source: OpenStream, start: number): InheritedRange[] {
  const own: InheritedRange = { topicName: source.topic.name, topicId: source.topic.topicId, from: source.item.fork?.start ?? 0, to: start };
  return [...(source.item.fork?.inherited ?? []), own].map((range) => ({ ...range, to: Math.min(range.to, start) })).filter((range) => range.from < range.to);
}

/** The fork's settings: the source's content type if none was sent; TTL or expiry by protocol 4.2's table. */
function forkSettings(source: StreamItem, request: ForkRequest): StreamSettings {
  const contentType = request.contentType ?? source.contentType;
  if (request.ttlSeconds !== undefined) return { contentType, ttlSeconds: request.ttlSeconds };
  if (request.expiresAt !== undefined) return { contentType, expiresAt: request.expiresAt };
  // Neither: the source's TTL value (a window of the fork's own), or its Expires-At.
  if (source.ttlSeconds !== undefined) return { contentType, ttlSeconds: source.ttlSeconds };
  if (source.expiresAt !== undefined) return { contentType, expiresAt: source.expiresAt };
  return { contentType };
}

/**
 * The sub-offset's prefix as the fork's first own record, through the log's produce,
 * conditional on landing exactly at `start`. An earlier attempt of this create may have
 * written it: then it is there already, and that is fine.
 */
async function writePrefix(ctx: SluiceContext, path: string, topic: Topic, start: number, prefix: Uint8Array): Promise<void> {
  try {
    await produce(ctx, topic.name, [{ key: null, value: prefix, headers: [], partition: 0 }], { expectedOffset: start });
  } catch (error) {
    if (!(error instanceof OffsetMismatchError)) throw error;
    if (!(await holdsPrefix(ctx, topic, start, prefix))) throw new StreamExistsError(path, 'topic (a topic of that name exists, with data)');
  }
}

/** Whether the topic's log is exactly the prefix at `start` (a crashed create of the same fork wrote it). */
async function holdsPrefix(ctx: SluiceContext, topic: Topic, start: number, prefix: Uint8Array): Promise<boolean> {
  const head = await readHead(ctx, topic.topicId, 0);
  if (head.logStartOffset !== start || head.nextOffset !== start + 1 || head.closedAt !== undefined) return false;
  const read = await fetchRecords(ctx, { topic: topic.name, partition: 0, offset: start, maxRecords: 1, maxBytes: prefix.byteLength + 1 });
  const value = read.records[0]?.value;
  return value !== undefined && value !== null && Buffer.from(value).equals(Buffer.from(prefix));
}

/**
 * A fork already at the path: the same one (200) if it forks the same source at the same
 * offset and sub-offset (an omitted offset matches: it meant the tail the first create
 * took), with the same content type, TTL or expiry (as inherited now, when the request
 * names neither) and closure; otherwise a 409 naming the difference.
 */
async function sameFork(ctx: SluiceContext, stream: OpenStream, request: ForkRequest): Promise<ForkOutcome> {
  const head = await readHead(ctx, stream.topic.topicId, 0);
  const fork = stream.item.fork;
  const differs = (what: string) => new StreamExistsError(request.path, what);
  if (!fork || fork.sourceTopicName !== request.sourceTopicName) throw differs('origin (Stream-Forked-From)');
  if (request.offset !== undefined && request.offset !== fork.offset) throw differs('Stream-Fork-Offset');
  if ((fork.subOffset ?? 0) !== request.subOffset) throw differs('Stream-Fork-Sub-Offset');
  const sourceItem = await readStreamItem(ctx, fork.sourceTopicName);
  const inheritFrom = sourceItem && sourceItem.topicId === fork.sourceTopicId ? sourceItem : undefined;
  const settings: StreamSettings = inheritFrom
    ? forkSettings(inheritFrom, request)
    : { contentType: request.contentType ?? stream.item.contentType, ...(request.ttlSeconds === undefined ? {} : { ttlSeconds: request.ttlSeconds }), ...(request.expiresAt === undefined ? {} : { expiresAt: request.expiresAt }) };
  // Without the source to inherit from, a request naming no TTL or expiry accepts the fork's.
  const compared = inheritFrom || request.ttlSeconds !== undefined || request.expiresAt !== undefined ? settings : { ...settings, ttlSeconds: stream.item.ttlSeconds, expiresAt: stream.item.expiresAt };
  const difference = configDifference(stream, head, compared, request.closed);
  if (difference) throw differs(difference);
  return { kind: 'exists', stream, head };
}
