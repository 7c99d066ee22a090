import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../../lib/core/context';
import { partitionKey } from '../../lib/store/partition-key';
import { fromIndexItem, type SegmentIndexEntry } from '../../lib/store/segment-index-store';

/** Every index item of a partition, read straight from the Log table (strongly consistent). */
export async function indexEntries(ctx: SluiceContext, topicId: string, partition = 0): Promise<SegmentIndexEntry[]> {
  const { Items } = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tables.log,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
      ExpressionAttributeValues: { ':pk': partitionKey(topicId, partition), ':o': 'o#' },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map(fromIndexItem);
}

/** Whether a segment object is still in the bucket. */
export async function objectExists(ctx: SluiceContext, key: string): Promise<boolean> {
  try {
    await ctx.s3.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}
