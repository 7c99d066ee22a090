import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { ACL_PARTITION, aclKey, fromAclItem } from '../store/access-items';
import type { AclRule, StoredAclRule } from './acl';
import { AclRuleNotFoundError } from './auth-errors';

/** How long a container reuses the rules it read: ACL changes take effect within this. */
export const ACL_CACHE_MS = 5_000;

let cache: { table: string; rules: StoredAclRule[]; loadedAt: number } | undefined;

export async function listAclRules(ctx: SluiceContext): Promise<StoredAclRule[]> {
  const rules: StoredAclRule[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ctx.ddb.send(
      new QueryCommand({
        TableName: ctx.tables.access,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': ACL_PARTITION },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) rules.push(fromAclItem(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return rules.sort((a, b) => a.createdAt - b.createdAt || (a.ruleId < b.ruleId ? -1 : 1));
}

/** The rules, from a per-container cache at most ACL_CACHE_MS old. */
export async function cachedAclRules(ctx: SluiceContext): Promise<StoredAclRule[]> {
  const now = ctx.now();
  if (!cache || cache.table !== ctx.tables.access || now - cache.loadedAt > ACL_CACHE_MS) {
    cache = { table: ctx.tables.access, rules: await listAclRules(ctx), loadedAt: now };
  }
  return cache.rules;
}

export async function createAclRule(ctx: SluiceContext, rule: AclRule): Promise<StoredAclRule> {
  const stored: StoredAclRule = { ...rule, ruleId: ctx.newId(), createdAt: ctx.now() };
  await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.access, Item: { ...aclKey(stored.ruleId), ...stored }, ConditionExpression: 'attribute_not_exists(pk)' }));
  cache = undefined;
  return stored;
}

export async function deleteAclRule(ctx: SluiceContext, ruleId: string): Promise<void> {
  try {
    await ctx.ddb.send(new DeleteCommand({ TableName: ctx.tables.access, Key: aclKey(ruleId), ConditionExpression: 'attribute_exists(pk)' }));
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new AclRuleNotFoundError(ruleId);
    throw error;
  }
  cache = undefined;
}
