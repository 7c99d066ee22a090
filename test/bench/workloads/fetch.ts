import { BenchApi, type FetchFormat, nowMs, paddedValue, produceBody, sentAt, timestampedValue } from '../api';
import { counted, figures, type CellFigures, type Measured, type Meters, type Progress } from '../measure';
import type { BenchOptions } from '../options';
import { runBounded } from '../runner';
import { perSecond, summarize, type LatencySummary } from '../stats';
import type { RequestSnapshot } from '../../../lib/cost/request-accounting';
import type { ProduceCell } from './produce';

export interface ConsumeCell extends CellFigures {
  batch: number;
  /** maxRecords of every fetch: the batch size the partition was written with. */
  maxRecords: number;
}

/**
 * Consume calls at a batch size: one reader fetches `maxRecords = batch` at a time from the
 * start of the partition the single-client produce cell wrote (batches of that size),
 * wrapping around at the high watermark. Gives requests per consume call for the cost model.
 */
export async function measureConsumeByBatch(
  api: BenchApi,
  options: BenchOptions,
  produced: readonly ProduceCell[],
  meters: Meters,
  progress: Progress,
): Promise<ConsumeCell[]> {
  const cells: ConsumeCell[] = [];
  for (const batch of options.produce.batches) {
    const source = produced.find((c) => c.batch === batch && c.clients === 1);
    if (!source) continue;
    let offset = 0;
    const { result, ...measured } = await counted(meters, () =>
      runBounded(1, options.consumeByBatch.bounds(batch), async () => {
        const answer = await api.fetch(source.topic, 0, { offset, maxRecords: batch });
        offset = answer.nextOffset >= answer.highWatermark ? 0 : answer.nextOffset;
        return { records: answer.records.length, bytes: answer.records.length * options.recordBytes };
      }),
    );
    const cell: ConsumeCell = { batch, maxRecords: batch, ...figures(result, measured) };
    cells.push(cell);
    progress(`consume maxRecords=${batch}: ${cell.ops} fetches, ${cell.recordsPerSecond.toFixed(0)} records/s, p50 ${cell.latencyMs.p50.toFixed(1)} ms`);
  }
  return cells;
}

export interface EarliestCell extends CellFigures {
  consumers: number;
  /** How the fetches were answered: the stored batches (the client's default), or JSON. */
  format: FetchFormat;
  /** Bytes S3 returned per payload byte the fetches answered (ranged GETs of whole batches). */
  s3BytesPerPayloadByte?: number;
}

export interface EarliestResult {
  topic: string;
  /** Average segment object bytes the prefill wrote per call (one batch of `prefillBatch` records). */
  objectBytes?: number;
  prefill: { calls: number; records: number; elapsedMs: number; requests?: RequestSnapshot };
  cells: EarliestCell[];
}

/**
 * Fetch throughput from the earliest offset of prefilled partitions: each consumer reads
 * its own partition from offset 0 with the default maxBytes (1 MiB), base64 as the API
 * answers by default, and starts over at the high watermark. Each format in turn: the
 * stored batches, decoded by the client's reader, and JSON.
 */
export async function measureEarliest(
  api: BenchApi,
  options: BenchOptions,
  run: string,
  meters: Meters,
  progress: Progress,
  /** Runs after each cell of the first format with the segment object size, for the raw GET figures. */
  afterCell?: (cell: EarliestCell, objectBytes: number | undefined) => Promise<void>,
): Promise<EarliestResult> {
  const { partitions, recordsPerPartition, prefillBatch, consumers, formats, bounds } = options.earliest;
  const topic = `bench-earliest-${run}`;
  await api.createTopic(topic, partitions);
  const value = paddedValue('', options.recordBytes);
  const bodies = Array.from({ length: partitions }, (_, p) => produceBody(prefillBatch, p, () => value));
  const callsPerPartition = Math.ceil(recordsPerPartition / prefillBatch);
  const started = performance.now();
  const { requests: prefillRequests } = await counted(meters, () =>
    Promise.all(
      bodies.map(async (body) => {
        for (let i = 0; i < callsPerPartition; i++) await api.produce(topic, body);
      }),
    ),
  );
  const prefill = { calls: callsPerPartition * partitions, records: callsPerPartition * partitions * prefillBatch, elapsedMs: performance.now() - started, requests: prefillRequests };
  const put = prefillRequests?.services.S3?.PutObject;
  const objectBytes = put && put.requests > 0 ? put.bytesSent / put.attempts : undefined;
  progress(`prefilled ${partitions} partitions with ${prefill.records} records in ${prefill.calls} calls (${(prefill.elapsedMs / 1000).toFixed(1)} s)`);

  const cells: EarliestCell[] = [];
  for (const format of formats) {
    for (const n of consumers) {
      const offsets = new Array<number>(n).fill(0);
      const { result, ...measured } = await counted(meters, () =>
        runBounded(n, bounds, async (worker) => {
          const answer = await api.fetch(topic, worker % partitions, { offset: offsets[worker]!, maxRecords: 10_000 }, undefined, format);
          offsets[worker] = answer.nextOffset >= answer.highWatermark ? 0 : answer.nextOffset;
          return { records: answer.records.length, bytes: answer.records.length * options.recordBytes };
        }),
      );
      const cell: EarliestCell = { consumers: n, format, ...figures(result, measured) };
      const get = measured.requests?.services.S3?.GetObject;
      if (get && cell.payloadBytes > 0) cell.s3BytesPerPayloadByte = get.bytesReceived / cell.payloadBytes;
      cells.push(cell);
      progress(
        `fetch from earliest (${format}), ${n} consumer(s): ${cell.recordsPerSecond.toFixed(0)} records/s, ${cell.mibPerSecond.toFixed(2)} MiB/s, p50 ${cell.latencyMs.p50.toFixed(1)} ms${cell.s3BytesPerPayloadByte ? `, S3 read ${cell.s3BytesPerPayloadByte.toFixed(2)} bytes per byte answered` : ''}`,
      );
      if (format === formats[0]) await afterCell?.(cell, objectBytes);
    }
  }
  return { topic, objectBytes, prefill, cells };
}

export interface TailResult {
  producerBatch: number;
  produced: number;
  consumed: number;
  elapsedMs: number;
  fetches: number;
  recordsPerFetch: number;
  consumedRecordsPerSecond: number;
  consumedMibPerSecond: number;
  fetchesPerSecond: number;
  produceLatencyMs: LatencySummary;
  /** From the start of a produce call to a long-polling reader holding its records, per produce call. */
  endToEndMs: LatencySummary;
  /** Producer and consumer together (in-process only). */
  requests?: RequestSnapshot;
  background?: Measured['background'];
}

/**
 * Fetch at the tail: one producer writes batches of 100 as fast as it can while one reader
 * long-polls (waitMs) from the high watermark. Measures what the reader keeps up with, how
 * many records each fetch brings, and end-to-end latency under that load.
 */
export async function measureTail(api: BenchApi, options: BenchOptions, run: string, meters: Meters, progress: Progress): Promise<TailResult> {
  const topic = `bench-tail-${run}`;
  await api.createTopic(topic, 1);
  const batch = options.tail.producerBatch;
  await api.produce(topic, produceBody(1, 0, () => timestampedValue(options.recordBytes)));
  let produced = 0;
  let consumed = 0;
  let fetches = 0;
  let lastReceived = 0;
  const produceLatencies: number[] = [];
  const endToEnd: number[] = [];
  const controller = new AbortController();
  let offset = 1;
  let producing = true;
  const started = performance.now();
  const { result: _done, ...measured } = await counted(meters, async () => {
    const consumer = (async () => {
      const seen = new Set<number>();
      while (!controller.signal.aborted) {
        const answer = await api.fetch(topic, 0, { offset, maxRecords: 10_000, waitMs: 2000, encoding: 'utf8' }, controller.signal).catch((error: unknown) => {
          if (controller.signal.aborted) return undefined;
          throw error;
        });
        if (!answer) break;
        fetches++;
        const at = nowMs();
        for (const record of answer.records) {
          const t = sentAt(record.value);
          if (t !== undefined && !seen.has(t)) {
            seen.add(t);
            endToEnd.push(at - t);
          }
        }
        consumed += answer.records.length;
        offset = answer.nextOffset;
        if (answer.records.length) lastReceived = performance.now();
        if (!producing && consumed >= produced) break;
      }
    })();
    const deadline = started + options.tail.durationMs;
    while (performance.now() < deadline) {
      const body = produceBody(batch, 0, () => timestampedValue(options.recordBytes));
      const t0 = performance.now();
      await api.produce(topic, body);
      produceLatencies.push(performance.now() - t0);
      produced += batch;
    }
    producing = false;
    const drainDeadline = setTimeout(() => controller.abort(), 10_000);
    await consumer;
    clearTimeout(drainDeadline);
    controller.abort();
  });
  const elapsedMs = (lastReceived || performance.now()) - started;
  const tail: TailResult = {
    producerBatch: batch,
    produced,
    consumed,
    elapsedMs,
    fetches,
    recordsPerFetch: fetches ? consumed / fetches : 0,
    consumedRecordsPerSecond: perSecond(consumed, elapsedMs),
    consumedMibPerSecond: perSecond((consumed * options.recordBytes) / 1024 ** 2, elapsedMs),
    fetchesPerSecond: perSecond(fetches, elapsedMs),
    produceLatencyMs: summarize(produceLatencies),
    endToEndMs: summarize(endToEnd),
    ...measured,
  };
  progress(
    `fetch at the tail: ${tail.consumed}/${tail.produced} records, ${tail.consumedRecordsPerSecond.toFixed(0)} records/s, ${tail.recordsPerFetch.toFixed(0)} records per fetch, end-to-end p50 ${tail.endToEndMs.p50.toFixed(1)} ms p99 ${tail.endToEndMs.p99.toFixed(1)} ms`,
  );
  return tail;
}
