import type { IncomingRecord } from '../records/record-encoding';
import { ANONYMOUS } from '../auth/principal';
import type { SluiceContext } from '../core/context';
import type { ProducedRecord, ProduceResponse } from '../protocol/responses';
import { CommitContendedError, TopicNotFoundError, ValidationError } from '../core/errors';
import { isObjectReferenced } from '../store/object-ref-store';
import { DuplicateSequenceError, FencedError, OffsetMismatchError, OutOfOrderSequenceError, ProducerAccessDeniedError, UnknownProducerError } from './produce-errors';
import { encodeSegmentObject, type PartitionBatch } from '../format/segment-object';
import { LIMITS } from '../protocol/limits';
import { assignPartitions } from '../protocol/partitioner';
import { recordSize, type LogRecord } from '../records/log-record';
import { segmentObjectKey } from '../store/object-keys';
import { deleteSegmentObjectQuietly, putSegmentObject } from '../store/segment-object-store';
import type { Topic } from '../store/topic-item';
import { compactionSettingsOf, compressionOf, timestampType } from '../protocol/topic-config';
import { cachedTopic, refreshTopic } from '../topics/topic-repository';
import { commitBatches, evaluate, evaluateStream, type CommitOptions, type PendingBatch } from './commit-batches';
import type { StreamAppend, StreamVerdict } from './stream-append-check';
import { ProducerEpochStaleError, ProducerSequenceGapError, StreamClosedError, StreamSeqRegressionError } from './stream-append-errors';
import { readCommitState } from './commit-state';
import type { ProducerClaim, SequenceVerdict } from './sequence-check';
import { recordMetric } from '../observability/metrics';
import { notifyAfterCommit } from '../watch/produce-fast-path';

// What the produce route answers: the wire contract's shapes (`duplicate`: an exact retry of an idempotent call already committed).
export type { ProducedRecord };
export type ProduceResult = ProduceResponse & {
  /** For a Durable Streams append found to be a retry of an accepted one: what that one left (nothing was written). */
  streamDuplicate?: Extract<StreamVerdict, { kind: 'duplicate' }>;
};

export interface ProduceOptions {
  producer?: { id: number; epoch: number; sequences: Record<string, number> };
  expectedOffset?: number;
  /** The caller, whom `producer.id` must have been issued to; `anonymous` when authentication is off. */
  principal?: string;
  /** A Durable Streams append (lib/durable-streams): closure, Stream-Seq and the protocol's producer, in the same commit. */
  stream?: StreamAppend;
}

/**
 * Appends a call's records: one S3 object holding a batch per partition touched,
 * then one DynamoDB transaction that assigns offsets to all of them. Returns only
 * after both, so a 2xx answer means durable and committed.
 */
export async function produce(
  ctx: SluiceContext,
  topicName: string,
  incoming: readonly IncomingRecord[],
  options: ProduceOptions = {},
): Promise<ProduceResult> {
  let topic = await cachedTopic(ctx, topicName);
  // The cached count may be stale (partitions added, or the topic re-created with more elsewhere): check before refusing.
  if (incoming.some((r) => r.partition !== undefined && r.partition >= topic.partitions)) topic = await refreshTopic(ctx, topicName);
  try {
    return await produceTo(ctx, topic, incoming, options);
  } catch (error) {
    if (!(error instanceof TopicNotFoundError)) throw error;
    // The commit's check found the cached topic's id gone: deleted, or deleted and
    // re-created. Read it once more; a re-created topic is written at once, a deleted one is 404.
    const fresh = await refreshTopic(ctx, topicName);
    if (fresh.topicId === topic.topicId) throw error;
    return produceTo(ctx, fresh, incoming, options);
  }
}

async function produceTo(ctx: SluiceContext, topic: Topic, incoming: readonly IncomingRecord[], options: ProduceOptions): Promise<ProduceResult> {
  const partitionOf = placeRecords(topic, incoming, ctx.random, options);
  const touched = [...new Set(partitionOf)].sort((a, b) => a - b);
  const claim = producerClaim(options, touched);
  const commitOptions: CommitOptions = { producer: claim, expectedOffset: options.expectedOffset, ...(options.stream ? { stream: options.stream } : {}) };
  const positions = new Map<number, number[]>(touched.map((p) => [p, []]));
  partitionOf.forEach((p, i) => positions.get(p)!.push(i));

  const appendTime = ctx.now();
  const stored = stamp(topic, incoming, appendTime);
  const batches: PartitionBatch[] = touched.map((partition) => ({
    partition,
    records: positions.get(partition)!.map((i) => stored[i]!),
    ...(claim ? { producer: { producerId: claim.producerId, producerEpoch: claim.epoch, baseSequence: claim.sequences.get(partition)! } } : {}),
  }));
  const object = encodeSegmentObject(batches, {
    topicId: topic.topicId,
    compression: compressionOf(topic.config),
    timestampType: timestampType(topic.config),
  });
  const objectKey = segmentObjectKey(ctx.newId(), appendTime);
  const pending: PendingBatch[] = batches.map((batch) => ({
    partition: batch.partition,
    recordCount: batch.records.length,
    ...object.ranges.get(batch.partition)!,
    firstTimestamp: batch.records[0]!.timestamp,
    maxTimestamp: Math.max(...batch.records.map((r) => r.timestamp)),
    ...recordBytesOf(batch.records),
  }));

  // The commit state is read while the object is written: one round trip, not two. Both
  // settle before anything is decided, so an object is never deleted before its PUT ends.
  const [written, read] = await Promise.allSettled([putSegmentObject(ctx, objectKey, object.body), readCommitState(ctx, topic.topicId, touched, claim, options.stream?.producer?.id)]);
  // A failed PUT commits nothing; whether the object landed is unknown, so the orphan collector decides.
  if (written.status === 'rejected') throw written.reason;
  let before: SequenceVerdict;
  let streamBefore: StreamVerdict;
  try {
    if (read.status === 'rejected') throw read.reason;
    streamBefore = evaluateStream(read.value, pending, commitOptions);
    before = streamBefore.kind === 'duplicate' ? { kind: 'append' } : evaluate(read.value, pending, commitOptions);
  } catch (error) {
    // Refused (fenced, foreign producer, sequence gap, offset mismatch) or unreadable
    // before any commit was tried: the object is surely unreferenced.
    await deleteSegmentObjectQuietly(ctx, objectKey);
    throw error;
  }
  if (streamBefore.kind === 'duplicate') {
    await deleteSegmentObjectQuietly(ctx, objectKey);
    return { topic: topic.name, records: [], duplicate: true, commitAttempts: 0, streamDuplicate: streamBefore };
  }
  if (before.kind === 'duplicate') {
    // An exact retry of a committed call: answered from the remembered offsets; its copy goes.
    await deleteSegmentObjectQuietly(ctx, objectKey);
    return answer(topic, incoming, positions, before.baseOffsets, before.appendTime, true, 0);
  }

  try {
    // The state read is at most one S3 write old; a stale read only costs a retry.
    const result = await commitBatches(ctx, topic, objectKey, pending, appendTime, commitOptions, read.value);
    if (result.streamDuplicate) {
      if (!(await isObjectReferenced(ctx, objectKey))) await deleteSegmentObjectQuietly(ctx, objectKey);
      return { topic: topic.name, records: [], duplicate: true, commitAttempts: result.attempts, streamDuplicate: result.streamDuplicate };
    }
    if (result.duplicateOf) {
      // Another copy of this call committed first. Ours is unreferenced unless that "copy"
      // was an earlier attempt of this very call: the ref item tells.
      if (!(await isObjectReferenced(ctx, objectKey))) await deleteSegmentObjectQuietly(ctx, objectKey);
      return answer(topic, incoming, positions, result.baseOffsets, result.duplicateOf.appendTime, true, result.attempts);
    }
    recordMetric('RecordsProduced', 'Count', incoming.length);
    recordMetric('BytesProduced', 'Bytes', object.body.byteLength);
    // Waiting at the tail (lib/watch): readers waiting on a watched partition hear now; never fails the produce.
    await notifyAfterCommit(ctx, topic, read.value.heads, touched.map((p) => ({ partition: p, highWatermark: result.baseOffsets.get(p)! + positions.get(p)!.length })));
    return answer(topic, incoming, positions, result.baseOffsets, appendTime, false, result.attempts);
  } catch (error) {
    // These refusals mean the commit surely did not happen, so the object is surely
    // unreferenced; any other outcome leaves it to the orphan collector, which checks.
    if (SURELY_NOT_COMMITTED.some((type) => error instanceof type) && !(await isObjectReferenced(ctx, objectKey))) await deleteSegmentObjectQuietly(ctx, objectKey);
    throw error;
  }
}

/** The record bytes (as fetch's maxBytes counts them) of a batch and of its first record, for the index item. */
function recordBytesOf(records: readonly LogRecord[]): { recordBytes: number; firstRecordBytes: number } {
  return { recordBytes: records.reduce((sum, r) => sum + recordSize(r), 0), firstRecordBytes: recordSize(records[0]!) };
}

function placeRecords(topic: Topic, incoming: readonly IncomingRecord[], random: () => number, options: ProduceOptions): number[] {
  const compacted = compactionSettingsOf(topic.config).compact;
  incoming.forEach((record, i) => {
    if (record.partition !== undefined && record.partition >= topic.partitions) {
      throw new ValidationError(`records[${i}].partition: topic '${topic.name}' has partitions 0..${topic.partitions - 1}`, {
        field: `records[${i}].partition`,
        limit: topic.partitions - 1,
      });
    }
    // As Kafka's broker: compaction keeps the latest record per key, so a record without one has no place in it.
    if (record.key === null && compacted) {
      throw new ValidationError(`records[${i}].key: topic '${topic.name}' is compacted (cleanup.policy ${topic.config['cleanup.policy']}); every record needs a key`, {
        field: `records[${i}].key`,
      });
    }
    if (options.producer && record.partition === undefined && record.key === null) {
      throw new ValidationError(
        `records[${i}].partition: an idempotent call must place every record, by key or explicit partition, so its sequences can name the partitions`,
        { field: `records[${i}].partition` },
      );
    }
  });
  const partitionOf = assignPartitions(incoming, topic.partitions, random);
  const touched = new Set(partitionOf).size;
  const limit = options.producer ? LIMITS.partitionsPerIdempotentProduceMax : LIMITS.partitionsPerProduceMax;
  if (touched > limit) {
    throw new ValidationError(`records: one call may write to at most ${limit} partitions, this one writes to ${touched}; split the batch`, {
      field: 'records',
      limit,
    });
  }
  if (options.expectedOffset !== undefined && touched !== 1) {
    throw new ValidationError(`expectedOffset: a conditional append must write to exactly one partition, this one writes to ${touched}`, {
      field: 'expectedOffset',
    });
  }
  return partitionOf;
}

function producerClaim(options: ProduceOptions, touched: readonly number[]): ProducerClaim | undefined {
  if (!options.producer) return undefined;
  const sequences = new Map<number, number>();
  for (const [key, sequence] of Object.entries(options.producer.sequences)) sequences.set(Number(key), sequence);
  const missing = touched.filter((p) => !sequences.has(p));
  const extra = [...sequences.keys()].filter((p) => !touched.includes(p));
  if (missing.length > 0 || extra.length > 0) {
    throw new ValidationError(
      `producer.sequences: must give a base sequence for exactly the partitions this call writes (${touched.join(', ')})` +
        (missing.length ? `; missing ${missing.join(', ')}` : '') +
        (extra.length ? `; not written: ${extra.join(', ')}` : ''),
      { field: 'producer.sequences' },
    );
  }
  return { producerId: options.producer.id, epoch: options.producer.epoch, principal: options.principal ?? ANONYMOUS, sequences };
}

function stamp(topic: Topic, incoming: readonly IncomingRecord[], appendTime: number): LogRecord[] {
  const logAppendTime = timestampType(topic.config) === 'LogAppendTime';
  return incoming.map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: logAppendTime ? appendTime : (r.timestamp ?? appendTime),
  }));
}

function answer(
  topic: Topic,
  incoming: readonly IncomingRecord[],
  positions: Map<number, number[]>,
  baseOffsets: Map<number, number>,
  appendTime: number,
  duplicate: boolean,
  commitAttempts: number,
): ProduceResult {
  const timestamps = stamp(topic, incoming, appendTime);
  const records: ProducedRecord[] = new Array(incoming.length);
  for (const [partition, indexes] of positions) {
    const base = baseOffsets.get(partition)!;
    indexes.forEach((i, n) => (records[i] = { partition, offset: base + n, timestamp: timestamps[i]!.timestamp }));
  }
  return { topic: topic.name, records, duplicate, commitAttempts };
}

const SURELY_NOT_COMMITTED = [
  TopicNotFoundError,
  StreamClosedError,
  StreamSeqRegressionError,
  ProducerEpochStaleError,
  ProducerSequenceGapError,
  CommitContendedError,
  FencedError,
  UnknownProducerError,
  ProducerAccessDeniedError,
  OutOfOrderSequenceError,
  DuplicateSequenceError,
  OffsetMismatchError,
];
