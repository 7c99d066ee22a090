/**
 * `npm run bench [-- --quick]`: Sluice's throughput, latency, request counts and modeled
 * AWS cost, measured against the local platform started in this process (or against
 * SLUICE_BENCH_URL). Progress goes to stderr, one line per cell; the report (Markdown
 * tables) to stdout; everything measured to bench-results/bench-<timestamp>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform as osPlatform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { BenchApi } from './api';
import { buildCostReport } from './cost-report';
import type { Progress } from './measure';
import { measures, parseOptions } from './options';
import { objectBytesOf, renderReport, type BenchResults } from './report';
import { memoryOf, startTarget } from './target';
import { measureConsumeByBatch, measureEarliest, measureTail } from './workloads/fetch';
import { measureLatency } from './workloads/latency';
import { measureProduce, warmUp } from './workloads/produce';
import { measureProducerClient } from './workloads/producer-client';
import { measureCliProduce } from './workloads/cli-produce';
import { measureConsolePaint } from './workloads/console-paint';
import { RawStorageBench, type RawCell } from './workloads/raw-storage';
import { measureContention } from './workloads/contention';
import { measureDescribe } from './workloads/describe';
import { measureKafka } from './workloads/kafka';
import { measureIdleCost } from './workloads/idle-cost';
import { measureReaderLatency } from './workloads/reader-latency';
import { measureSmallObjectCompaction } from './workloads/small-object-compaction';
import { measureTailCost, watchSupport, type WaitMode } from './workloads/tail-cost';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const started = performance.now();
  const startedAt = new Date();
  const loadAtStart = loadavg()[0]!;
  const progress: Progress = (line) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  const target = await startTarget(options.url, progress);
  const stopOnSignal = () => {
    progress('interrupted; stopping the platform');
    void target.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  try {
    const api = new BenchApi(target.url);
    const run = Math.random().toString(36).slice(2, 8);
    const meters = target.meters;

    // The idle bill first, while only its own topics exist.
    const idle = measures(options, 'idle') ? await measureIdleCost(api, target.schedules, options, run, meters, progress) : undefined;
    await warmUp(api, options, run, progress);
    // Raw-storage figures are measured right after the Sluice cell they compare with, so both
    // see the emulators (and DynamoDB Local's JIT) in the same state.
    const raw: RawCell[] = [];
    const bench = target.raw ? new RawStorageBench(target.raw, progress) : undefined;
    if (!bench) progress('raw-storage figures skipped: no emulators in this process');
    const committedAt = new Set<number>();
    const produce = !measures(options, 'produce') ? [] : await measureProduce(api, options, run, meters, progress, async (cell) => {
      const bytes = objectBytesOf(cell);
      if (!bench || bytes === undefined) return;
      const bounds = options.raw.bounds(cell.batch);
      raw.push(await bench.put(bytes, cell.clients, bounds));
      raw.push(await bench.floor(bytes, cell.clients, bounds));
      if (!committedAt.has(cell.clients)) {
        committedAt.add(cell.clients);
        raw.push(await bench.commit(cell.clients, options.raw.bounds(1)));
      }
    });
    const producerClient = !measures(options, 'producer-client') ? undefined : await measureProducerClient(api, options, run, meters, target.lambdaMemoryMiB.produce, progress);
    const cliProduce = !measures(options, 'cli-produce') ? undefined : await measureCliProduce(api, options, run, progress);
    const consumeByBatch = !measures(options, 'consume') ? [] : await measureConsumeByBatch(api, options, produce, meters, progress);
    const earliest = !measures(options, 'earliest') ? undefined : await measureEarliest(api, options, run, meters, progress, async (cell, objectBytes) => {
      if (!bench || !objectBytes) return;
      raw.push(await bench.get(objectBytes, cell.consumers, options.raw.bounds(options.earliest.prefillBatch)));
      // The minimum fetch of as many batches (one object each) as a Sluice fetch answered.
      const batchesPerFetch = cell.ops ? cell.records / cell.ops / options.earliest.prefillBatch : 1;
      raw.push(await bench.fetchFloor(objectBytes, Math.max(1, Math.round(batchesPerFetch)), cell.consumers, options.raw.bounds(options.earliest.prefillBatch)));
    });
    const tail = !measures(options, 'tail') ? undefined : await measureTail(api, options, run, meters, progress);
    const latency = !measures(options, 'latency') ? undefined : await measureLatency(api, options, run, progress);
    // The latency comparison's raw sequence, measured right after it (the machine's load changes over a run).
    const single = produce.find((c) => c.batch === 1 && c.clients === 1);
    const singleBytes = single ? objectBytesOf(single) : undefined;
    const latencyFloor = latency && bench && single && singleBytes ? await bench.floor(singleBytes, 1, options.raw.bounds(1)) : undefined;
    const modes: WaitMode[] = watchSupport(target.url, target.watchUrl).available ? ['long-poll', 'watch'] : ['long-poll'];
    const readerLatency = !measures(options, 'reader-latency') ? undefined : await measureReaderLatency(api, target.watchUrl, modes, options, run, memoryOf, progress);
    const describe = !measures(options, 'describe')
      ? undefined
      : await measureDescribe(api, options, run, meters, progress, async (cell) => {
          if (bench) raw.push(await bench.describeFloor(cell.partitions, { durationMs: 60_000, maxOps: options.describe.calls }));
        });
    const contention = !measures(options, 'contention') ? undefined : await measureContention(api, options, run, meters, progress);
    const kafka = !measures(options, 'kafka') || !target.kafkaBootstrap ? undefined : await measureKafka(api, target.kafkaBootstrap, options, run, meters, progress);
    const compaction = !measures(options, 'compaction')
      ? undefined
      : await measureSmallObjectCompaction(api, target.ctx, target.raw ? { client: target.raw.s3, bucket: target.raw.bucket } : undefined, options, run, meters, progress);
    const consolePaint = !measures(options, 'console') ? undefined : await measureConsolePaint(api, options, run, progress);
    // Last: hundreds of waiting consumers load the platform more than anything above.
    const tailCost = !measures(options, 'tail-cost') ? undefined : await measureTailCost(target.url, target.watchUrl, options, run, meters, memoryOf, progress);

    const cost = meters.api ? buildCostReport(produce, consumeByBatch, { ...target.lambdaMemoryMiB, of: memoryOf }, options.recordBytes) : undefined;
    const results: BenchResults = {
      startedAt: startedAt.toISOString(),
      wallSeconds: (performance.now() - started) / 1000,
      command: `npm run bench${options.quick || options.only ? ' --' : ''}${options.quick ? ' --quick' : ''}${options.only ? ` --only ${[...options.only].join(',')}` : ''}`,
      mode: target.mode,
      quick: options.quick,
      machine: {
        nproc: availableParallelism(),
        memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
        node: process.version,
        platform: `${osPlatform()} ${release()}`,
        cpu: cpus()[0]?.model ?? 'unknown',
        loadAverage: { start: loadAtStart, end: loadavg()[0]! },
      },
      produce,
      producerClient,
      cliProduce,
      consumeByBatch,
      earliest,
      tail,
      latency,
      latencyFloor,
      raw,
      cost,
      tailCost,
      readerLatency,
      contention,
      kafka,
      describe,
      compaction,
      consolePaint,
      idle,
    };
    const report = renderReport(results);
    process.stdout.write(report);
    mkdirSync(options.outDir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const file = join(options.outDir, `bench-${stamp}.json`);
    writeFileSync(file, JSON.stringify({ ...results, options: { ...options, only: options.only ? [...options.only] : undefined, produce: { ...options.produce, bounds: options.produce.batches.map((b) => ({ batch: b, ...options.produce.bounds(b) })) } }, report }, null, 2));
    progress(`wrote ${file}; wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    const stopping = performance.now();
    await target.stop();
    progress(`stopped the platform in ${((performance.now() - stopping) / 1000).toFixed(1)} s`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
