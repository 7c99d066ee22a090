import { BenchApi, paddedValue, produceBody } from '../api';
import { counted, figures, type CellFigures, type Meters, type Progress } from '../measure';
import type { BenchOptions } from '../options';
import { runBounded } from '../runner';

export interface ProduceCell extends CellFigures {
  batch: number;
  clients: number;
  topic: string;
  /** The JSON request body of one call. */
  bodyBytes: number;
}

/**
 * Produce throughput: `clients` concurrent callers, each sending calls of `batch` 1 KiB
 * records to its own partition as fast as answers come back, bounded by time and count.
 * One topic per batch size; each cell first warms the partitions it writes.
 */
/** Warms every code path the cells use: produce calls of a few sizes from 4 clients, each followed by a fetch. */
export async function warmUp(api: BenchApi, options: BenchOptions, run: string, progress: Progress): Promise<void> {
  const topic = `bench-warmup-${run}`;
  await api.createTopic(topic, 4);
  const value = paddedValue('', options.recordBytes);
  const bodies = [1, 10, 100].flatMap((batch) => [0, 1, 2, 3].map((partition) => produceBody(batch, partition, () => value)));
  const result = await runBounded(4, { durationMs: options.warmupMs, maxOps: 1_000_000 }, async (worker, sequence) => {
    const { offset } = await api.produce(topic, bodies[(sequence % 3) * 4 + worker]!);
    await api.fetch(topic, worker, { offset, maxRecords: 100 });
    return {};
  });
  progress(`warmed up with ${result.ops} produce and fetch pairs${result.errors ? ` (${result.errors} errors: ${JSON.stringify(result.errorCodes)})` : ''}`);
}

export async function measureProduce(
  api: BenchApi,
  options: BenchOptions,
  run: string,
  meters: Meters,
  progress: Progress,
  /** Runs after each cell: the raw-storage figures for the same sizes, measured while the emulators are as warm. */
  afterCell?: (cell: ProduceCell) => Promise<void>,
): Promise<ProduceCell[]> {
  const cells: ProduceCell[] = [];
  const value = paddedValue('', options.recordBytes);
  for (const batch of options.produce.batches) {
    const topic = `bench-produce-b${batch}-${run}`;
    await api.createTopic(topic, options.partitions);
    const maxClients = Math.max(...options.produce.clients);
    const bodies = Array.from({ length: maxClients }, (_, partition) => produceBody(batch, partition, () => value));
    for (const clients of options.produce.clients) {
      await Promise.all(bodies.slice(0, clients).map((body) => api.produce(topic, body)));
      const { result, ...measured } = await counted(meters, () =>
        runBounded(clients, options.produce.bounds(batch), async (worker) => {
          await api.produce(topic, bodies[worker]!);
          return { records: batch, bytes: batch * options.recordBytes };
        }),
      );
      const cell: ProduceCell = { batch, clients, topic, bodyBytes: Buffer.byteLength(bodies[0]!), ...figures(result, measured) };
      cells.push(cell);
      progress(
        `produce batch=${batch} clients=${clients}: ${cell.ops} calls, ${cell.recordsPerSecond.toFixed(0)} records/s, ${cell.mibPerSecond.toFixed(2)} MiB/s, p50 ${cell.latencyMs.p50.toFixed(1)} ms, p99 ${cell.latencyMs.p99.toFixed(1)} ms${cell.errors ? `, ${cell.errors} errors ${JSON.stringify(cell.errorCodes)}` : ''}`,
      );
      await afterCell?.(cell);
    }
  }
  return cells;
}
