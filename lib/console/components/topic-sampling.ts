import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { TopicOffsets } from '../../client/index';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { mapLimit } from '../model/message-cursor';
import { addSample, rateOf, type CounterSample, type Rate } from '../model/rate-window';

export const SAMPLE_INTERVAL_MS = 5_000;

export interface TopicSampling {
  /** The newest offsets read. */
  offsets?: TopicOffsets;
  offsetsError?: ShownError;
  /** Records per second written: the high watermarks' advance. */
  rateIn?: Rate;
  /** Records per second consumed: the advance of every group's committed offsets on the topic. */
  rateOut?: Rate;
  outError?: ShownError;
  /** Groups that have committed an offset on the topic, as of the newest sample. */
  consumingGroups: number;
  /** Samples now instead of waiting for the next tick (after a change made on this page). */
  sampleNow(): void;
}

/**
 * A topic's offsets and its records in and out per second, sampled every few seconds while
 * the page is open. Sampled here in the browser because the API has no rate metric route
 * (and a route of its own would need a counter written on every produce and commit): the
 * high watermarks and the groups' committed offsets the API already answers are counters,
 * and two readings of a counter give a rate. The price is that the rate covers only the
 * time the page has been open, which the screen says, and that the out rate costs one
 * group-offsets call per group each sample.
 */
export function useTopicSampling(api: Api, topic: string, intervalMs = SAMPLE_INTERVAL_MS): TopicSampling {
  const [state, setState] = useState<Omit<TopicSampling, 'sampleNow'> & { inSamples: CounterSample[]; outSamples: CounterSample[] }>({ inSamples: [], outSamples: [], consumingGroups: 0 });
  const kick = useRef<() => void>(() => undefined);
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const sample = async () => {
      if (running) return;
      running = true;
      clearTimeout(timer);
      const [offsets, committed] = await Promise.allSettled([api.client.listTopicOffsets(topic, { signal: abort.signal }), committedOffsets(api, topic, abort.signal)]);
      running = false;
      if (abort.signal.aborted) return;
      const at = Date.now();
      setState((s) => {
        const next = { ...s };
        if (offsets.status === 'fulfilled') {
          next.offsets = offsets.value;
          next.offsetsError = undefined;
          next.inSamples = addSample(s.inSamples, { at, counters: Object.fromEntries(offsets.value.partitions.map((p) => [String(p.partition), p.highWatermark])) });
          next.rateIn = rateOf(next.inSamples, { absentAs: 0 });
        } else next.offsetsError = shownError(offsets.reason);
        if (committed.status === 'fulfilled') {
          next.outError = undefined;
          next.consumingGroups = committed.value.groups;
          next.outSamples = addSample(s.outSamples, { at, counters: committed.value.counters });
          next.rateOut = rateOf(next.outSamples, { absentAs: null });
        } else next.outError = shownError(committed.reason);
        return next;
      });
      timer = setTimeout(() => void sample(), intervalMs);
    };
    kick.current = () => void sample();
    void sample();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [api, topic, intervalMs]);
  const sampleNow = useCallback(() => kick.current(), []);
  const { inSamples: _in, outSamples: _out, ...shown } = state;
  return { ...shown, sampleNow };
}

/**
 * Every group's committed offset on each partition of `topic`, keyed group and partition.
 * A group deleted between the listing and its offsets read is skipped.
 */
async function committedOffsets(api: Api, topic: string, signal: AbortSignal): Promise<{ counters: Record<string, number>; groups: number }> {
  const groups = await api.client.listGroups({ signal });
  // A few at once: a console with many groups queues its calls instead of flooding the API.
  const answers = await mapLimit(groups, 4, (g) =>
    api.client.groupOffsets(g.group, { topic }, { signal }).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'GROUP_NOT_FOUND') return undefined;
      throw err;
    }),
  );
  const counters: Record<string, number> = {};
  let consuming = 0;
  for (const answer of answers) {
    let any = false;
    for (const p of answer?.partitions ?? []) {
      if (p.topic !== topic || p.committedOffset === null) continue;
      counters[`${answer!.group}\u0000${p.partition}`] = p.committedOffset;
      any = true;
    }
    if (any) consuming++;
  }
  return { counters, groups: consuming };
}
