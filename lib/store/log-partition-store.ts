import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { batchDeleteAll } from './batch-operations';
import { partitionKey } from './partition-key';
import type { PageKey } from './segment-index-store';

/**
 * All of one topic-partition's Log table items at once (its head, index items and
 * producer states, which share its partition key), as deleting a topic needs them.
 */
export interface PartitionItemsPage {
  keys: { pk: string; sk: string }[];
  /** The distinct segment objects the page's index items name. */
  objectKeys: string[];
  nextKey: PageKey | undefined;
}

export async function readPartitionItemsPage(ctx: SluiceContext, topicId: string, partition: number, startKey?: PageKey): Promise<PartitionItemsPage> {
  const page = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tables.log,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition) },
      ProjectionExpression: 'pk, sk, objectKey',
      ExclusiveStartKey: startKey,
    }),
  );
  const items = page.Items ?? [];
  return {
    keys: items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) })),
    objectKeys: [...new Set(items.map((item) => item.objectKey).filter((key): key is string => typeof key === 'string'))],
    nextKey: page.LastEvaluatedKey,
  };
}

/** Deletes partition items (unconditionally); answers how many keys were sent. */
export function deletePartitionItems(ctx: SluiceContext, keys: readonly { pk: string; sk: string }[]): Promise<number> {
  return batchDeleteAll(ctx, ctx.tables.log, keys);
}
