import type { Bounds } from './runner';
import type { FetchFormat } from './api';

/** What one benchmark run measures, and for how long: `--quick` has fewer cells and shorter bounds. */
export interface BenchOptions {
  quick: boolean;
  outDir: string;
  /** `--only a,b`: just these workloads (for working on one figure); every workload when absent. */
  only?: ReadonlySet<Workload>;
  /** An already running Sluice (SLUICE_BENCH_URL): no in-process platform, so no request counts or raw-storage figures. */
  url?: string;
  recordBytes: number;
  /** Produce and fetch calls before measuring anything, so the JIT (Node's and DynamoDB Local's JVM) is warm. */
  warmupMs: number;
  /** Partitions of every throughput topic; client i writes partition i. */
  partitions: number;
  produce: { batches: number[]; clients: number[]; bounds: (batch: number) => Bounds };
  consumeByBatch: { bounds: (batch: number) => Bounds };
  earliest: { partitions: number; recordsPerPartition: number; prefillBatch: number; consumers: number[]; formats: FetchFormat[]; bounds: Bounds };
  tail: { producerBatch: number; durationMs: number };
  latency: { samples: number; gapMs: number };
  raw: { bounds: (batch: number) => Bounds };
  /**
   * Consumers waiting at the tail of idle partitions (workloads/tail-cost.ts): each cell
   * starts `consumers` consumers on a topic of `partitions` partitions, waits until they are
   * quiet (no call for `settleMs`, at most `maxSettleMs`), then counts `windowMs` of waiting.
   * `widePartitions` add watch-mode cells of one consumer each (a long-poll per partition
   * there would hold hundreds of functions): the cost of a consumer of many partitions.
   */
  tailCost: { consumers: number[]; partitions: number[]; widePartitions: number[]; settleMs: number; maxSettleMs: number; windowMs: number; waitMs: number; heartbeats: number };
  /** End-to-end latency through the client, long-polling and watching (workloads/reader-latency.ts). */
  readerLatency: { samples: number; gapMs: number };
  /** Producers on one partition (workloads/contention.ts). */
  contention: { producers: number[]; bounds: Bounds };
  /** Describe of a topic of each partition count (workloads/describe.ts). */
  describe: { partitions: number[]; calls: number };
  /**
   * Small objects before and after compaction (workloads/small-object-compaction.ts): one
   * partition written with `records` 1-record produce calls from `producers` callers, read
   * from the earliest offset, compacted, read again.
   */
  compaction: { records: number; producers: number };
  /** Idle topics and partitions the scheduled functions run over once each (workloads/idle-cost.ts). */
  idle: { topics: number; partitions: number };
  /** Loads of each web console screen, each in a fresh browser context (workloads/console-paint.ts). */
  console: { repetitions: number };
  /**
   * Producer throughput through the client (workloads/producer-client.ts): `senders`
   * application tasks sharing one SluiceProducer at each of `lingers`, paced at
   * `pacedRecordsPerSecond` and back to back, beside one record per HTTP call from as many callers.
   */
  /**
   * Kafka clients through the gateway (workloads/kafka.ts): a kafkajs producer sending
   * `batch` records a request from `producerConcurrency` tasks; kcat sending `kcatRecords`;
   * `smallProducers` kafkajs producers, each on its own connection, one record a request.
   */
  kafka: { partitions: number; batch: number; producerConcurrency: number; bounds: Bounds; kcatRecords: number; smallProducers: number[]; smallBounds: Bounds };
  producerClient: {
    senders: number;
    partitions: number;
    lingers: number[];
    pacedRecordsPerSecond: number;
    /** The linger settings are measured in alternating slices, this many each; `paced` and `backToBack` bound one slice. */
    slices: number;
    paced: Bounds;
    backToBack: Bounds;
    raw: Bounds;
  };
}

/** The workloads `--only` can name, in the order a run measures them. */
export const WORKLOADS = ['idle', 'produce', 'producer-client', 'cli-produce', 'consume', 'earliest', 'tail', 'latency', 'reader-latency', 'describe', 'contention', 'kafka', 'compaction', 'console', 'tail-cost'] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Whether a run with these options measures `workload`. */
export function measures(options: Pick<BenchOptions, 'only'>, workload: Workload): boolean {
  return !options.only || options.only.has(workload);
}

function parseOnly(list: string | undefined): ReadonlySet<Workload> {
  const names = (list ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(WORKLOADS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) throw new Error(`--only takes a comma-separated list of ${WORKLOADS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  return new Set(names as Workload[]);
}

const FULL: Omit<BenchOptions, 'quick' | 'outDir' | 'url' | 'only'> = {
  recordBytes: 1024,
  warmupMs: 5000,
  partitions: 16,
  produce: {
    batches: [1, 100, 1000],
    clients: [1, 4, 16],
    bounds: (batch) => ({ durationMs: 8000, maxOps: batch === 1 ? 20_000 : batch === 100 ? 4000 : 600 }),
  },
  consumeByBatch: { bounds: (batch) => ({ durationMs: 3000, maxOps: batch === 1 ? 5000 : 1000 }) },
  earliest: { partitions: 4, recordsPerPartition: 8000, prefillBatch: 1000, consumers: [1, 4], formats: ['batches', 'json'], bounds: { durationMs: 6000, maxOps: 2000 } },
  tail: { producerBatch: 100, durationMs: 8000 },
  latency: { samples: 300, gapMs: 30 },
  raw: { bounds: (batch) => ({ durationMs: 3000, maxOps: batch === 1000 ? 1000 : 10_000 }) },
  tailCost: { consumers: [1, 10, 50], partitions: [1, 16], widePartitions: [256], settleMs: 750, maxSettleMs: 20_000, windowMs: 10_000, waitMs: 10_000, heartbeats: 40 },
  readerLatency: { samples: 200, gapMs: 30 },
  contention: { producers: [1, 2, 4, 8], bounds: { durationMs: 5000, maxOps: 5000 } },
  describe: { partitions: [1, 256], calls: 40 },
  compaction: { records: 10_000, producers: 1 },
  idle: { topics: 16, partitions: 16 },
  console: { repetitions: 10 },
  kafka: { partitions: 4, batch: 100, producerConcurrency: 4, bounds: { durationMs: 6000, maxOps: 5000 }, kcatRecords: 20_000, smallProducers: [1, 10, 100], smallBounds: { durationMs: 6000, maxOps: 20_000 } },
  producerClient: {
    senders: 4,
    partitions: 4,
    lingers: [0, 100],
    pacedRecordsPerSecond: 1000,
    slices: 4,
    paced: { durationMs: 2000, maxOps: 2000 },
    backToBack: { durationMs: 2000, maxOps: 100_000 },
    raw: { durationMs: 8000, maxOps: 20_000 },
  },
};

const QUICK: Omit<BenchOptions, 'quick' | 'outDir' | 'url' | 'only'> = {
  ...FULL,
  warmupMs: 2000,
  produce: {
    batches: [1, 100, 1000],
    clients: [1, 4],
    bounds: (batch) => ({ durationMs: 1500, maxOps: batch === 1 ? 5000 : batch === 100 ? 1000 : 150 }),
  },
  consumeByBatch: { bounds: (batch) => ({ durationMs: 1000, maxOps: batch === 1 ? 2000 : 400 }) },
  earliest: { partitions: 4, recordsPerPartition: 2000, prefillBatch: 1000, consumers: [1, 4], formats: ['batches', 'json'], bounds: { durationMs: 1500, maxOps: 500 } },
  tail: { producerBatch: 100, durationMs: 2500 },
  latency: { samples: 60, gapMs: 30 },
  raw: { bounds: (batch) => ({ durationMs: 1000, maxOps: batch === 1000 ? 300 : 3000 }) },
  tailCost: { consumers: [1, 10, 50], partitions: [1, 16], widePartitions: [256], settleMs: 500, maxSettleMs: 15_000, windowMs: 3000, waitMs: 10_000, heartbeats: 15 },
  readerLatency: { samples: 60, gapMs: 30 },
  contention: { producers: [1, 2, 4, 8], bounds: { durationMs: 1500, maxOps: 1500 } },
  describe: { partitions: [1, 256], calls: 15 },
  compaction: { records: 2000, producers: 1 },
  idle: { topics: 4, partitions: 16 },
  console: { repetitions: 3 },
  kafka: { partitions: 4, batch: 100, producerConcurrency: 4, bounds: { durationMs: 1500, maxOps: 1000 }, kcatRecords: 5000, smallProducers: [1, 10, 100], smallBounds: { durationMs: 2000, maxOps: 5000 } },
  producerClient: {
    ...FULL.producerClient,
    slices: 2,
    paced: { durationMs: 1250, maxOps: 1250 },
    backToBack: { durationMs: 1000, maxOps: 50_000 },
    raw: { durationMs: 1500, maxOps: 5000 },
  },
};

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  let quick = false;
  let outDir = 'bench-results';
  let only: ReadonlySet<Workload> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--out') outDir = argv[++i] ?? outDir;
    else if (arg === '--only') only = parseOnly(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`usage: npm run bench -- [--quick] [--out <dir>] [--only <workload,...>]\n  workloads: ${WORKLOADS.join(', ')}\n  SLUICE_BENCH_URL=<url> benchmarks an already running endpoint (no request counts, no raw-storage figures)\n`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  const url = env.SLUICE_BENCH_URL?.replace(/\/+$/, '') || undefined;
  return { ...(quick ? QUICK : FULL), quick, outDir, url, ...(only ? { only } : {}) };
}
