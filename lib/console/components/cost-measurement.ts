import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../model/api';
import { shownError, type ShownError } from '../model/errors';
import { payloadBytesPerRecord, storedBytesPerRecord, trafficBetween, type SampledTopic, type TrafficRate, type TrafficSample } from '../model/traffic';

/** How often the cost screen samples the high watermarks. */
export const SAMPLE_EVERY_MS = 3_000;
/** Records read to estimate a record's size when the offsets do not say the stored bytes. */
const SIZE_SAMPLE_RECORDS = 20;

export interface RecordSize {
  bytes: number;
  /** Where the figure came from, said beside it. */
  source: 'stored bytes' | 'recent records';
}

export interface Measurement {
  first?: TrafficSample;
  latest?: TrafficSample;
  /** From the first sample to the latest: "since you opened this page". */
  rate?: TrafficRate;
  recordSize?: RecordSize;
  consumerGroups?: number;
  samples: number;
  /** The last sample's failure, if it failed; the figures before it stay shown. */
  error?: ShownError;
}

/** Offsets calls in flight at once, so a platform with many topics is not asked all at once. */
const SAMPLE_CONCURRENCY = 8;

/** `map` with at most `limit` calls of `fn` running, answers in order. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function takeSample(api: Api, signal: AbortSignal): Promise<{ sample: TrafficSample; groups: number }> {
  const [topics, groups] = await Promise.all([api.client.listTopics({ signal }), api.client.listGroups({ signal })]);
  const sampled = await mapLimited(
    topics,
    SAMPLE_CONCURRENCY,
    async (t): Promise<SampledTopic | undefined> => {
      try {
        const offsets = await api.client.listTopicOffsets(t.name, { signal });
        return { name: t.name, topicId: t.topicId, config: t.config, partitions: offsets.partitions };
      } catch (err) {
        // A topic deleted between the list and its offsets is simply not there any more.
        if ((err as { code?: unknown }).code === 'TOPIC_NOT_FOUND') return undefined;
        throw err;
      }
    },
  );
  // One time for the whole sample, taken when its answers are in.
  return { sample: { at: Date.now(), topics: sampled.filter((t): t is SampledTopic => t !== undefined) }, groups: groups.length };
}

/** The payload size of the latest records of the partition written most (or holding most), read back. */
async function recentRecordSize(api: Api, sample: TrafficSample, written: Record<string, number>, signal: AbortSignal): Promise<number | undefined> {
  let best: { topic: string; partition: number; from: number; weight: number } | undefined;
  for (const topic of sample.topics) {
    for (const p of topic.partitions) {
      const held = p.highWatermark - p.logStartOffset;
      if (held <= 0) continue;
      const weight = (written[topic.name] ?? 0) * 1e12 + held;
      if (!best || weight > best.weight) best = { topic: topic.name, partition: p.partition, from: Math.max(p.logStartOffset, p.highWatermark - SIZE_SAMPLE_RECORDS), weight };
    }
  }
  if (!best) return undefined;
  const answer = await api.client.fetchRecords(best.topic, best.partition, { offset: best.from, maxRecords: SIZE_SAMPLE_RECORDS, encoding: 'base64', format: 'json' }, { signal });
  return payloadBytesPerRecord(answer.records);
}

/**
 * Samples every topic's high watermarks every `everyMs` while mounted, and the consumer
 * groups, and keeps the rate from the first sample to the latest.
 */
export function useTrafficMeasurement(api: Api, everyMs = SAMPLE_EVERY_MS): Measurement {
  const [measurement, setMeasurement] = useState<Measurement>({ samples: 0 });
  useEffect(() => {
    const abort = new AbortController();
    let first: TrafficSample | undefined;
    let recordSize: RecordSize | undefined;
    let samples = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async () => {
      try {
        const { sample, groups } = await takeSample(api, abort.signal);
        first ??= sample;
        samples++;
        const rate = trafficBetween(first, sample);
        const stored = storedBytesPerRecord(sample, rate.byTopic);
        if (stored !== undefined) recordSize = { bytes: stored, source: 'stored bytes' };
        // Without stored bytes: read a few records now and then (the first time, then every tenth sample).
        else if (!recordSize || samples % 10 === 0) {
          const read = await recentRecordSize(api, sample, rate.byTopic, abort.signal);
          if (read !== undefined) recordSize = { bytes: read, source: 'recent records' };
        }
        if (!abort.signal.aborted) setMeasurement({ first, latest: sample, rate, recordSize, consumerGroups: groups, samples });
      } catch (err) {
        if (!abort.signal.aborted) setMeasurement((m) => ({ ...m, error: shownError(err) }));
      }
      // The next sample after this one answered, so a slow API is never asked twice at once.
      if (!abort.signal.aborted) timer = setTimeout(round, everyMs);
    };
    void round();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [api, everyMs]);
  return measurement;
}
