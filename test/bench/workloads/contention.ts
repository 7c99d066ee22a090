import { BenchApi, paddedValue, produceBody } from '../api';
import { counted, figures, type CellFigures, type Meters, type Progress } from '../measure';
import type { BenchOptions } from '../options';
import { runBounded } from '../runner';

export interface ContentionCell extends CellFigures {
  producers: number;
}

/**
 * Producers contending for one partition head: `producers` callers each send one 1 KiB
 * record per call to partition 0 of one topic, back to back. Every commit is a conditional
 * transaction on the head, so concurrent calls cancel each other's transactions and retry;
 * the request counts show how many transactions (attempted and cancelled) a call took,
 * and AWS bills the cancelled ones too.
 */
export async function measureContention(api: BenchApi, options: BenchOptions, run: string, meters: Meters, progress: Progress): Promise<ContentionCell[]> {
  const cells: ContentionCell[] = [];
  const body = produceBody(1, 0, () => paddedValue('', options.recordBytes));
  for (const producers of options.contention.producers) {
    const topic = `bench-contention-${producers}-${run}`;
    await api.createTopic(topic, 1);
    await api.produce(topic, body);
    const { result, ...measured } = await counted(meters, () =>
      runBounded(producers, options.contention.bounds, async () => {
        await api.produce(topic, body);
        return { records: 1, bytes: options.recordBytes };
      }),
    );
    const cell: ContentionCell = { producers, ...figures(result, measured) };
    cells.push(cell);
    const tx = measured.requests?.services.DynamoDB?.TransactWriteItems;
    progress(
      `contention, ${producers} producer(s) on one partition: ${cell.opsPerSecond.toFixed(1)} calls/s, p50 ${cell.latencyMs.p50.toFixed(1)} ms` +
        `${tx && cell.ops ? `, ${(tx.requests / cell.ops).toFixed(2)} transactions per call` : ''}${cell.errors ? `, ${cell.errors} errors ${JSON.stringify(cell.errorCodes)}` : ''}`,
    );
  }
  return cells;
}
