import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { fromMemberItem, MEMBER_SORT_PREFIX } from '../store/group-items';
import { deleteIfLapsed } from './membership';

/**
 * Deletes every member whose lease lapsed, in every group. Heartbeats of the other
 * members already do this for their own group; this sweep covers groups whose members
 * all went quiet, so their partitions are released and `describe` tells the truth.
 * Each delete is conditional on the lease still being lapsed.
 */
export async function expireLapsedMembersEverywhere(ctx: SluiceContext): Promise<{ scanned: number; expired: number }> {
  const now = ctx.now();
  let scanned = 0;
  let expired = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new ScanCommand({
        TableName: ctx.tables.groups,
        FilterExpression: 'begins_with(sk, :member) AND expiresAt < :now',
        ExpressionAttributeValues: { ':member': MEMBER_SORT_PREFIX, ':now': now },
        ExclusiveStartKey: startKey,
      }),
    );
    scanned += page.ScannedCount ?? 0;
    for (const item of page.Items ?? []) if (await deleteIfLapsed(ctx, fromMemberItem(item), now)) expired++;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { scanned, expired };
}
