import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import {
  fromMemberItem,
  fromMetaItem,
  fromOffsetItem,
  groupPartitionKey,
  metaKey,
  MEMBER_SORT_PREFIX,
  OFFSET_SORT_PREFIX,
  type CommittedOffset,
  type GroupMember,
  type GroupMeta,
} from '../store/group-items';

/** Reads of the Groups table; every one strongly consistent, since leases and generations decide who may commit. */
export async function readMeta(ctx: SluiceContext, group: string): Promise<GroupMeta | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.groups, Key: metaKey(group), ConsistentRead: true }));
  return fromMetaItem(result.Item);
}

export async function readMembers(ctx: SluiceContext, group: string): Promise<GroupMember[]> {
  return (await queryPrefix(ctx, group, MEMBER_SORT_PREFIX)).map(fromMemberItem);
}

export async function readOffsets(ctx: SluiceContext, group: string, topic?: string): Promise<CommittedOffset[]> {
  return (await queryPrefix(ctx, group, topic === undefined ? OFFSET_SORT_PREFIX : `${OFFSET_SORT_PREFIX}${topic}#`)).map(fromOffsetItem);
}

async function queryPrefix(ctx: SluiceContext, group: string, prefix: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tables.groups,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': groupPartitionKey(group), ':prefix': prefix },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
