import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../context';
import { partitionKey } from '../storage/partition-key';

/**
 * Deletes every Log table item (head and index items) of a deleted topic's
 * partitions. Idempotent, so a redelivered stream record is harmless. Returns the
 * number of items deleted. Segment objects are shared across topics and left to
 * the orphan collector.
 */
export async function deletePartitionData(ctx: SluiceContext, topicId: string, partitions: number): Promise<number> {
  let deleted = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const pk = partitionKey(topicId, partition);
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await ctx.ddb.send(
        new QueryCommand({
          TableName: ctx.tables.log,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = (page.Items ?? []).map((item) => ({ pk: item.pk, sk: item.sk }));
      for (let i = 0; i < keys.length; i += 25) deleted += await batchDelete(ctx, keys.slice(i, i + 25));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return deleted;
}

async function batchDelete(ctx: SluiceContext, keys: Record<string, unknown>[]): Promise<number> {
  let pending = keys.map((Key) => ({ DeleteRequest: { Key } }));
  for (let round = 0; pending.length > 0; round++) {
    if (round > 0) await ctx.sleep(Math.min(2000, 25 * 2 ** round));
    const result = await ctx.ddb.send(new BatchWriteCommand({ RequestItems: { [ctx.tables.log]: pending } }));
    pending = (result.UnprocessedItems?.[ctx.tables.log] ?? []) as typeof pending;
  }
  return keys.length;
}
