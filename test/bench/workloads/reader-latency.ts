import { setTimeout as delay } from 'node:timers/promises';
import { SluiceConsumer } from '../../../lib/client/index';
import { BenchApi, nowMs, produceBody, sentAt, timestampedValue } from '../api';
import { CallMeter } from '../call-meter';
import type { Progress } from '../measure';
import type { BenchOptions } from '../options';
import { summarize, type LatencySummary } from '../stats';
import { meteredClient, type WaitMode } from './tail-cost';

export interface ReaderLatencyCell {
  mode: WaitMode;
  samples: number;
  produceMs: LatencySummary;
  /** From the start of the produce call until the consumer's iterator hands the record out. */
  endToEndMs: LatencySummary;
  missing: number;
  /** WebSocket connections the reader opened (0 when long-polling). */
  connections: number;
}

/**
 * End-to-end latency through the client, for each way of waiting in the same run: one
 * producer sends one 1 KiB record per call every `gapMs`, while one SluiceConsumer
 * (manual assignment of the partition, at its end) iterates; the send time travels in the
 * value. The modes run one after the other on topics of their own.
 */
export async function measureReaderLatency(
  api: BenchApi,
  watchUrl: string | undefined,
  modes: readonly WaitMode[],
  options: BenchOptions,
  run: string,
  memoryOf: (fn: string) => number,
  progress: Progress,
): Promise<ReaderLatencyCell[]> {
  const cells: ReaderLatencyCell[] = [];
  for (const mode of modes) {
    const topic = `bench-reader-${mode}-${run}`;
    await api.createTopic(topic, 1);
    const meter = new CallMeter(memoryOf);
    const consumer = new SluiceConsumer(meteredClient(api.baseUrl, meter, mode === 'watch' ? watchUrl : undefined), { encoding: 'utf8', autoCommit: false, waitMs: 10_000 });
    await consumer.assign([{ topic, partition: 0 }]);
    const { samples, gapMs } = options.readerLatency;
    const endToEndMs: number[] = [];
    const produceMs: number[] = [];
    const reading = (async () => {
      for await (const record of consumer) {
        const t = sentAt(typeof record.value === 'string' ? record.value : null);
        if (t !== undefined) endToEndMs.push(nowMs() - t);
        if (endToEndMs.length >= samples) break;
      }
    })();
    // Let the reader reach the tail (and arm its watch) before the first record.
    await delay(500);
    for (let i = 0; i < samples; i++) {
      const body = produceBody(1, 0, () => timestampedValue(options.recordBytes));
      const t0 = performance.now();
      await api.produce(topic, body);
      produceMs.push(performance.now() - t0);
      await delay(gapMs);
    }
    await Promise.race([reading, delay(15_000)]);
    await consumer.close().catch(() => undefined);
    const cell: ReaderLatencyCell = { mode, samples, produceMs: summarize(produceMs), endToEndMs: summarize(endToEndMs), missing: samples - endToEndMs.length, connections: meter.connections.length };
    cells.push(cell);
    progress(`end-to-end through the client, ${mode}: p50 ${cell.endToEndMs.p50.toFixed(1)} ms p99 ${cell.endToEndMs.p99.toFixed(1)} ms (${cell.missing} missing, ${cell.connections} WebSocket connections)`);
  }
  return cells;
}
