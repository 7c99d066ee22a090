import type { Quota } from '../../lib/client/types';
import { type GlobalOptions, clientFor } from './common';
import { isoTime, out, table } from './output';

/** `sluice quotas set | list`. */

export interface QuotaSetOptions {
  produceBytesPerSecond?: number | 'unlimited';
  fetchBytesPerSecond?: number | 'unlimited';
}

export function rateText(rate: number | null): string {
  return rate === null ? 'unlimited' : `${rate} bytes/s`;
}

/**
 * `PUT /v1/quotas` replaces both rates, so a rate not given on the command line is read
 * first and sent again unchanged (unlimited when the principal had no quota of its own).
 */
export async function setQuota(principal: string, opts: QuotaSetOptions, globals: GlobalOptions): Promise<void> {
  const client = clientFor(globals);
  let current: Quota | undefined;
  if (opts.produceBytesPerSecond === undefined || opts.fetchBytesPerSecond === undefined) {
    current = (await client.listQuotas()).find((q) => q.principal === principal);
  }
  const rate = (given: number | 'unlimited' | undefined, kept: number | null | undefined): number | null =>
    given === undefined ? (kept ?? null) : given === 'unlimited' ? null : given;
  const quota = await client.setQuota({
    principal,
    produceBytesPerSecond: rate(opts.produceBytesPerSecond, current?.produceBytesPerSecond),
    fetchBytesPerSecond: rate(opts.fetchBytesPerSecond, current?.fetchBytesPerSecond),
  });
  if (globals.json) return out(`${JSON.stringify(quota)}\n`);
  await out(`Set the quota of '${quota.principal}': produce ${rateText(quota.produceBytesPerSecond)}, fetch ${rateText(quota.fetchBytesPerSecond)}.\n`);
}

export async function listQuotas(globals: GlobalOptions): Promise<void> {
  const quotas = await clientFor(globals).listQuotas();
  if (globals.json) return out(`${JSON.stringify({ quotas })}\n`);
  if (quotas.length === 0) return out('No quotas.\n');
  const sorted = [...quotas].sort((a, b) => (a.principal < b.principal ? -1 : a.principal > b.principal ? 1 : 0));
  await out(
    table(
      ['PRINCIPAL', 'PRODUCE-BYTES/S', 'FETCH-BYTES/S', 'UPDATED'],
      sorted.map((q) => [q.principal, q.produceBytesPerSecond ?? 'unlimited', q.fetchBytesPerSecond ?? 'unlimited', isoTime(q.updatedAt)]),
    ),
  );
}
