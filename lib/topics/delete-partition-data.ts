import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { deleteObjects } from '../gc/collect-orphan-objects';
import { batchDeleteAll } from '../store/batch-operations';
import { objectRefKey } from '../store/object-ref-item';
import { partitionKey } from '../store/partition-key';

/**
 * Deletes everything of a deleted topic: per page of its partitions' Log table items
 * (heads, index items, producer states), first the ref items of the objects those index
 * items name, then the objects themselves (an object holds batches of one topic only,
 * and nothing reads a deleted topic: a re-created one has a new id), and only then the
 * page's items. So a crash anywhere leaves the items that let a redelivered stream record
 * finish the job, and nothing is left for the orphan collector to find again. Idempotent.
 * Returns the number of items deleted.
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
          ProjectionExpression: 'pk, sk, objectKey',
          ExclusiveStartKey: startKey,
        }),
      );
      const items = page.Items ?? [];
      const objectKeys = [...new Set(items.map((item) => item.objectKey).filter((key): key is string => typeof key === 'string'))];
      deleted += await batchDeleteAll(ctx, ctx.tables.log, objectKeys.map(objectRefKey));
      const { failed } = await deleteObjects(ctx, objectKeys);
      // Throwing keeps this page's items, so the stream trigger's retry tries again.
      if (failed.length > 0) throw new Error(`S3 refused to delete ${failed.length} objects of a deleted topic, e.g. ${failed[0]!.key}: ${failed[0]!.code}`);
      deleted += await batchDeleteAll(
        ctx,
        ctx.tables.log,
        items.map((item) => ({ pk: item.pk, sk: item.sk })),
      );
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return deleted;
}
