import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { batchDeleteAll } from './batch-operations';
import type { TransactItem } from './transact-write';

/**
 * The Log table's record of segment objects compaction retired (their ref item deleted in
 * the swap that took their last batch out of the index) but may not have deleted yet, and
 * every expression on it. Owned here alone.
 *
 *   pk = retired#objects     sk = <object key>     retiredAt
 *
 * The swap writes the marker in the same transaction that deletes the ref item; the
 * object is deleted after the swap and the marker after that. A run that crashed in
 * between leaves the marker, and the next run deletes what it names. So no retired
 * object outlives a run that finishes, and none is left to the orphan collector, whose
 * checkpoints have passed it.
 */
const RETIRED_PK = 'retired#objects';

export function retiredObjectPut(ctx: SluiceContext, objectKey: string, retiredAt: number): TransactItem {
  return { Put: { TableName: ctx.tables.log, Item: { pk: RETIRED_PK, sk: objectKey, objectKey, retiredAt } } };
}

/** Up to `limit` retired objects still marked (eventually consistent: a marker missed now is found by a later run). */
export async function readRetiredObjects(ctx: SluiceContext, limit: number): Promise<string[]> {
  const result = await ctx.ddb.send(
    new QueryCommand({
      TableName: ctx.tables.log,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': RETIRED_PK },
      ProjectionExpression: 'objectKey',
      Limit: limit,
    }),
  );
  return (result.Items ?? []).map((item) => String(item.objectKey));
}

/** Deletes the markers of objects now deleted; answers how many keys were sent. */
export function deleteRetiredMarkers(ctx: SluiceContext, objectKeys: readonly string[]): Promise<number> {
  return batchDeleteAll(ctx, ctx.tables.log, objectKeys.map((objectKey) => ({ pk: RETIRED_PK, sk: objectKey })));
}
