import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { IncomingRecord } from '../api/record-encoding';
import type { SluiceContext } from '../context';
import { CommitContendedError, TopicNotFoundError, ValidationError } from '../errors';
import { encodeSegmentObject, type PartitionBatch } from '../format/segment-object';
import { LIMITS } from '../limits';
import { assignPartitions } from '../partitioner/partitioner';
import type { LogRecord } from '../records/log-record';
import { segmentObjectKey } from '../storage/object-keys';
import { timestampType } from '../topics/topic-config';
import { getTopic } from '../topics/topic-repository';
import { commitBatches, type PendingBatch } from './commit-batches';

export interface ProducedRecord {
  partition: number;
  offset: number;
  timestamp: number;
}

export interface ProduceResult {
  topic: string;
  records: ProducedRecord[];
}

/**
 * Appends a call's records: one S3 object holding a batch per partition touched,
 * then one DynamoDB transaction that assigns offsets to all of them. Returns only
 * after both, so a 2xx answer means durable and committed.
 */
export async function produce(ctx: SluiceContext, topicName: string, incoming: readonly IncomingRecord[]): Promise<ProduceResult> {
  const topic = await getTopic(ctx, topicName);
  incoming.forEach((record, i) => {
    if (record.partition !== undefined && record.partition >= topic.partitions) {
      throw new ValidationError(`records[${i}].partition: topic '${topic.name}' has partitions 0..${topic.partitions - 1}`, {
        field: `records[${i}].partition`,
        limit: topic.partitions - 1,
      });
    }
  });
  const partitionOf = assignPartitions(incoming, topic.partitions, ctx.random);
  const touched = [...new Set(partitionOf)].sort((a, b) => a - b);
  if (touched.length > LIMITS.partitionsPerProduceMax) {
    throw new ValidationError(
      `records: one call may write to at most ${LIMITS.partitionsPerProduceMax} partitions, this one writes to ${touched.length}; split the batch`,
      { field: 'records', limit: LIMITS.partitionsPerProduceMax },
    );
  }

  const appendTime = ctx.now();
  const logAppendTime = timestampType(topic.config) === 'LogAppendTime';
  const stored: LogRecord[] = incoming.map((r) => ({
    key: r.key,
    value: r.value,
    headers: r.headers,
    timestamp: logAppendTime ? appendTime : (r.timestamp ?? appendTime),
  }));
  const positions = new Map<number, number[]>(touched.map((p) => [p, []]));
  partitionOf.forEach((p, i) => positions.get(p)!.push(i));
  const batches: PartitionBatch[] = touched.map((partition) => ({
    partition,
    records: positions.get(partition)!.map((i) => stored[i]!),
  }));

  const object = encodeSegmentObject(batches);
  const objectKey = segmentObjectKey(ctx.newId(), appendTime);
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: objectKey, Body: object.body, ContentType: 'application/octet-stream' }));

  const pending: PendingBatch[] = batches.map((batch) => ({
    partition: batch.partition,
    recordCount: batch.records.length,
    objectKey,
    ...object.ranges.get(batch.partition)!,
    firstTimestamp: batch.records[0]!.timestamp,
    maxTimestamp: Math.max(...batch.records.map((r) => r.timestamp)),
  }));
  let baseOffsets: Map<number, number>;
  try {
    baseOffsets = await commitBatches(ctx, topic, pending);
  } catch (error) {
    // Only when the commit surely did not happen is the object surely unreferenced; an
    // unknown outcome (a network error) leaves it to the orphan collector, which checks.
    if (error instanceof TopicNotFoundError || error instanceof CommitContendedError) {
      await ctx.s3.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: objectKey })).catch(() => undefined);
    }
    throw error;
  }

  const records: ProducedRecord[] = new Array(incoming.length);
  for (const [partition, indexes] of positions) {
    const base = baseOffsets.get(partition)!;
    indexes.forEach((i, n) => (records[i] = { partition, offset: base + n, timestamp: stored[i]!.timestamp }));
  }
  return { topic: topic.name, records };
}
