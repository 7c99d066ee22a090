import type { SluiceContext } from '../core/context';
import { InternalError } from '../core/errors';
import { deleteAclRuleItem, putAclRule, queryAclRules } from '../store/access-store';
import type { AclRule, StoredAclRule } from './acl';
import { AclRuleNotFoundError } from './auth-errors';

/** How long a container reuses the rules it read: ACL changes take effect within this. */
export const ACL_CACHE_MS = 5_000;

let cache: { table: string; rules: StoredAclRule[]; loadedAt: number } | undefined;

export async function listAclRules(ctx: SluiceContext): Promise<StoredAclRule[]> {
  const rules = await queryAclRules(ctx);
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
  // A fresh id is a UUID: a taken one means the id source is broken, not a conflict to report.
  if ((await putAclRule(ctx, stored)) === 'exists') throw new InternalError(`ACL rule id ${stored.ruleId} is already taken`);
  cache = undefined;
  return stored;
}

export async function deleteAclRule(ctx: SluiceContext, ruleId: string): Promise<void> {
  if ((await deleteAclRuleItem(ctx, ruleId)) === 'not-found') throw new AclRuleNotFoundError(ruleId);
  cache = undefined;
}
