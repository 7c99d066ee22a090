import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { fromQuotaItem, QUOTA_PARTITION, quotaKey, usageKey, type QuotaSetting } from '../store/access-items';
import type { Caller } from './access-control';
import { QuotaExceededError } from './auth-errors';

export type QuotaKind = 'produce' | 'fetch';

/** Usage is counted in fixed windows; a principal may use rate × window bytes per window. */
export const QUOTA_WINDOW_MS = 10_000;

export async function getQuota(ctx: SluiceContext, principal: string): Promise<QuotaSetting | undefined> {
  const result = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.access, Key: quotaKey(principal), ConsistentRead: true }));
  return fromQuotaItem(result.Item);
}

export async function setQuota(ctx: SluiceContext, setting: Omit<QuotaSetting, 'updatedAt'>): Promise<QuotaSetting> {
  const stored: QuotaSetting = { ...setting, updatedAt: ctx.now() };
  await ctx.ddb.send(new PutCommand({ TableName: ctx.tables.access, Item: { ...quotaKey(setting.principal), ...stored } }));
  return stored;
}

export async function listQuotas(ctx: SluiceContext): Promise<QuotaSetting[]> {
  const page = await ctx.ddb.send(
    new QueryCommand({ TableName: ctx.tables.access, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': QUOTA_PARTITION }, ConsistentRead: true }),
  );
  return (page.Items ?? []).map((item) => fromQuotaItem(item)!);
}

/** One read of a caller's quota per request, however often the request charges it. */
const quotaOfCaller = new WeakMap<Caller, Promise<QuotaSetting | undefined>>();

async function rateFor(ctx: SluiceContext, caller: Caller, kind: QuotaKind): Promise<number | null> {
  let read = quotaOfCaller.get(caller);
  if (!read) quotaOfCaller.set(caller, (read = getQuota(ctx, caller.principal)));
  const own = await read;
  const key = kind === 'produce' ? 'produceBytesPerSecond' : 'fetchBytesPerSecond';
  return own ? own[key] : caller.config.defaultQuota[key];
}

/**
 * Adds `bytes` to the caller's usage in the current window and refuses with 429 (and
 * Retry-After: the rest of the window) when that passes the quota. A refused request's
 * bytes still count, as in Kafka, so a client hammering past its quota stays refused.
 * `bytes` 0 checks without charging (before a fetch, whose size is known only after).
 */
export async function chargeQuota(ctx: SluiceContext, caller: Caller, kind: QuotaKind, bytes: number): Promise<void> {
  const rate = await rateFor(ctx, caller, kind);
  if (rate === null) return;
  const now = ctx.now();
  const windowStart = now - (now % QUOTA_WINDOW_MS);
  const result = await ctx.ddb.send(
    new UpdateCommand({
      TableName: ctx.tables.access,
      Key: usageKey(caller.principal, kind, windowStart),
      UpdateExpression: 'ADD bytes :bytes SET expiresAtSeconds = :ttl',
      ExpressionAttributeValues: { ':bytes': bytes, ':ttl': Math.ceil((windowStart + 2 * QUOTA_WINDOW_MS) / 1000) + 3600 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const used = Number(result.Attributes?.bytes ?? 0);
  const allowance = (rate * QUOTA_WINDOW_MS) / 1000;
  if (used > allowance || (bytes === 0 && used >= allowance)) {
    throw new QuotaExceededError(caller.principal, kind, rate, Math.max(1, Math.ceil((windowStart + QUOTA_WINDOW_MS - now) / 1000)));
  }
}
