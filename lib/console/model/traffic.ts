/**
 * The traffic the cost screen prices, measured in the browser: samples of every topic's
 * high watermarks, and what two of them say about records written per second. Pure, so
 * the arithmetic is tested without a browser (test/lib/console/model/traffic.test.ts).
 */

/** One partition as `GET /v1/topics/{topic}/offsets` answers it; `storedBytes` where the server counts it. */
export interface SampledPartition {
  partition: number;
  logStartOffset: number;
  highWatermark: number;
  storedBytes?: number;
}

export interface SampledTopic {
  name: string;
  /** Unique per creation: a topic deleted and created again is another topic. */
  topicId: string;
  partitions: SampledPartition[];
  config: Record<string, string>;
}

export interface TrafficSample {
  /** When the sample was taken, in ms. */
  at: number;
  topics: SampledTopic[];
}

export interface TrafficRate {
  /** Seconds between the two samples. */
  seconds: number;
  /** Records written between them, over every topic. */
  records: number;
  recordsPerSecond: number;
  /** Records written per topic, by name (only topics that were written). */
  byTopic: Record<string, number>;
}

/**
 * Records written between `from` and `to`: per partition, the high watermark's growth. A
 * partition `from` did not see (a new topic, a recreated one, added partitions) counts from
 * 0, since all it holds was written in between; a high watermark that went back (a
 * counter reset) counts from 0 too rather than as negative traffic.
 */
export function trafficBetween(from: TrafficSample, to: TrafficSample): TrafficRate {
  const before = new Map<string, number>();
  for (const topic of from.topics) for (const p of topic.partitions) before.set(partitionKey(topic.topicId, p.partition), p.highWatermark);
  const byTopic: Record<string, number> = {};
  let records = 0;
  for (const topic of to.topics) {
    let written = 0;
    for (const p of topic.partitions) {
      const then = before.get(partitionKey(topic.topicId, p.partition));
      written += then === undefined || p.highWatermark < then ? p.highWatermark : p.highWatermark - then;
    }
    if (written > 0) byTopic[topic.name] = (byTopic[topic.name] ?? 0) + written;
    records += written;
  }
  const seconds = Math.max(0, (to.at - from.at) / 1000);
  return { seconds, records, recordsPerSecond: seconds > 0 ? records / seconds : 0, byTopic };
}

const partitionKey = (topicId: string, partition: number) => `${topicId}\u0000${partition}`;

/**
 * Average stored bytes per record from the offsets' `storedBytes`: over the topics
 * written in `rate` if any has the figure, else over every topic that holds records.
 * Undefined when no partition reports it (an older server) or none holds a record.
 */
export function storedBytesPerRecord(sample: TrafficSample, written: Record<string, number> = {}): number | undefined {
  const average = (topics: SampledTopic[]) => {
    let bytes = 0;
    let held = 0;
    for (const topic of topics) {
      for (const p of topic.partitions) {
        const count = p.highWatermark - p.logStartOffset;
        if (p.storedBytes === undefined || count <= 0) continue;
        bytes += p.storedBytes;
        held += count;
      }
    }
    return held > 0 ? bytes / held : undefined;
  };
  return average(sample.topics.filter((t) => (written[t.name] ?? 0) > 0)) ?? average(sample.topics);
}

/** A fetched record's key and value, in the base64 encoding the cost screen asks for. */
export interface FetchedPayload {
  key: string | null;
  value: string | null;
}

/** Bytes a base64 string decodes to. */
export function base64Bytes(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return Math.max(0, (text.length / 4) * 3 - padding);
}

/** Average payload (key and value) bytes of `records`, undefined for none. */
export function payloadBytesPerRecord(records: FetchedPayload[]): number | undefined {
  if (records.length === 0) return undefined;
  const total = records.reduce((sum, r) => sum + base64Bytes(r.key ?? '') + base64Bytes(r.value ?? ''), 0);
  return total / records.length;
}

/** Partitions over every topic. */
export function totalPartitions(sample: TrafficSample): number {
  return sample.topics.reduce((sum, t) => sum + t.partitions.length, 0);
}

/** Retention of a topic without `retention.ms`: Kafka's 7 days, the local platform's default (lib/retention). */
export const DEFAULT_RETENTION_HOURS = 168;

/**
 * The longest retention of any topic, in hours (the storage bill's upper bound): a
 * topic's `retention.ms`, else the default. A topic kept forever (-1) has no figure to
 * price, so it is counted in `unlimited` instead.
 */
export function longestRetention(sample: TrafficSample): { hours: number; unlimited: number } {
  let hours = 0;
  let unlimited = 0;
  for (const topic of sample.topics) {
    const raw = topic.config['retention.ms'];
    if (raw === '-1') unlimited++;
    else hours = Math.max(hours, raw !== undefined && /^[1-9]\d*$/.test(raw) ? Number(raw) / 3_600_000 : DEFAULT_RETENTION_HOURS);
  }
  return { hours: hours || DEFAULT_RETENTION_HOURS, unlimited };
}
