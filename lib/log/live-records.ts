import type { SluiceContext } from '../core/context';
import { LIVE_DEFAULTS } from '../protocol/live';
import { fetchRecords, type FetchInput, type FetchResult } from './fetch-records';

/**
 * Live reads: a partition read as a stream of events (served as server-sent events,
 * lib/protocol/live.ts). The stream is a loop of ordinary fetches: each one at the tail
 * long-polls (`waitMs`, the same head re-reads as a long-poll fetch) for at most what is
 * left until the next heartbeat is due, so the stream makes no request a long-polling
 * reader would not make, and delivers exactly what consecutive fetches from the same
 * offsets would, in order: every event's records start at the previous event's nextOffset.
 */
export interface LiveReadInput extends Omit<FetchInput, 'waitMs' | 'signal'> {
  /** After this long without an event, a heartbeat. */
  heartbeatMs: number;
  /** The stream ends this long after it opened, with an `end` event. */
  maxDurationMs: number;
}

export type LiveEvent =
  /** A fetch's answer: records from the previous event's nextOffset (the first: from the requested offset; possibly none). */
  | { readonly type: 'records'; readonly result: FetchResult }
  /** Nothing happened for heartbeatMs. */
  | { readonly type: 'heartbeat' }
  /** The stream's time is up; resume from nextOffset. */
  | { readonly type: 'end'; readonly nextOffset: number };

export interface LiveRead {
  /** The first fetch, made when the read opened: a missing topic or an offset out of range fails the open, not the stream. */
  readonly first: FetchResult;
  /** The events, the first fetch's answer first; ends with `end`, when `signal` aborts, or with a fetch's error. */
  events(signal: AbortSignal): AsyncGenerator<LiveEvent>;
}

/** Settings of the live read, from `SLUICE_LIVE_HEARTBEAT_MS` and `SLUICE_LIVE_MAX_DURATION_MS` (LIVE_DEFAULTS otherwise). */
export function liveSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<LiveReadInput, 'heartbeatMs' | 'maxDurationMs'> {
  const positive = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] !== undefined && env[name] !== '' && Number.isInteger(value) && value > 0 ? value : fallback;
  };
  return {
    heartbeatMs: positive('SLUICE_LIVE_HEARTBEAT_MS', LIVE_DEFAULTS.heartbeatMs),
    maxDurationMs: positive('SLUICE_LIVE_MAX_DURATION_MS', LIVE_DEFAULTS.maxDurationMs),
  };
}

/** A fetch that answered nothing new below the high watermark waits this long before the next (never expected; a guard against spinning). */
const STALLED_RETRY_MS = 250;

/** Opens a live read: the first fetch now (waitMs 0), the rest as the events are pulled. */
export async function openLiveRead(ctx: SluiceContext, input: LiveReadInput): Promise<LiveRead> {
  const { heartbeatMs, maxDurationMs, ...fetchInput } = input;
  const opened = ctx.now();
  const first = await fetchRecords(ctx, fetchInput);
  return {
    first,
    async *events(signal: AbortSignal): AsyncGenerator<LiveEvent> {
      yield { type: 'records', result: first };
      let next = first.nextOffset;
      let lastSent = ctx.now();
      const deadline = opened + maxDurationMs;
      while (!signal.aborted) {
        const now = ctx.now();
        if (now >= deadline) {
          yield { type: 'end', nextOffset: next };
          return;
        }
        const idleLeft = lastSent + heartbeatMs - now;
        if (idleLeft <= 0) {
          yield { type: 'heartbeat' };
          lastSent = ctx.now();
          continue;
        }
        const result = await fetchRecords(ctx, { ...fetchInput, offset: next, waitMs: Math.min(idleLeft, deadline - now), signal });
        if (signal.aborted) return;
        if (result.records.length > 0 || result.nextOffset !== next) {
          next = result.nextOffset;
          yield { type: 'records', result };
          lastSent = ctx.now();
        } else if (result.highWatermark > next) await ctx.sleep(STALLED_RETRY_MS);
      }
    },
  };
}
