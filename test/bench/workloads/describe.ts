import { BenchApi, paddedValue, produceBody } from '../api';
import { counted, figures, type CellFigures, type Meters, type Progress } from '../measure';
import type { BenchOptions } from '../options';
import { runBounded } from '../runner';

export interface DescribeCell extends CellFigures {
  partitions: number;
  /** The topic offsets route (`GET /v1/topics/{topic}/offsets`) on the same topic: the head reads describe no longer makes. */
  offsets?: CellFigures;
}

/**
 * Describe latency by partition count: a topic of each count, every partition written
 * once (so every head exists), then `calls` describes one after the other, then as many
 * calls of the topic offsets route.
 */
export async function measureDescribe(
  api: BenchApi,
  options: BenchOptions,
  run: string,
  meters: Meters,
  progress: Progress,
  /** Runs after each cell, for the raw floor of the same partition count. */
  afterCell?: (cell: DescribeCell) => Promise<void>,
): Promise<DescribeCell[]> {
  const cells: DescribeCell[] = [];
  const value = paddedValue('', 100);
  for (const partitions of options.describe.partitions) {
    const topic = `bench-describe-p${partitions}-${run}`;
    await api.createTopic(topic, partitions);
    let next = 0;
    await runBounded(8, { durationMs: 120_000, maxOps: partitions }, async () => {
      await api.produce(topic, produceBody(1, next++ % partitions, () => value));
      return {};
    });
    await api.describeTopic(topic);
    const { result, ...measured } = await counted(meters, () =>
      runBounded(1, { durationMs: 60_000, maxOps: options.describe.calls }, async () => {
        await api.describeTopic(topic);
        return {};
      }),
    );
    await api.topicOffsets(topic);
    const offsets = await counted(meters, () =>
      runBounded(1, { durationMs: 60_000, maxOps: options.describe.calls }, async () => {
        await api.topicOffsets(topic);
        return {};
      }),
    );
    const { result: offsetsRun, ...offsetsMeasured } = offsets;
    const cell: DescribeCell = { partitions, ...figures(result, measured), offsets: figures(offsetsRun, offsetsMeasured) };
    cells.push(cell);
    progress(`describe, ${partitions} partition(s): p50 ${cell.latencyMs.p50.toFixed(1)} ms, p99 ${cell.latencyMs.p99.toFixed(1)} ms`);
    progress(`topic offsets, ${partitions} partition(s): p50 ${cell.offsets!.latencyMs.p50.toFixed(1)} ms, p99 ${cell.offsets!.latencyMs.p99.toFixed(1)} ms`);
    await afterCell?.(cell);
  }
  return cells;
}
