import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { topicFromStreamImage } from '../../lib/store/topic-item';
import { deletePartitionData } from '../../lib/topics/delete-partition-data';
import { log, observability } from '../middleware/observability';

const processor = new BatchProcessor(EventType.DynamoDBStreams);

/**
 * Topics stream, REMOVE events: deletes the deleted topic's partition items. Reports
 * per-record failures so one bad record is retried alone instead of the whole batch.
 */
async function main(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  const ctx = contextFromEnv();
  const onRecord = async (record: DynamoDBRecord): Promise<void> => {
    const oldImage = record.dynamodb?.OldImage;
    if (record.eventName !== 'REMOVE' || !oldImage) return;
    try {
      const topic = topicFromStreamImage(oldImage);
      const deleted = await deletePartitionData(ctx, topic.topicId, topic.partitions);
      log({ level: 'INFO', message: 'deleted topic data', topic: topic.name, topicId: topic.topicId, items: deleted });
    } catch (error) {
      log({ level: 'ERROR', message: 'topic cleanup failed', error: String(error) });
      throw error;
    }
  };
  // One topic at a time as before; all records failing is reported, not thrown.
  return processPartialResponse(event, onRecord, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
}

export const handler = middy(main).use(observability());
