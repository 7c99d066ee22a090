import { SluiceApiError, SluiceConnectionError } from './sluice-http-client';

/**
 * The client side's one retry module: which failures are worth another try, how long to
 * wait before it (exponential backoff, with full jitter where many callers may collide,
 * and never sooner than a `retryAfterSeconds` or Retry-After the server asked for), and
 * the loop that bounds the attempts.
 */

/** How the waits between attempts grow. */
export interface Backoff {
  /** The wait (or, with jitter, its bound) after the first failure; each later one doubles. */
  readonly baseMs: number;
  /** No wait is longer than this, Retry-After aside. */
  readonly maxMs: number;
  /** Full jitter: a uniform wait below the bound, so callers that failed together spread out. */
  readonly jitter?: boolean;
  /** A float in [0, 1), for jitter; `Math.random` by default. */
  readonly random?: () => number;
}

/** Reads and membership calls: 250 ms, doubling, at most 4 s apart. */
export const CALL_BACKOFF: Backoff = { baseMs: 250, maxMs: 4000 };

/** Whether sending the same request again can succeed. */
export function isRetriable(err: unknown): boolean {
  return (err instanceof SluiceApiError || err instanceof SluiceConnectionError) && err.retriable;
}

/** A refusal with this error code from the server. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof SluiceApiError && err.code === code;
}

/** Aborted by a signal or a timeout signal. */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** An error as a note for a human: `CODE: message` for the client's own. */
export function describe(err: unknown): string {
  if (err instanceof SluiceApiError || err instanceof SluiceConnectionError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** How long the server asked the caller to stay away (a quota's 429, a gateway's Retry-After), in ms; 0 if it did not say. */
export function retryAfterMs(err: unknown): number {
  const seconds = err instanceof SluiceApiError ? Number(err.details.retryAfterSeconds) : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

/** The wait after failure number `failures` (1-based) of `err`: the backoff's, or the server's Retry-After if longer. */
export function retryDelay(backoff: Backoff, failures: number, err?: unknown): number {
  const bound = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failures - 1));
  const delay = backoff.jitter ? (backoff.random ?? Math.random)() * bound : bound;
  return Math.max(delay, retryAfterMs(err));
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  backoff?: Backoff;
  /** Stops retrying (the last error is thrown) and cuts a wait short. */
  signal?: AbortSignal;
  /** Asked before each wait, with the wait: false gives up (throws the error), e.g. past a deadline. */
  mayRetry?(err: unknown, delayMs: number): boolean;
}

/** Runs `call`, retrying failures `isRetriable` accepts, up to `retries` times, waiting `retryDelay` between. */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { retries, backoff = CALL_BACKOFF, signal, mayRetry } = options;
  for (let failures = 1; ; failures++) {
    try {
      return await call();
    } catch (err) {
      if (!isRetriable(err) || failures > retries || signal?.aborted) throw err;
      const delay = retryDelay(backoff, failures, err);
      if (mayRetry && !mayRetry(err, delay)) throw err;
      await sleep(delay, signal);
    }
  }
}
