import { SluiceApiError, type SluiceHttpClient } from './sluice-http-client';
import { describe, hasCode, isAbort, isRetriable, retryDelay, type Backoff } from './retry';
import type { Encoding, FetchResponse, ResetPolicy } from './types';

/**
 * The consumer's fetches: one long-poll or read per partition in the background, and
 * what to do after one: back off after an empty answer or a retriable failure, or reset
 * a position the log no longer covers.
 */

/** How a fetch started by `launchFetch` ended. */
export interface FetchOutcome {
  from: number;
  waited: boolean;
  startedAt: number;
  page?: FetchResponse;
  error?: unknown;
}

/** A partition's fetch state, as `recoverFetch` and `emptyPollBackoff` read and update it. */
export interface FetchBackoff {
  failures: number;
  notBefore: number;
}

export interface FetchTarget {
  topic: string;
  partition: number;
  from: number;
  maxRecords: number;
  encoding: Encoding;
  /** Long-poll this long when the partition has nothing new; a plain read without it. */
  waitMs?: number;
}

/** After an empty answer that was not a full long-poll, fetch that partition again no sooner than this. */
const EMPTY_POLL_BACKOFF_MS = 500;
/** A failing partition is retried this many times before its error ends the iteration. */
const FETCH_RETRIES = 8;
const FETCH_BACKOFF: Backoff = { baseMs: 250, maxMs: 8000 };

/** Fetches one partition in the background; `done` gets the outcome (never a rejection). */
export function launchFetch(client: SluiceHttpClient, target: FetchTarget, signal: AbortSignal, done: (outcome: FetchOutcome) => void): void {
  const { topic, partition, from, maxRecords, encoding, waitMs } = target;
  const waited = waitMs !== undefined;
  const startedAt = Date.now();
  client.fetchRecords(topic, partition, { offset: from, maxRecords, encoding, ...(waited && { waitMs }) }, { signal }).then(
    (page) => done({ from, waited, startedAt, page }),
    (error: unknown) => done({ from, waited, startedAt, error }),
  );
}

/**
 * Whether an answer makes the partition back off before its next read: an empty one does,
 * except at the tail when the partition will wait on the watch connection next. Arming
 * is itself the wait (the server checks the head and answers only when there is
 * something), so backing off first would only delay it: a stale `ready` would cost half
 * a second of latency. Empty below the high watermark still backs off, so a read that
 * keeps finding nothing there cannot spin through arm, ready and fetch.
 */
export function emptyAnswerBacksOff(page: { records: readonly unknown[]; nextOffset: number; highWatermark: number }, waitsOnWatchNext: boolean): boolean {
  if (page.records.length > 0) return false;
  return !(waitsOnWatchNext && page.nextOffset >= page.highWatermark);
}

/**
 * After an empty answer that was not a full long-poll (a server that does not wait), or a read below
 * the high watermark that found nothing: back off a little rather than spin.
 */
export function emptyPollBackoff(p: FetchBackoff, outcome: FetchOutcome, waitMs: number): void {
  if (!outcome.waited || Date.now() - outcome.startedAt < waitMs / 2) p.notBefore = outcome.startedAt + Math.min(Math.max(waitMs, 50), EMPTY_POLL_BACKOFF_MS);
}

/**
 * Answers a failed fetch: 'ignore' (aborted, or a retriable failure: `p` backs off), the offset to
 * go on from (out of range: reset by `policy`), or 'fatal'.
 */
export function recoverFetch(error: unknown, p: FetchBackoff, where: { topic: string; partition: number; position: number }, policy: ResetPolicy, note: (message: string) => void): 'ignore' | 'fatal' | number {
  if (isAbort(error)) return 'ignore';
  if (hasCode(error, 'OFFSET_OUT_OF_RANGE') && error instanceof SluiceApiError) {
    const start = Number(error.details.logStartOffset);
    const hw = Number(error.details.highWatermark);
    const to = policy === 'earliest' ? start : hw;
    if (Number.isSafeInteger(to)) {
      note(`${where.topic}/${where.partition}: offset ${where.position} is out of range ${start}..${hw}; resetting to ${policy} (${to})`);
      return to;
    }
  }
  if (isRetriable(error) && p.failures < FETCH_RETRIES) {
    p.failures++;
    // A refusal that says when to come back (a quota's 429 with retryAfterSeconds) is not asked again sooner: that
    // would only be refused again, and spend the failures allowed before giving up.
    p.notBefore = Date.now() + retryDelay(FETCH_BACKOFF, p.failures, error);
    if (p.failures === 1) note(`fetching ${where.topic}/${where.partition} failed (${describe(error)}); retrying`);
    return 'ignore';
  }
  return 'fatal';
}
