import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredAclRule } from '../auth/acl';
import type { SluiceContext } from '../core/context';
import { ACL_PARTITION, aclKey, fromAclItem, fromQuotaItem, QUOTA_PARTITION, quotaKey, usageKey, type QuotaSetting } from './access-items';

/**
 * The Access table: every read, write and expression on ACL, quota and usage items.
 * lib/auth decides what they mean (caching, ordering, refusing); this only stores them.
 */

/** Every ACL rule, in key order. `pageSize` bounds each Query page (tests use it to cross pages). */
export async function queryAclRules(ctx: SluiceContext, options: { pageSize?: number } = {}): Promise<StoredAclRule[]> {
  return (await queryPartition(ctx, ACL_PARTITION, options.pageSize)).map(fromAclItem);
}

/** Stores a new rule; a rule id already stored is `exists` and keeps its rule. */
export async function putAclRule(ctx: SluiceContext, rule: StoredAclRule): Promise<'created' | 'exists'> {
  try {
    await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.access, Item: { ...aclKey(rule.ruleId), ...rule }, ConditionExpression: 'attribute_not_exists(pk)' }));
    return 'created';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'exists';
    throw error;
  }
}

export async function deleteAclRuleItem(ctx: SluiceContext, ruleId: string): Promise<'deleted' | 'not-found'> {
  try {
    await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.access, Key: aclKey(ruleId), ConditionExpression: 'attribute_exists(pk)' }));
    return 'deleted';
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return 'not-found';
    throw error;
  }
}

export async function readQuota(ctx: SluiceContext, principal: string): Promise<QuotaSetting | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.access, Key: quotaKey(principal), ConsistentRead: true }));
  return fromQuotaItem(result.Item);
}

/** Stores a principal's quota setting, replacing any earlier one. */
export async function putQuota(ctx: SluiceContext, setting: QuotaSetting): Promise<void> {
  await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.access, Item: { ...quotaKey(setting.principal), ...setting } }));
}

/** Every quota setting, in principal (key) order. */
export async function queryQuotas(ctx: SluiceContext, options: { pageSize?: number } = {}): Promise<QuotaSetting[]> {
  return (await queryPartition(ctx, QUOTA_PARTITION, options.pageSize)).map((item) => fromQuotaItem(item)!);
}

/**
 * Adds `bytes` to a principal's usage in one quota window and answers the window's total.
 * The window's item expires an hour after the following window ends: by then no request
 * can charge it, and the hour is slack for the clock of whichever instance reads it.
 */
export async function addUsage(
  ctx: SluiceContext,
  usage: { principal: string; kind: 'produce' | 'fetch'; windowStart: number; windowMs: number; bytes: number },
): Promise<number> {
  const result = await ctx.ddb.send(
    new UpdateCommand({
      TableName: ctx.tables.access,
      Key: usageKey(usage.principal, usage.kind, usage.windowStart),
      UpdateExpression: 'ADD bytes :bytes SET expiresAtSeconds = :ttl',
      ExpressionAttributeValues: { ':bytes': usage.bytes, ':ttl': Math.ceil((usage.windowStart + 2 * usage.windowMs) / 1000) + 3600 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(result.Attributes?.bytes ?? 0);
}

/** Every item under one partition key, strongly consistent, page after page. */
async function queryPartition(ctx: SluiceContext, pk: string, pageSize?: number): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tables.access,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        Limit: pageSize,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
