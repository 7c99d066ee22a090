import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../context';
import { resetGcCheckpoints } from '../gc/gc-checkpoints';
import { objectRefKey } from '../storage/object-ref-item';
import { partitionKey } from '../storage/partition-key';

/**
 * Deletes every Log table item (heads, index items, producer states) of a deleted
 * topic's partitions, then the ref items of the objects they indexed. An object holds
 * batches of one topic only (one produce call, one topic), so once its ref item is gone
 * the orphan collector deletes it. Idempotent, so a redelivered stream record is
 * harmless. Returns the number of items deleted.
 */
export async function deletePartitionData(ctx: SluiceContext, topicId: string, partitions: number): Promise<number> {
  let deleted = 0;
  const objectKeys = new Set<string>();
  for (let partition = 0; partition < partitions; partition++) {
    const pk = partitionKey(topicId, partition);
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await ctx.ddb.send(
        new QueryCommand({
          TableName: ctx.tables.log,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ProjectionExpression: 'pk, sk, objectKey',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) if (typeof item.objectKey === 'string') objectKeys.add(item.objectKey);
      const keys = (page.Items ?? []).map((item) => ({ pk: item.pk, sk: item.sk }));
      for (let i = 0; i < keys.length; i += 25) deleted += await batchDelete(ctx, keys.slice(i, i + 25));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  const refs = [...objectKeys].map(objectRefKey);
  for (let i = 0; i < refs.length; i += 25) deleted += await batchDelete(ctx, refs.slice(i, i + 25));
  // The collector may already have passed these objects (kept them as referenced); move its
  // checkpoints back so it looks at them again and deletes them.
  if (objectKeys.size > 0) await resetGcCheckpoints(ctx, [...objectKeys]);
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
