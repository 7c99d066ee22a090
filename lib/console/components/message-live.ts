import type { Api } from '../model/api';
import { mapLimit, type Positions } from '../model/message-cursor';
import { recordView, type RecordView } from '../model/record-view';

/**
 * Partitions followed with a server-sent-event stream each. A browser opens at most six
 * HTTP/1.1 connections to one origin (the local platform and `sluice console` serve
 * HTTP/1.1), and every stream holds one: more streams would starve the page's other calls,
 * the produce form's included. Past this many partitions the live view polls instead.
 */
export const LIVE_STREAMS_MAX = 4;
/** Polling: partitions fetched at once, and the pause after a round that found nothing. */
const POLL_CONCURRENCY = 4;
const POLL_IDLE_MS = 1_000;
const POLL_MAX_RECORDS = 500;

/**
 * Reads `positions`' partitions live until `signal` aborts: `client.follow()` (SSE, with
 * its reconnection and long-poll fallback) for a few partitions, else rounds of fetches.
 * Records come to `onRecords` in each partition's offset order; a failure that ends the
 * reading (not an abort) comes to `onError`.
 */
export function readLive(api: Api, topic: string, positions: Positions, signal: AbortSignal, onRecords: (rows: RecordView[]) => void, onError: (error: unknown) => void): void {
  const parts = Object.keys(positions).map(Number);
  if (parts.length <= LIVE_STREAMS_MAX) {
    for (const p of parts) {
      void (async () => {
        try {
          for await (const record of api.client.follow(topic, p, { offset: positions[p], signal, encoding: 'base64' })) onRecords([recordView(p, record)]);
        } catch (err) {
          if (!signal.aborted) onError(err);
        }
      })();
    }
    return;
  }
  void (async () => {
    const next = { ...positions };
    while (!signal.aborted) {
      let found = 0;
      try {
        const answers = await mapLimit(parts, POLL_CONCURRENCY, (p) => api.client.fetchRecords(topic, p, { offset: next[p], maxRecords: POLL_MAX_RECORDS, encoding: 'base64', format: 'json' }, { signal }));
        for (const answer of answers) {
          next[answer.partition] = answer.nextOffset;
          found += answer.records.length;
          if (answer.records.length > 0) onRecords(answer.records.map((r) => recordView(answer.partition, r)));
        }
      } catch (err) {
        if (signal.aborted) return;
        // A throttle or a dropped connection passes: poll again after the pause. Anything else ends the view.
        if (!(err as { retriable?: unknown }).retriable) {
          onError(err);
          return;
        }
      }
      if (found === 0) await new Promise((resolve) => setTimeout(resolve, POLL_IDLE_MS));
    }
  })();
}
