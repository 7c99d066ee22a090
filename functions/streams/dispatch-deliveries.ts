import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { dispatchPartitions } from '../../lib/push/dispatch';
import { deliverToTarget } from '../../lib/push/targets';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { log, observability } from '../middleware/observability';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Log stream, head INSERT and MODIFY events (commits): pushes the partitions that moved
 * to their subscriptions, once per batch. It never fails a record, so one bad target
 * cannot block the shard; a failed delivery waits in its lease for the next dispatch or
 * the sweep.
 */
async function main(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  const ctx = contextFromEnv();
  const moved = new Map<string, { topic: string; partition: number }>();
  const onRecord = async (record: DynamoDBRecord): Promise<void> => {
    const image = record.dynamodb?.NewImage;
    const topic = image?.topic?.S;
    const partition = image?.partition?.N;
    if (topic === undefined || partition === undefined) return;
    if (record.dynamodb?.OldImage?.nextOffset?.N === image?.nextOffset?.N) return;
    moved.set(`${topic}#${partition}`, { topic, partition: Number(partition) });
  };
  const response = await processPartialResponse(event, onRecord, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
  if (moved.size === 0) return response;
  const deadline = ctx.now() + Math.min(40_000, Math.max(1_000, context.getRemainingTimeInMillis() - 15_000));
  const results = await dispatchPartitions(ctx, [...moved.values()], { holder: context.awsRequestId, deadline, deliver: deliverToTarget });
  log({ level: 'INFO', message: 'dispatched', results });
  return response;
}

export const handler = middy(main).use(observability());
