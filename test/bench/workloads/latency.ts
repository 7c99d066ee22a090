import { setTimeout as delay } from 'node:timers/promises';
import { BenchApi, nowMs, produceBody, sentAt, timestampedValue } from '../api';
import type { Progress } from '../measure';
import type { BenchOptions } from '../options';
import { summarize, type LatencySummary } from '../stats';

export interface LatencyResult {
  samples: number;
  gapMs: number;
  /** Produce call round trip: the client's send to the 200 answer (records durable and committed). */
  produceMs: LatencySummary;
  /** From the start of the produce call until a long-polling reader holds the record. */
  endToEndMs: LatencySummary;
  missing: number;
}

/**
 * Latency at light load: one producer sends one 1 KiB record per call, waiting `gapMs`
 * between calls, while one reader long-polls the partition (waitMs 10 s) from the tail.
 */
export async function measureLatency(api: BenchApi, options: BenchOptions, run: string, progress: Progress): Promise<LatencyResult> {
  const topic = `bench-latency-${run}`;
  await api.createTopic(topic, 1);
  await api.produce(topic, produceBody(1, 0, () => timestampedValue(options.recordBytes)));
  const { samples, gapMs } = options.latency;
  const produceMs: number[] = [];
  const endToEndMs: number[] = [];
  const controller = new AbortController();
  let received = 0;
  const consumer = (async () => {
    let offset = 1;
    while (!controller.signal.aborted && received < samples) {
      const answer = await api.fetch(topic, 0, { offset, maxRecords: 1000, waitMs: 10_000, encoding: 'utf8' }, controller.signal).catch((error: unknown) => {
        if (controller.signal.aborted) return undefined;
        throw error;
      });
      if (!answer) break;
      const at = nowMs();
      for (const record of answer.records) {
        const t = sentAt(record.value);
        if (t !== undefined) endToEndMs.push(at - t);
      }
      received += answer.records.length;
      offset = answer.nextOffset;
    }
  })();
  for (let i = 0; i < samples; i++) {
    const body = produceBody(1, 0, () => timestampedValue(options.recordBytes));
    const t0 = performance.now();
    await api.produce(topic, body);
    produceMs.push(performance.now() - t0);
    await delay(gapMs);
  }
  const timeout = setTimeout(() => controller.abort(), 15_000);
  await consumer;
  clearTimeout(timeout);
  controller.abort();
  const result: LatencyResult = { samples, gapMs, produceMs: summarize(produceMs), endToEndMs: summarize(endToEndMs), missing: samples - endToEndMs.length };
  progress(
    `latency, ${samples} single-record calls: produce p50 ${result.produceMs.p50.toFixed(1)} ms p99 ${result.produceMs.p99.toFixed(1)} ms; end-to-end p50 ${result.endToEndMs.p50.toFixed(1)} ms p99 ${result.endToEndMs.p99.toFixed(1)} ms`,
  );
  return result;
}
