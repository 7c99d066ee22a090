import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { SluiceHttpClient, SluiceProducer, type RecordMetadata } from '../../../lib/client/index';
import { BenchApi, paddedValue, produceBody } from '../api';
import { addMeasured, counted, type Measured, type Meters, type Progress } from '../measure';
import type { BenchOptions } from '../options';
import { meteredRequestsOf, perGibOf, type PerGib } from '../per-gib';
import { errorCode, runBounded, type Bounds } from '../runner';
import { perSecond, summarize, type LatencySummary } from '../stats';

/**
 * Producer throughput through the client (lib/client/producer.ts) beside the raw per-call
 * baseline, with the HTTP calls, requests and modeled USD per GiB that result.
 *
 * - `raw`: `senders` callers, each sending one 1 KiB record per HTTP produce call (no
 *   client batching) to its own partition, back to back: what an application that calls
 *   the API once per record gets.
 * - `paced`: `senders` application tasks sharing one SluiceProducer (idempotent, its
 *   defaults but `lingerMs`), offering together `pacedRecordsPerSecond` records on a fixed
 *   schedule (record n is due n / rate seconds after the start; a sender late for a record
 *   sends it at once). Below the platform's capacity, so batching depends on linger: with
 *   lingerMs 0 a call carries what arrived while the previous call was in flight (one call
 *   in flight per topic when idempotent), so the call latency sets the batch; with a linger
 *   longer than the call latency (100 ms), what arrived in the linger. A linger shorter than
 *   the call latency (the default 5 ms) batches as 0 does.
 * - `back-to-back`: the same senders handing over records as fast as `send` accepts them
 *   (one event-loop turn per record), until the time or record bound: the client's ceiling.
 *   The queue holds a full batch (1 MiB) most of the time there, so linger makes little
 *   difference; records wait in the 32 MiB buffer, which is what their ack latency shows.
 *
 * Each record's `ackMs` runs from the application's `send` until its delivery promise
 * settles (for the raw baseline, the call's latency). Calls are counted on the client's
 * fetch: POST .../records only, retries included.
 */
export type ClientCellKind = 'raw' | 'paced' | 'back-to-back';

export interface ClientProduceCell extends Measured {
  kind: ClientCellKind;
  /** The producer's lingerMs; none for the raw baseline. */
  lingerMs?: number;
  senders: number;
  /** The paced schedule's records/s. */
  offeredRecordsPerSecond?: number;
  topic: string;
  /** Records delivered (acknowledged). */
  records: number;
  payloadBytes: number;
  /** From the first send until the last delivery settled (the producer flushed). */
  elapsedMs: number;
  recordsPerSecond: number;
  mibPerSecond: number;
  /** HTTP produce calls: one API Gateway request (per started 512 KB) and one Lambda invocation each. */
  calls: number;
  meteredApiRequests: number;
  httpRequestBytes: number;
  recordsPerCall: number;
  callMs: LatencySummary;
  ackMs: LatencySummary;
  errors: number;
  errorCodes: Record<string, number>;
  perGib: PerGib;
}

export interface ProducerClientResult {
  senders: number;
  lingers: number[];
  pacedRecordsPerSecond: number;
  /** Slices per client cell: the linger settings were measured in alternation, this many times each. */
  slices: number;
  cells: ClientProduceCell[];
}

interface CallLog {
  bodyBytes: number[];
  callMs: number[];
}

export async function measureProducerClient(
  api: BenchApi,
  options: BenchOptions,
  run: string,
  meters: Meters,
  lambdaMemoryMiB: number,
  progress: Progress,
): Promise<ProducerClientResult> {
  const o = options.producerClient;
  const value = paddedValue('', options.recordBytes);
  const cells: ClientProduceCell[] = [];
  const report = (cell: ClientProduceCell) => {
    cells.push(cell);
    progress(
      `producer client ${cell.kind}${cell.lingerMs === undefined ? '' : ` lingerMs=${cell.lingerMs}`}: ${cell.records} records in ${cell.calls} calls (${cell.recordsPerCall.toFixed(1)} records/call), ` +
        `${cell.recordsPerSecond.toFixed(0)} records/s, ${cell.mibPerSecond.toFixed(2)} MiB/s, ack p50 ${cell.ackMs.p50.toFixed(1)} ms p99 ${cell.ackMs.p99.toFixed(1)} ms` +
        `${cell.perGib.usd ? `, modeled $${cell.perGib.usd.total.toFixed(4)} per GiB` : ''}${cell.errors ? `, ${cell.errors} errors ${JSON.stringify(cell.errorCodes)}` : ''}`,
    );
  };

  // The raw per-call baseline: one record per HTTP call, sender i to partition i.
  {
    const topic = `bench-client-raw-${run}`;
    await api.createTopic(topic, Math.max(o.partitions, o.senders));
    const bodies = Array.from({ length: o.senders }, (_, partition) => produceBody(1, partition, () => value));
    await Promise.all(bodies.map((body) => api.produce(topic, body)));
    const { result, ...measured } = await counted(meters, () =>
      runBounded(o.senders, o.raw, async (worker) => {
        await api.produce(topic, bodies[worker]!);
        return { records: 1, bytes: options.recordBytes };
      }),
    );
    const calls = result.ops + result.errors;
    const latency = summarize(result.latenciesMs);
    const httpRequestBytes = calls * Buffer.byteLength(bodies[0]!);
    const meteredApiRequests = meteredRequestsOf(new Array<number>(calls).fill(Buffer.byteLength(bodies[0]!)));
    report({
      kind: 'raw',
      senders: o.senders,
      topic,
      records: result.records,
      payloadBytes: result.bytes,
      elapsedMs: result.elapsedMs,
      recordsPerSecond: perSecond(result.records, result.elapsedMs),
      mibPerSecond: perSecond(result.bytes / 1024 ** 2, result.elapsedMs),
      calls,
      meteredApiRequests,
      httpRequestBytes,
      recordsPerCall: calls ? result.records / calls : Number.NaN,
      callMs: latency,
      ackMs: latency,
      errors: result.errors,
      errorCodes: result.errorCodes,
      perGib: perGibOf({ calls, meteredApiRequests, records: result.records, payloadBytes: result.bytes, httpRequestBytes, lambdaMs: latency.mean, lambdaMemoryMiB, requests: measured.requests }),
      ...measured,
    });
  }

  // The client cells: per kind, one producer per linger setting, measured in alternating
  // slices (linger A, linger B, A, B, ...) so that the machine's changing load hits both alike.
  for (const kind of ['paced', 'back-to-back'] as const) {
    const runs: ClientRun[] = [];
    for (const lingerMs of o.lingers) runs.push(await startClientRun(api.baseUrl, kind, lingerMs, value, options, run));
    for (let slice = 0; slice < o.slices; slice++) {
      for (const r of runs) await runSlice(r, kind === 'paced' ? o.paced : o.backToBack, value, options, meters);
    }
    for (const r of runs) {
      await r.producer.close();
      report(finishClientRun(r, options, lambdaMemoryMiB));
    }
  }
  return { senders: o.senders, lingers: [...o.lingers], pacedRecordsPerSecond: o.pacedRecordsPerSecond, slices: o.slices, cells };
}

/** One producer at one linger setting, and what its slices measured so far. */
interface ClientRun {
  kind: 'paced' | 'back-to-back';
  lingerMs: number;
  topic: string;
  producer: SluiceProducer;
  /** `logging` is set while a slice runs: the produce calls the client's fetch makes are logged there. */
  tap: { logging?: CallLog };
  calls: CallLog;
  ackMs: number[];
  records: number;
  elapsedMs: number;
  errors: number;
  errorCodes: Record<string, number>;
  measured: Measured;
}

async function startClientRun(baseUrl: string, kind: ClientRun['kind'], lingerMs: number, value: string, options: BenchOptions, run: string): Promise<ClientRun> {
  const o = options.producerClient;
  const topic = `bench-client-${kind}-l${lingerMs}-${run}`;
  const tap: { logging?: CallLog } = {};
  const countingFetch: typeof fetch = async (input, init) => {
    const log = tap.logging;
    if (!log || init?.method !== 'POST' || !/\/records$/.test(String(input))) return fetch(input, init);
    log.bodyBytes.push(typeof init.body === 'string' ? Buffer.byteLength(init.body) : 0);
    const started = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      log.callMs.push(performance.now() - started);
    }
  };
  const client = new SluiceHttpClient({ baseUrl, fetch: countingFetch });
  await client.createTopic(topic, { partitions: o.partitions });
  const r: ClientRun = {
    kind,
    lingerMs,
    topic,
    tap,
    producer: new SluiceProducer(client, { lingerMs }),
    calls: { bodyBytes: [], callMs: [] },
    ackMs: [],
    records: 0,
    elapsedMs: 0,
    errors: 0,
    errorCodes: {},
    measured: {},
  };
  // The producer id, the topic's metadata and a first call, outside the measurement.
  await r.producer.produce(topic, { value });
  return r;
}

/** One slice: the senders offer records (on the paced schedule, or back to back) until the bound, then the producer flushes. */
async function runSlice(r: ClientRun, bounds: Bounds, value: string, options: BenchOptions, meters: Meters): Promise<void> {
  const o = options.producerClient;
  const { result: _done, ...measured } = await counted(meters, async () => {
    r.tap.logging = r.calls;
    const started = performance.now();
    const deadline = started + bounds.durationMs;
    const interval = 1000 / o.pacedRecordsPerSecond;
    const deliveries: Promise<void>[] = [];
    const sendOne = async () => {
      const t0 = performance.now();
      const [delivery] = await r.producer.send(r.topic, { value });
      deliveries.push(
        (delivery as Promise<RecordMetadata>).then(
          () => {
            r.ackMs.push(performance.now() - t0);
            r.records++;
          },
          (error: unknown) => {
            r.errors++;
            const code = errorCode(error);
            r.errorCodes[code] = (r.errorCodes[code] ?? 0) + 1;
          },
        ),
      );
    };
    let issued = 0;
    const sender = async (index: number) => {
      if (r.kind === 'paced') {
        // Sender i sends records i, i + senders, ...; record n is due n * interval after the start.
        for (let n = index; n < bounds.maxOps; n += o.senders) {
          const due = started + n * interval;
          if (due >= deadline) break;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          await sendOne();
        }
      } else {
        while (issued < bounds.maxOps && performance.now() < deadline) {
          issued++;
          await sendOne();
          await nextTurn();
        }
      }
    };
    await Promise.all(Array.from({ length: o.senders }, (_, i) => sender(i)));
    await r.producer.flush().catch(() => undefined); // failures are counted per record above
    await Promise.all(deliveries);
    r.elapsedMs += performance.now() - started;
    r.tap.logging = undefined;
  });
  r.measured = addMeasured(r.measured, measured);
}

function finishClientRun(r: ClientRun, options: BenchOptions, lambdaMemoryMiB: number): ClientProduceCell {
  const o = options.producerClient;
  const payloadBytes = r.records * options.recordBytes;
  const callMs = summarize(r.calls.callMs);
  const httpRequestBytes = r.calls.bodyBytes.reduce((a, b) => a + b, 0);
  const meteredApiRequests = meteredRequestsOf(r.calls.bodyBytes);
  const calls = r.calls.bodyBytes.length;
  return {
    kind: r.kind,
    lingerMs: r.lingerMs,
    senders: o.senders,
    ...(r.kind === 'paced' ? { offeredRecordsPerSecond: o.pacedRecordsPerSecond } : {}),
    topic: r.topic,
    records: r.records,
    payloadBytes,
    elapsedMs: r.elapsedMs,
    recordsPerSecond: perSecond(r.records, r.elapsedMs),
    mibPerSecond: perSecond(payloadBytes / 1024 ** 2, r.elapsedMs),
    calls,
    meteredApiRequests,
    httpRequestBytes,
    recordsPerCall: calls ? r.records / calls : Number.NaN,
    callMs,
    ackMs: summarize(r.ackMs),
    errors: r.errors,
    errorCodes: r.errorCodes,
    perGib: perGibOf({ calls, meteredApiRequests, records: r.records, payloadBytes, httpRequestBytes, lambdaMs: callMs.mean, lambdaMemoryMiB, requests: r.measured.requests }),
    ...r.measured,
  };
}
