import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { dispatchPartitions } from '../../lib/push/dispatch';
import { deliverToTarget } from '../../lib/push/targets';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { observability } from '../middleware/observability';

/**
 * Log stream, head INSERT and MODIFY events (commits): pushes the partitions that moved
 * to their subscriptions. It never fails the batch, so one bad target cannot block the
 * shard; a failed delivery waits in its lease for the next dispatch or the sweep.
 */
async function main(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  const ctx = contextFromEnv();
  const moved = new Map<string, { topic: string; partition: number }>();
  for (const record of event.Records) {
    const image = record.dynamodb?.NewImage;
    const topic = image?.topic?.S;
    const partition = image?.partition?.N;
    if (topic === undefined || partition === undefined) continue;
    if (record.dynamodb?.OldImage?.nextOffset?.N === image?.nextOffset?.N) continue;
    moved.set(`${topic}#${partition}`, { topic, partition: Number(partition) });
  }
  if (moved.size === 0) return { batchItemFailures: [] };
  const deadline = ctx.now() + Math.min(40_000, Math.max(1_000, context.getRemainingTimeInMillis() - 15_000));
  const results = await dispatchPartitions(ctx, [...moved.values()], { holder: context.awsRequestId, deadline, deliver: deliverToTarget });
  console.log(JSON.stringify({ level: 'INFO', message: 'dispatched', results }));
  return { batchItemFailures: [] };
}

export const handler = middy(main).use(observability());
