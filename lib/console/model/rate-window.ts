/**
 * Rates measured in the browser from counters sampled every few seconds: a topic's high
 * watermarks (records in) and its groups' committed offsets (records out). The API has no
 * rate metric route, and a console tab must not need one: two samples of counters it can
 * already read give a rate, at the price of measuring only while the page is open. Pure,
 * so the arithmetic is tested without a browser (test/lib/console/model/rate-window.test.ts).
 */

/** Counters by name (a partition, a group's partition) at one moment, in ms. */
export interface CounterSample {
  at: number;
  counters: Record<string, number>;
}

export const RATE_WINDOW_MS = 60_000;

/**
 * `samples` with `next` added, dropping those no longer needed for a rate over `windowMs`:
 * the newest sample at or before the window's start is kept, so a full window is measured
 * once the page has been open that long.
 */
export function addSample(samples: CounterSample[], next: CounterSample, windowMs = RATE_WINDOW_MS): CounterSample[] {
  const all = [...samples, next];
  const start = next.at - windowMs;
  let first = 0;
  for (let i = 0; i < all.length; i++) if (all[i]!.at <= start) first = i;
  return all.slice(first);
}

export interface Rate {
  perSecond: number;
  /** Seconds the rate covers. */
  seconds: number;
  /** False while the samples span less than the window: the rate is since the page opened. */
  fullWindow: boolean;
}

/**
 * The counters' advance per second from the oldest sample to the newest, summed per step
 * so a counter that went back (a group reset to earlier offsets) counts no advance for that
 * step rather than negative traffic. A counter absent from a step's earlier sample counts
 * from `absentAs`: 0 for high watermarks (a partition added since holds only new records),
 * or its first value (null: a group that appears is measured from when it is first seen).
 */
export function rateOf(samples: CounterSample[], options: { absentAs: 0 | null; windowMs?: number }): Rate | undefined {
  if (samples.length < 2) return undefined;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const seconds = (last.at - first.at) / 1000;
  if (seconds <= 0) return undefined;
  let advance = 0;
  for (let i = 1; i < samples.length; i++) {
    const before = samples[i - 1]!.counters;
    for (const [name, now] of Object.entries(samples[i]!.counters)) {
      const then = before[name] ?? (options.absentAs === 0 ? 0 : now);
      if (now > then) advance += now - then;
    }
  }
  return { perSecond: advance / seconds, seconds, fullWindow: last.at - first.at >= (options.windowMs ?? RATE_WINDOW_MS) };
}

/** A rate as the topic screen prints it, with the span it covers. */
export function formatRate(rate: Rate | undefined): { value: string; span: string } {
  if (!rate) return { value: '…', span: 'measuring since you opened this page' };
  const value = rate.perSecond >= 100 ? rate.perSecond.toFixed(0) : rate.perSecond.toFixed(2);
  return { value: `${value}/s`, span: rate.fullWindow ? 'over the last minute' : `since you opened this page (${Math.round(rate.seconds)} s)` };
}
