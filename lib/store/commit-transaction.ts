import type { SluiceContext } from '../core/context';
import { batchGetAll, type TableKey } from './batch-operations';
import { objectRefPut } from './object-ref-store';
import { commitHeadUpdate, fromHeadItem, headKey, isHeadItem, type PartitionHead } from './partition-head-store';
import { fromProducerItem, producerKey, type ProducerRecord } from './producer-item';
import { producerClaimCheck } from './producer-store';
import { fromProducerStateItem, isProducerStateItem, producerStatePut, producerStateKey, type ProducerPartitionState } from './producer-state-store';
import { indexItemPut, type SegmentIndexEntry } from './segment-index-store';
import { fromStreamProducerItem, isStreamProducerItem, streamProducerKey, streamProducerPut, type StreamProducerState } from './stream-producer-store';
import { topicIdCheck } from './topic-store';
import { transactWrite, type TransactItem } from './transact-write';

/**
 * The produce commit (docs/design.md, "Produce"): what it reads first, and its one
 * TransactWriteItems, built from typed inputs and answered as a typed outcome.
 */

/** What a commit reads first: each partition's head and, for an idempotent call, the producer's state and item. */
export interface CommitItems {
  heads: Map<number, PartitionHead | undefined>;
  producerStates: Map<number, ProducerPartitionState | undefined>;
  /** The Producers table item of `producerId`; undefined when none was asked for or it does not exist. */
  producer: ProducerRecord | undefined;
  /** A Durable Streams producer's state on the (one) partition, when one was asked for and exists. */
  streamProducer?: StreamProducerState;
}

/** One strongly consistent BatchGet across the Log and Producers tables (a commit needs at most 2 keys per partition plus one). */
export async function readCommitItems(
  ctx: SluiceContext,
  topicId: string,
  partitions: readonly number[],
  producerId?: number,
  /** A Durable Streams producer (`Producer-Id`) whose state on partition 0 the commit needs. */
  streamProducerId?: string,
): Promise<CommitItems> {
  const heads = new Map<number, PartitionHead | undefined>(partitions.map((p) => [p, undefined]));
  const producerStates = new Map<number, ProducerPartitionState | undefined>();
  const keys: TableKey[] = partitions.map((p) => ({ table: ctx.tables.log, key: headKey(topicId, p) }));
  if (producerId !== undefined) {
    for (const p of partitions) keys.push({ table: ctx.tables.log, key: producerStateKey(topicId, p, producerId) });
    keys.push({ table: ctx.tables.producers, key: producerKey(producerId) });
  }
  if (streamProducerId !== undefined) keys.push({ table: ctx.tables.log, key: streamProducerKey(topicId, streamProducerId) });
  let producer: ProducerRecord | undefined;
  let streamProducer: StreamProducerState | undefined;
  const partitionOf = (pk: unknown) => Number(String(pk).slice(topicId.length + 1));
  for (const { table, item } of await batchGetAll(ctx, keys)) {
    if (table === ctx.tables.producers) producer = fromProducerItem(item);
    else if (isHeadItem(item)) heads.set(partitionOf(item.pk), fromHeadItem(item));
    else if (isProducerStateItem(item)) producerStates.set(partitionOf(item.pk), fromProducerStateItem(item));
    else if (isStreamProducerItem(item)) streamProducer = fromStreamProducerItem(item);
  }
  return { heads, producerStates, producer, ...(streamProducer ? { streamProducer } : {}) };
}

export interface CommitWrite {
  topic: { name: string; topicId: string };
  objectKey: string;
  committedAt: number;
  /** An idempotent call's producer: its epoch must be current and the producer the principal's. */
  producer?: { producerId: number; epoch: number; principal: string };
  batches: readonly CommitBatchWrite[];
  /** The topic's `retention.bytes`, if it has one: a head taken past it is marked due at once. */
  retentionBytes?: number;
  /** A Durable Streams append (one batch): what its head update adds, and its producer's new state. */
  stream?: StreamCommitWrite;
}

export interface StreamCommitWrite {
  close?: { at: number; by?: string };
  writerSeq?: string;
  producer?: { id: string; previous: StreamProducerState | undefined; next: StreamProducerState };
}

export interface CommitBatchWrite {
  partition: number;
  /** The head as read; the commit applies only if it is still this (undefined: there was none). */
  head: PartitionHead | undefined;
  /** The batch's index entry, its offsets assigned from `head`. */
  entry: SegmentIndexEntry;
  /** For an idempotent call: the producer's state as read, and what this batch records in it. */
  producerState?: { previous: ProducerPartitionState | undefined; baseSequence: number; appendTime: number };
}

/**
 * - `committed`: every head moved, every index item, producer state and the ref item written.
 * - `topic-gone`: the topic was deleted, or re-created with another id; nothing was written.
 * - `outcome-unknown`: the object's ref item exists already, so an earlier attempt of this
 *   very commit landed (possible only if a retry was sent with a new request token); its
 *   offsets are not known here, so neither success nor failure may be claimed.
 * - `contended`: a head or producer state moved (another writer won), the producer was
 *   fenced or is not the principal's, or a concurrent transaction touched the same item;
 *   nothing was written: read again, decide again, and retry.
 */
export type CommitOutcome = { kind: 'committed' } | { kind: 'topic-gone' } | { kind: 'outcome-unknown' } | { kind: 'contended' };

type CommitPart = 'topic' | 'producer' | 'object-ref' | 'head' | 'index' | 'producer-state' | 'stream-producer';

export async function commitTransaction(ctx: SluiceContext, write: CommitWrite): Promise<CommitOutcome> {
  const { topic, producer } = write;
  const parts: [CommitPart, TransactItem][] = [['topic', topicIdCheck(ctx, topic)]];
  if (producer) parts.push(['producer', producerClaimCheck(ctx, producer)]);
  parts.push(['object-ref', objectRefPut(ctx, { objectKey: write.objectKey, committedAt: write.committedAt, batchCount: write.batches.length })]);
  for (const { partition, head, entry, producerState } of write.batches) {
    // The running maximum makes the byTime index monotonic in offset order, as Kafka's time index is.
    const runningMax = Math.max(head?.maxTimestamp ?? 0, entry.maxTimestamp);
    const bytesTotal = (head?.bytesTotal ?? 0) + entry.byteLength;
    const dueNow = write.retentionBytes !== undefined && bytesTotal - (head?.logStartBytes ?? 0) > write.retentionBytes;
    const stream = write.stream && { ...(write.stream.close ? { close: write.stream.close } : {}), ...(write.stream.writerSeq === undefined ? {} : { writerSeq: write.stream.writerSeq }) };
    const next = { nextOffset: entry.lastOffset + 1, maxTimestamp: runningMax, updatedAt: write.committedAt, bytesTotal, dueNow, ...(stream ? { stream } : {}) };
    parts.push(
      ['head', commitHeadUpdate(ctx, topic, partition, head, next)],
      ['index', indexItemPut(ctx, topic.topicId, partition, { ...entry, endBytes: bytesTotal }, runningMax)],
    );
    if (producer && producerState) {
      const batch = { baseSequence: producerState.baseSequence, recordCount: entry.recordCount, baseOffset: entry.baseOffset, appendTime: producerState.appendTime };
      parts.push(['producer-state', producerStatePut(ctx, topic.topicId, partition, producer, producerState.previous, batch, write.committedAt)]);
    }
  }
  const streamProducer = write.stream?.producer;
  if (streamProducer) parts.push(['stream-producer', streamProducerPut(ctx, topic.topicId, streamProducer.id, streamProducer.previous, streamProducer.next)]);
  const cancellation = await transactWrite(ctx, parts);
  if (!cancellation) return { kind: 'committed' };
  if (cancellation.failed.has('topic')) return { kind: 'topic-gone' };
  if (cancellation.failed.has('object-ref')) return { kind: 'outcome-unknown' };
  return { kind: 'contended' };
}
