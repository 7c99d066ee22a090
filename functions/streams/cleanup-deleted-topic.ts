import middy from '@middy/core';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { fromTopicItem } from '../../lib/store/topic-item';
import { deletePartitionData } from '../../lib/topics/delete-partition-data';
import { observability } from '../middleware/observability';

/**
 * Topics stream, REMOVE events: deletes the deleted topic's partition items. Reports
 * per-record failures so one bad record is retried alone instead of the whole batch.
 */
async function main(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const ctx = contextFromEnv();
  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const oldImage = record.dynamodb?.OldImage;
    if (record.eventName !== 'REMOVE' || !oldImage) continue;
    try {
      const topic = fromTopicItem(unmarshall(oldImage as Record<string, AttributeValue>));
      const deleted = await deletePartitionData(ctx, topic.topicId, topic.partitions);
      console.log(JSON.stringify({ level: 'INFO', message: 'deleted topic data', topic: topic.name, topicId: topic.topicId, items: deleted }));
    } catch (error) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'topic cleanup failed', error: String(error) }));
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
    }
  }
  return { batchItemFailures };
}

export const handler = middy(main).use(observability());
