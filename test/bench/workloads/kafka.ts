import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { countsOf } from '../../../lib/cost/request-accounting';
import type { BenchApi } from '../api';
import { counted, figures, type CellFigures, type Meters, type Progress } from '../measure';
import type { BenchOptions } from '../options';
import { runBounded } from '../runner';

const run = promisify(execFile);

/** One Kafka client cell: what it sent or read, and the S3 PUTs the gateway made meanwhile. */
export interface KafkaCell extends CellFigures {
  client: 'kafkajs' | 'kcat (librdkafka)' | '@confluentinc/kafka-javascript (librdkafka)';
  what: 'produce' | 'consume' | 'small producers';
  /** Producers on their own connections (small-producer cells). */
  producers: number;
  /** Records per produce request (kafkajs send) or in the file kcat sends. */
  recordsPerRequest: number;
  /** S3 PutObject requests the gateway made in the cell, per MiB of record payload. */
  putsPerMib?: number;
  /** Produce requests the gateway answered per PutObject (cross-connection batching). */
  requestsPerPut?: number;
}

export interface KafkaResult {
  bootstrap: string;
  lingerMs: number;
  cells: KafkaCell[];
  /** Why a client was not measured (kcat not installed, the librdkafka binding not loading). */
  skipped: string[];
}

/** librdkafka's Node binding, or why it cannot be used (a native module built for another Node). */
function loadLibrdkafka(): typeof import('@confluentinc/kafka-javascript') | string {
  try {
    return createRequire(import.meta.url)('@confluentinc/kafka-javascript') as typeof import('@confluentinc/kafka-javascript');
  } catch (error) {
    return `the native binding does not load under ${process.version}: ${String((error as Error).message).split('\n')[0]}`;
  }
}

const kcatInstalled = () => spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;

/**
 * Kafka clients through the gateway (issue 13's bench rows), beside the HTTP client rows of
 * the same run: kafkajs and librdkafka (through @confluentinc/kafka-javascript) producer
 * throughput and latency, librdkafka's kcat -P throughput,
 * S3 PUTs per MiB with 1, 10 and 100 small producers on their own connections (what the
 * gateway's cross-connection batching saves), and consumer throughput (kafkajs fetches and
 * kcat -C from the earliest offset).
 */
export async function measureKafka(
  api: BenchApi,
  bootstrap: string,
  options: BenchOptions,
  runId: string,
  meters: Meters,
  progress: Progress,
): Promise<KafkaResult> {
  const { kafka: k, recordBytes } = options;
  const lingerMs = Number(process.env.SLUICE_KAFKA_LINGER_MS ?? 5);
  const result: KafkaResult = { bootstrap, lingerMs, cells: [], skipped: [] };
  const topic = `bench-kafka-${runId}`;
  await api.createTopic(topic, k.partitions);
  const value = Buffer.alloc(recordBytes, 120);
  const client = (id: string) => new Kafka({ clientId: id, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  const withPuts = (cell: KafkaCell): KafkaCell => {
    const puts = cell.requests ? countsOf(cell.requests, 'S3', 'PutObject').requests : 0;
    if (puts > 0 && cell.payloadBytes > 0) {
      cell.putsPerMib = puts / (cell.payloadBytes / 1024 ** 2);
      // kcat's cells are one run each, and librdkafka's sends are batched into requests it does not report.
      if (cell.client === 'kafkajs') cell.requestsPerPut = cell.ops / puts;
    }
    return cell;
  };
  const report = (cell: KafkaCell) =>
    progress(
      `kafka ${cell.what} ${cell.client} x${cell.producers}: ${cell.ops} requests, ${cell.recordsPerSecond.toFixed(0)} records/s, ${cell.mibPerSecond.toFixed(2)} MiB/s, p50 ${cell.latencyMs.p50.toFixed(1)} ms` +
        `${cell.putsPerMib !== undefined ? `, ${cell.putsPerMib.toFixed(1)} PUTs/MiB` : ''}${cell.errors ? `, ${cell.errors} errors ${JSON.stringify(cell.errorCodes)}` : ''}`,
    );

  // kafkajs: one producer, batches of `batch` records to partition i of its worker, acks=all.
  const producer = client('bench-kafkajs').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const messages = Array.from({ length: k.batch }, () => ({ value }));
    for (let p = 0; p < k.partitions; p++) await producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: [{ value, partition: p }] });
    const { result: sent, ...measured } = await counted(meters, () =>
      runBounded(k.producerConcurrency, k.bounds, async (worker) => {
        await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ ...m, partition: worker % k.partitions })) });
        return { records: k.batch, bytes: k.batch * recordBytes };
      }),
    );
    const cell = withPuts({ client: 'kafkajs', what: 'produce', producers: k.producerConcurrency, recordsPerRequest: k.batch, ...figures(sent, measured) });
    result.cells.push(cell);
    report(cell);
  } finally {
    await producer.disconnect();
  }

  // librdkafka through its Node binding: the same sends as kafkajs's (batches of `batch`
  // records, acks=all, one in flight per worker), each timed to its delivery reports.
  const librdkafka = loadLibrdkafka();
  if (typeof librdkafka === 'string') result.skipped.push(`@confluentinc/kafka-javascript (librdkafka): ${librdkafka}`);
  else {
    const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {}, namespace: () => quiet, setLogLevel: () => {} };
    const rdProducer = new librdkafka.KafkaJS.Kafka({ kafkaJS: { brokers: [bootstrap], clientId: 'bench-librdkafka', logger: quiet } }).producer({ 'linger.ms': 5, acks: -1 });
    await rdProducer.connect();
    try {
      for (let p = 0; p < k.partitions; p++) await rdProducer.send({ topic, messages: [{ value, partition: p }] });
      const { result: sent, ...measured } = await counted(meters, () =>
        runBounded(k.producerConcurrency, k.bounds, async (worker) => {
          // The binding rewrites the messages it is given: a fresh array each send.
          await rdProducer.send({ topic, messages: Array.from({ length: k.batch }, () => ({ value, partition: worker % k.partitions })) });
          return { records: k.batch, bytes: k.batch * recordBytes };
        }),
      );
      const cell = withPuts({ client: '@confluentinc/kafka-javascript (librdkafka)', what: 'produce', producers: k.producerConcurrency, recordsPerRequest: k.batch, ...figures(sent, measured) });
      result.cells.push(cell);
      report(cell);
    } finally {
      await rdProducer.disconnect();
    }
  }

  // librdkafka: kcat -P of a file of records, as fast as it sends them; throughput only (kcat reports no latencies).
  if (!kcatInstalled()) result.skipped.push('kcat (librdkafka) is not installed: apt-get install kcat');
  else {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-kcat-'));
    try {
      const file = join(dir, 'records.txt');
      const line = 'x'.repeat(recordBytes - 1);
      writeFileSync(file, `${Array.from({ length: k.kcatRecords }, () => line).join('\n')}\n`);
      const t0 = performance.now();
      const { requests } = await counted(meters, () => run('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', '0', '-X', 'linger.ms=5', '-l', file], { timeout: 120_000 }));
      const elapsedMs = performance.now() - t0;
      const cell = withPuts({
        client: 'kcat (librdkafka)',
        what: 'produce',
        producers: 1,
        recordsPerRequest: k.kcatRecords,
        ...figures({ ops: 1, records: k.kcatRecords, bytes: k.kcatRecords * recordBytes, elapsedMs, latenciesMs: [], errors: 0, errorCodes: {} }, requests ? { requests } : {}),
      });
      result.cells.push(cell);
      report(cell);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // Small producers, each on its own connection, one 1 KiB record per request back to back:
  // the PUTs per MiB show how many requests the gateway's batching puts in one object.
  for (const n of k.smallProducers) {
    const producers: Producer[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const p = client(`bench-small-${i}`).producer({ allowAutoTopicCreation: false });
        await p.connect();
        producers.push(p);
      }
      await Promise.all(producers.map((p, i) => p.send({ topic, acks: -1, messages: [{ value, partition: i % k.partitions }] })));
      const { result: sent, ...measured } = await counted(meters, () =>
        runBounded(n, k.smallBounds, async (worker) => {
          await producers[worker]!.send({ topic, acks: -1, messages: [{ value, partition: worker % k.partitions }] });
          return { records: 1, bytes: recordBytes };
        }),
      );
      const cell = withPuts({ client: 'kafkajs', what: 'small producers', producers: n, recordsPerRequest: 1, ...figures(sent, measured) });
      result.cells.push(cell);
      report(cell);
    } finally {
      await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
    }
  }

  // A consumer from the earliest offset of partition 0 to its end (kcat -C -e), process start and metadata included.
  if (kcatInstalled()) {
    const t0 = performance.now();
    const { result: out, ...measured } = await counted(meters, () =>
      run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o\\n'], { timeout: 120_000, maxBuffer: 64 * 1024 ** 2 }),
    );
    const elapsedMs = performance.now() - t0;
    const records = out.stdout.split('\n').filter(Boolean).length;
    const cell: KafkaCell = {
      client: 'kcat (librdkafka)',
      what: 'consume',
      producers: 1,
      recordsPerRequest: 0,
      ...figures({ ops: 1, records, bytes: records * recordBytes, elapsedMs, latenciesMs: [], errors: 0, errorCodes: {} }, measured),
    };
    result.cells.push(cell);
    report(cell);
  }
  return result;
}
