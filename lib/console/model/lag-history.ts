import type { PartitionPosition } from '../../protocol/responses';

/**
 * Lag over time, as the group screen samples it. The API keeps no lag history (a group's
 * lag is computed on each read from its committed offsets and the high watermarks), so the
 * console records what it reads while the page is open: the chart starts when the page does.
 */
export interface LagSample {
  /** ms since the epoch, the browser's clock when the answer came. */
  at: number;
  total: number;
  /** Lag summed over each topic's partitions. */
  byTopic: Record<string, number>;
}

/** Samples kept: at one every few seconds, several minutes of history. */
export const MAX_SAMPLES = 120;

export function lagSample(at: number, partitions: Pick<PartitionPosition, 'topic' | 'lag'>[]): LagSample {
  const byTopic: Record<string, number> = {};
  let total = 0;
  for (const p of partitions) {
    byTopic[p.topic] = (byTopic[p.topic] ?? 0) + p.lag;
    total += p.lag;
  }
  return { at, total, byTopic };
}

/** `history` with `sample` appended, the oldest dropped past `max`; a new array, for state. */
export function appendSample(history: readonly LagSample[], sample: LagSample, max = MAX_SAMPLES): LagSample[] {
  const next = [...history, sample];
  return next.length > max ? next.slice(next.length - max) : next;
}

export interface LagSeries {
  /** "Total" or a topic name. */
  name: string;
  /** One value per sample; null where the topic was not in that sample. */
  values: (number | null)[];
}

/** The total first, then one series per topic seen in any sample, by name. */
export function lagSeries(history: readonly LagSample[]): LagSeries[] {
  const topics = [...new Set(history.flatMap((s) => Object.keys(s.byTopic)))].sort();
  return [
    { name: 'Total', values: history.map((s) => s.total) },
    ...topics.map((topic) => ({ name: topic, values: history.map((s) => s.byTopic[topic] ?? null) })),
  ];
}
