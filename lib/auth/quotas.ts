import type { SluiceContext } from '../core/context';
import { TtlCache } from '../core/ttl-cache';
import type { QuotaSetting } from '../store/access-items';
import { addUsage, putQuota, queryQuotas, readQuota } from '../store/access-store';
import type { Caller } from './access-control';
import { QuotaExceededError } from './auth-errors';

export type QuotaKind = 'produce' | 'fetch';

/** Usage is counted in fixed windows; a principal may use rate × window bytes per window. */
export const QUOTA_WINDOW_MS = 10_000;

export function getQuota(ctx: SluiceContext, principal: string): Promise<QuotaSetting | undefined> {
  return readQuota(ctx, principal);
}

export async function setQuota(ctx: SluiceContext, setting: Omit<QuotaSetting, 'updatedAt'>): Promise<QuotaSetting> {
  const stored: QuotaSetting = { ...setting, updatedAt: ctx.now() };
  await putQuota(ctx, stored);
  quotas.delete(cacheKey(ctx, setting.principal));
  return stored;
}

export function listQuotas(ctx: SluiceContext): Promise<QuotaSetting[]> {
  return queryQuotas(ctx);
}

/**
 * How long a container reuses a principal's quota setting, or the absence of one: a
 * quota set or changed elsewhere takes effect within this (the same bound as ACL rules).
 * A principal without a quota of its own costs one read per container per QUOTA_CACHE_MS,
 * not one per call.
 */
export const QUOTA_CACHE_MS = 5_000;
/** Principals a container keeps; the least recently used go first. */
export const QUOTA_CACHE_ENTRIES = 1_000;

const quotas = new TtlCache<string, QuotaSetting | undefined>({ ttlMs: QUOTA_CACHE_MS, maxEntries: QUOTA_CACHE_ENTRIES });
// Keyed by table too: one process may serve several platforms (tests).
const cacheKey = (ctx: SluiceContext, principal: string) => `${ctx.tables.access}\u0000${principal}`;

async function rateFor(ctx: SluiceContext, caller: Caller, kind: QuotaKind): Promise<number | null> {
  const own = await quotas.get(cacheKey(ctx, caller.principal), ctx.now(), () => getQuota(ctx, caller.principal));
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
  const used = await addUsage(ctx, { principal: caller.principal, kind, windowStart, windowMs: QUOTA_WINDOW_MS, bytes });
  const allowance = (rate * QUOTA_WINDOW_MS) / 1000;
  if (used > allowance || (bytes === 0 && used >= allowance)) {
    throw new QuotaExceededError(caller.principal, kind, rate, Math.max(1, Math.ceil((windowStart + QUOTA_WINDOW_MS - now) / 1000)));
  }
}
