import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { partitionOfKey } from '../../lib/store/partition-key';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { connectionPosterFromEnv } from '../../lib/store/connection-poster';
import { notifyWatchers } from '../../lib/watch/notify-watchers';
import { log, observability } from '../middleware/observability';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Log stream, head INSERT and MODIFY events of watched partitions only (the mapping's
 * filter requires `watchedUntil`): the backstop of produce's fast path. Per partition
 * that moved, once per batch at its highest high watermark, tells the connections
 * waiting below it (`ready`) and forgets their watches. Idempotent: a redelivered batch
 * finds the watchers gone, or re-armed above the offset, and posts nothing again.
 */
async function main(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  const ctx = contextFromEnv();
  const now = ctx.now();
  const moved = new Map<string, { topic: string; topicId: string; partition: number; highWatermark: number }>();
  const onRecord = async (record: DynamoDBRecord): Promise<void> => {
    const image = record.dynamodb?.NewImage;
    const topic = image?.topic?.S;
    const pk = image?.pk?.S;
    const next = image?.nextOffset?.N;
    if (topic === undefined || pk === undefined || next === undefined) return;
    // Marking a head watched changes no offset; nor does retention.
    if (record.dynamodb?.OldImage?.nextOffset?.N === next) return;
    // Every watcher armed before the mark expired: nobody can be waiting.
    if (Number(image?.watchedUntil?.N ?? 0) <= now) return;
    const { topicId, partition } = partitionOfKey(pk);
    const seen = moved.get(pk);
    if (!seen || seen.highWatermark < Number(next)) moved.set(pk, { topic, topicId, partition, highWatermark: Number(next) });
  };
  const response = await processPartialResponse(event, onRecord, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
  const poster = connectionPosterFromEnv();
  if (moved.size === 0 || !poster) return response;
  const byTopic = new Map<string, { name: string; topicId: string; partitions: { partition: number; highWatermark: number }[] }>();
  for (const m of moved.values()) {
    const entry = byTopic.get(m.topicId) ?? { name: m.topic, topicId: m.topicId, partitions: [] };
    entry.partitions.push({ partition: m.partition, highWatermark: m.highWatermark });
    byTopic.set(m.topicId, entry);
  }
  // A failure throws: the whole batch is retried (bounded by the mapping), which only repeats `ready`s.
  const results = await Promise.all([...byTopic.values()].map((topic) => notifyWatchers(ctx, poster, topic, topic.partitions)));
  log({
    level: 'INFO',
    message: 'notified watchers',
    partitions: moved.size,
    notified: results.reduce((n, r) => n + r.notified, 0),
    gone: results.reduce((n, r) => n + r.gone, 0),
  });
  return response;
}

export const handler = middy(main).use(observability());
