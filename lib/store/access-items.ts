import type { StoredAclRule } from '../auth/acl';
import type { Quota } from '../protocol/responses';

/**
 * Items of the Access table. Owned here alone.
 *
 * - `acl` / `<ruleId>`: one ACL rule. All rules share one partition key so a request
 *   reads them with one Query (and caches them briefly).
 * - `quota` / `<principal>`: a principal's produce and fetch byte rates.
 * - `usage#<principal>#<produce|fetch>` / `<window start>`: bytes used in one quota
 *   window; expires on its own.
 */
export const ACL_PARTITION = 'acl';
export const QUOTA_PARTITION = 'quota';

/** A principal's quota as stored and as the quota routes answer it (the wire contract's shape); rates in bytes per second, null unlimited. */
export type QuotaSetting = Quota;

export function aclKey(ruleId: string): { pk: string; sk: string } {
  return { pk: ACL_PARTITION, sk: ruleId };
}

export function fromAclItem(item: Record<string, unknown>): StoredAclRule {
  return {
    ruleId: String(item.ruleId),
    principal: String(item.principal),
    resourceType: item.resourceType as StoredAclRule['resourceType'],
    patternType: item.patternType as StoredAclRule['patternType'],
    resourceName: String(item.resourceName),
    operation: item.operation as StoredAclRule['operation'],
    permission: item.permission as StoredAclRule['permission'],
    createdAt: Number(item.createdAt),
  };
}

export function quotaKey(principal: string): { pk: string; sk: string } {
  return { pk: QUOTA_PARTITION, sk: principal };
}

export function fromQuotaItem(item: Record<string, unknown> | undefined): QuotaSetting | undefined {
  if (!item) return undefined;
  const rate = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    principal: String(item.principal),
    produceBytesPerSecond: rate(item.produceBytesPerSecond),
    fetchBytesPerSecond: rate(item.fetchBytesPerSecond),
    updatedAt: Number(item.updatedAt),
  };
}

export function usageKey(principal: string, kind: 'produce' | 'fetch', windowStart: number): { pk: string; sk: string } {
  return { pk: `usage#${principal}#${kind}`, sk: String(windowStart).padStart(13, '0') };
}
