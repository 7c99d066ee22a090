import type { SluiceContext } from './context';

/**
 * The server side's one retry loop, for storage conflicts and throttles that the SDK's
 * own retries do not cover (a cancelled transaction, a contended conditional write).
 * Waits use full jitter (a random delay up to the exponential bound), so racing writers
 * spread out instead of colliding again in step.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** The bound of the first wait; each later wait's bound doubles. */
  readonly baseDelayMs: number;
  /** No wait is longer than this. */
  readonly maxDelayMs?: number;
}

/** Returned by an attempt that should be tried again. */
export const RETRY: unique symbol = Symbol('retry');
export type Retry = typeof RETRY;

/**
 * Runs `attempt(1)`, `attempt(2)`, … until one returns a value other than `RETRY`, waiting
 * between them; an attempt that throws ends the loop with its error. After the last
 * attempt asks for another, throws what `exhausted(attempts)` builds.
 */
export async function withRetries<T>(
  ctx: Pick<SluiceContext, 'sleep' | 'random'>,
  /** A function is asked again before each wait, for a policy that adapts to what it measures. */
  policy: RetryPolicy | (() => RetryPolicy),
  attempt: (n: number) => Promise<T | Retry>,
  exhausted: (attempts: number) => Error,
): Promise<T> {
  const current = typeof policy === 'function' ? policy : () => policy;
  const attempts = current().attempts;
  for (let n = 1; n <= attempts; n++) {
    const result = await attempt(n);
    if (result !== RETRY) return result as T;
    if (n < attempts) await ctx.sleep(backoffDelay(ctx, current(), n));
  }
  throw exhausted(attempts);
}

/** The wait after attempt `n` (1-based): uniform in [0, min(max, base · 2^(n-1))). */
export function backoffDelay(ctx: Pick<SluiceContext, 'random'>, policy: RetryPolicy, n: number): number {
  const bound = Math.min(policy.maxDelayMs ?? Number.POSITIVE_INFINITY, policy.baseDelayMs * 2 ** (n - 1));
  return Math.floor(ctx.random() * bound);
}
