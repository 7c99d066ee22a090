import { LIMITS } from '../protocol/limits';
import { utf8ByteLength } from './bytes';
import { cheapestPartitionsPerCall, ConflictEstimate } from './call-planner';
import { FifoQueue } from './fifo-queue';
import {
  type Batch,
  drainPending,
  enqueuePending,
  namesPartitionFrom,
  newTopicState,
  type Pending,
  RECORD_OVERHEAD_BYTES,
  REQUEST_OVERHEAD_BYTES,
  type TopicState,
  takeBatch,
} from './producer-batches';
import { withRetries } from './retry';
import { SluiceApiError, type RequestOptions, type SluiceHttpClient } from './sluice-http-client';
import type { Encoding, ProduceRecord, ProducedRecord, ProducerIdentity } from './types';

/**
 * A batching, retrying, idempotent producer over `SluiceHttpClient` (Kafka's producer,
 * for Sluice's HTTP API).
 *
 * Records are placed on the client with the server's own partitioner (explicit
 * `partition` wins, then `murmur2(key) % partitions`; keyless records stick to one
 * partition per batch, the next partition round-robin for each new batch), so each
 * batch knows its partitions and can carry per-partition sequence numbers.
 *
 * Defaults, and why:
 * - `lingerMs` 5: Sluice bills per call (a Lambda invocation, an S3 PUT and a DynamoDB
 *   transaction each), so a few milliseconds of waiting that turns hundreds of records
 *   into one call is cheap latency for a large cut in calls; 0 sends what arrived in
 *   the same tick.
 * - `batchBytes` 1 MiB of encoded request body: past about 1 MiB the per-call costs are
 *   already amortized (the cost model is per request plus per byte), while larger
 *   bodies add latency and retry cost; it stays well under the 5 MiB body limit.
 * - `batchRecords` 10,000: the server's limit per call.
 * - `maxInFlight` 1 per topic when idempotent: sequence numbers must arrive in order per
 *   partition; with two calls in flight, a retried first call lands after the second,
 *   which the server then refuses as `OUT_OF_ORDER_SEQUENCE`. 5 when not idempotent.
 * - Retries: retriable errors only (`retriable: true`, connection errors, 5xx without a
 *   body), exponential backoff with full jitter (base 100 ms, cap 5 s), at most
 *   `retries` (10) and never past `deliveryTimeoutMs` (120 s) after the batch was made;
 *   a 429 waits at least its Retry-After.
 * - `bufferBytes` 32 MiB: records queued or in flight; `send` waits when it is full.
 *
 * - `compression` none: `gzip` compresses each call's body on the wire (JSON of text
 *   records shrinks several times; fewer bytes and fewer 512 KB API Gateway units per
 *   call), for client CPU, as Kafka's `compression.type` defaults to none. How records
 *   are stored is the topic's own `compression.type`, applied by the server.
 */
export interface SluiceProducerOptions {
  /** Wait this long for more records before sending a batch; default 5. */
  lingerMs?: number;
  /** Send a batch once its encoded request body would pass this; default 1 MiB (at most 5 MiB). */
  batchBytes?: number;
  /** At most this many records per call; default 10,000 (the server's limit). */
  batchRecords?: number;
  /** Produce calls in flight per topic; default 1 when idempotent (keeps sequences in order), else 5. */
  maxInFlight?: number;
  /** Idempotent produce with per-partition sequence numbers; default true. */
  idempotent?: boolean;
  /** The producer's name (Kafka's `transactional.id`): a new instance with the same name fences older ones. */
  name?: string;
  /** Retries of a failed call; default 10. */
  retries?: number;
  /** Give up on a batch this long after it was made; default 120,000. */
  deliveryTimeoutMs?: number;
  /** Bytes of records buffered (queued or in flight) before `send` waits; default 32 MiB. */
  bufferBytes?: number;
  /** The encoding of every key, value and header value; default `utf8`. */
  encoding?: Encoding;
  /** Backoff base and cap in ms; default 100 and 5,000. */
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** A float in [0, 1), for jitter; `Math.random` by default. */
  random?: () => number;
  /**
   * Read a topic's partition count again after this long (Kafka's `metadata.max.age.ms`),
   * so partitions added to it are used; default 300,000. A record for a partition past the
   * known count also reads it again (at most once a second) before it is refused.
   */
  metadataMaxAgeMs?: number;
  /** Compress each call's request body on the wire; default `none`. */
  compression?: 'none' | 'gzip';
  /**
   * At most this many partitions in one call; default `auto`: the server's limit (49, or
   * 32 when idempotent) while commits do not conflict, fewer when the commit attempts the
   * server reports make smaller calls cheaper (lib/client/call-planner.ts). A number
   * fixes it, e.g. for latency: a wide call's transaction is slower.
   */
  maxPartitionsPerCall?: number | 'auto';
  /**
   * Told before each wait to retry a call, with the error and the wait (a 429's at least
   * its Retry-After): for saying "throttled: retrying in 4 s" instead of stalling silently.
   */
  onRetry?: (retry: ProducerRetry) => void;
}

/** A call the producer is about to retry. */
export interface ProducerRetry {
  /** Why the last attempt failed (a 429 QUOTA_EXCEEDED when a quota holds the producer back). */
  error: unknown;
  /** How long it waits before the next attempt. */
  delayMs: number;
}

/** A record to send; `partition` overrides the key. */
export type ProducerRecord = ProduceRecord;

/** Where a record landed. */
export type RecordMetadata = ProducedRecord;

/** What the producer has done so far. */
export interface ProducerStats {
  /** Produce calls sent, retries included: each is one API request (one Lambda invocation). */
  calls: number;
  /** Calls that were attempts after the first of a batch. */
  retries: number;
  /** Records the server committed, and the request bytes they took (estimated: their JSON plus a small allowance each). */
  recordsDelivered: number;
  bytesDelivered: number;
  /** Records that failed (their delivery promise rejected). */
  recordsFailed: number;
  /** The per-partition commit conflict chance seen so far (0 when the server reports no conflicts). */
  conflictEstimate: number;
  /** The partitions per call the producer uses now. */
  partitionsPerCall: number;
}

/** The producer was closed, or stopped by a fatal error. */
export class ProducerClosedError extends Error {
  override readonly name = 'ProducerClosedError';
}

export const PRODUCER_DEFAULTS = {
  lingerMs: 5,
  batchBytes: 1024 * 1024,
  batchRecords: LIMITS.produceRecordsMax,
  retries: 10,
  deliveryTimeoutMs: 120_000,
  bufferBytes: 32 * 1024 * 1024,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 5_000,
  metadataMaxAgeMs: 300_000,
} as const;

/** At most one extra partition-count read a second per topic for records naming a partition past it. */
const PARTITIONS_RECHECK_MS = 1_000;

export class SluiceProducer {
  private readonly lingerMs: number;
  private readonly batchBytes: number;
  private readonly batchRecords: number;
  private readonly maxInFlight: number;
  private readonly idempotent: boolean;
  private readonly retries: number;
  private readonly deliveryTimeoutMs: number;
  private readonly bufferBytes: number;
  private readonly encoding: Encoding;
  private readonly backoffBase: number;
  private readonly backoffCap: number;
  private readonly random: () => number;
  private readonly metadataMaxAgeMs: number;
  private readonly name?: string;
  private readonly requestOptions?: RequestOptions;
  private readonly maxPartitionsPerCall: number | 'auto';
  private readonly onRetry?: (retry: ProducerRetry) => void;
  private readonly conflicts = new ConflictEstimate();

  private readonly topics = new Map<string, TopicState>();
  private identity?: Promise<ProducerIdentity>;
  /** Bumped whenever the producer takes a new id or epoch: sequences start over. */
  private generation = 0;
  /** Set when a batch's outcome is unknown or its sequences broke: take a new epoch once nothing is in flight. */
  private resetNeeded = false;
  private resetting?: Promise<void>;
  private totalInFlight = 0;
  private buffered = 0;
  private readonly waiters = new FifoQueue<{ bytes: number; resolve(): void; reject(err: unknown): void }>();
  private unsettled = new Set<Promise<unknown>>();
  private firstError?: unknown;
  private fatal?: unknown;
  private closed = false;
  private readonly counters: Omit<ProducerStats, 'conflictEstimate' | 'partitionsPerCall'> = { calls: 0, retries: 0, recordsDelivered: 0, bytesDelivered: 0, recordsFailed: 0 };

  constructor(
    readonly client: SluiceHttpClient,
    options: SluiceProducerOptions = {},
  ) {
    this.lingerMs = options.lingerMs ?? PRODUCER_DEFAULTS.lingerMs;
    this.batchBytes = Math.min(options.batchBytes ?? PRODUCER_DEFAULTS.batchBytes, LIMITS.requestBodyMaxBytes);
    this.batchRecords = Math.min(options.batchRecords ?? PRODUCER_DEFAULTS.batchRecords, LIMITS.produceRecordsMax);
    this.idempotent = options.idempotent ?? true;
    this.maxInFlight = options.maxInFlight ?? (this.idempotent ? 1 : 5);
    this.retries = options.retries ?? PRODUCER_DEFAULTS.retries;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? PRODUCER_DEFAULTS.deliveryTimeoutMs;
    this.bufferBytes = options.bufferBytes ?? PRODUCER_DEFAULTS.bufferBytes;
    this.encoding = options.encoding ?? 'utf8';
    this.backoffBase = options.retryBackoffMs ?? PRODUCER_DEFAULTS.retryBackoffMs;
    this.backoffCap = options.retryBackoffMaxMs ?? PRODUCER_DEFAULTS.retryBackoffMaxMs;
    this.random = options.random ?? Math.random;
    this.metadataMaxAgeMs = options.metadataMaxAgeMs ?? PRODUCER_DEFAULTS.metadataMaxAgeMs;
    this.name = options.name;
    if (options.compression === 'gzip') this.requestOptions = { compression: 'gzip' };
    this.maxPartitionsPerCall = options.maxPartitionsPerCall ?? 'auto';
    this.onRetry = options.onRetry;
    if (this.maxPartitionsPerCall !== 'auto' && !(Number.isInteger(this.maxPartitionsPerCall) && this.maxPartitionsPerCall >= 1)) {
      throw new RangeError(`maxPartitionsPerCall must be 'auto' or a whole number of at least 1, not ${String(this.maxPartitionsPerCall)}`);
    }
    if (this.maxInFlight < 1 || this.batchRecords < 1 || this.batchBytes < 1) throw new RangeError('maxInFlight, batchRecords and batchBytes must be at least 1');
  }

  /** The producer id and epoch once taken (idempotent producers only). */
  async producerIdentity(): Promise<ProducerIdentity | undefined> {
    return this.idempotent ? this.ensureIdentity() : undefined;
  }

  /**
   * Queues records for `topic`. Resolves once every record is accepted into the buffer
   * (waiting while `bufferBytes` is full), with one promise per record of where it landed.
   * Those promises are marked handled: a failure not awaited is still reported by `flush()`.
   */
  async send(topic: string, records: ProducerRecord | readonly ProducerRecord[]): Promise<Promise<RecordMetadata>[]> {
    const list = Array.isArray(records) ? (records as readonly ProducerRecord[]) : [records as ProducerRecord];
    const deliveries: Promise<RecordMetadata>[] = [];
    for (const record of list) {
      this.checkOpen();
      const bytes = utf8ByteLength(JSON.stringify(record)) + RECORD_OVERHEAD_BYTES;
      await this.reserve(bytes);
      this.checkOpen();
      let pending!: Pending;
      const delivery = new Promise<RecordMetadata>((resolve, reject) => {
        pending = { record, bytes, resolve, reject, settled: false };
      });
      this.track(delivery);
      deliveries.push(delivery);
      this.enqueue(topic, pending);
    }
    return deliveries;
  }

  /** Sends one record and waits until it is committed. */
  async produce(topic: string, record: ProducerRecord): Promise<RecordMetadata> {
    const [delivery] = await this.send(topic, record);
    return delivery!;
  }

  /** Sends everything queued now and waits for all records sent so far; rejects with the first failure since the last flush. */
  async flush(): Promise<void> {
    for (const state of this.topics.values()) {
      state.lingerExpired = state.queue.length > 0 || state.lingerExpired;
      this.pump(state);
    }
    while (this.unsettled.size > 0) await Promise.allSettled([...this.unsettled]);
    const error = this.firstError;
    this.firstError = undefined;
    if (error !== undefined) throw error;
  }

  /** Counts of calls, retries and records so far (a copy). */
  stats(): ProducerStats {
    return { ...this.counters, conflictEstimate: this.conflicts.value, partitionsPerCall: this.partitionsPerCall() };
  }

  /** The server's partition limit per call, or fewer when conflicts make smaller calls cheaper. */
  private partitionsPerCall(): number {
    const max = this.idempotent ? LIMITS.partitionsPerIdempotentProduceMax : LIMITS.partitionsPerProduceMax;
    if (this.maxPartitionsPerCall !== 'auto') return Math.min(max, this.maxPartitionsPerCall);
    return cheapestPartitionsPerCall(max, this.conflicts.value, this.idempotent);
  }

  /**
   * Stops at once (Kafka's `close(Duration.ZERO)`): every record not yet in a call fails
   * with `reason`, further sends are refused, and calls already in flight finish (their
   * records resolve or reject as usual). Resolves when those calls are done.
   */
  async abort(reason: unknown = new ProducerClosedError('The producer was aborted')): Promise<void> {
    this.fail(reason);
    this.closed = true;
    while (this.unsettled.size > 0) await Promise.allSettled([...this.unsettled]);
    this.firstError = undefined;
  }

  /** Flushes, then refuses further sends. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      for (const state of this.topics.values()) if (state.timer) clearTimeout(state.timer);
    }
  }

  // ---------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.fatal !== undefined) throw this.fatal;
    if (this.closed) throw new ProducerClosedError('The producer is closed');
  }

  private track(delivery: Promise<RecordMetadata>): void {
    this.unsettled.add(delivery);
    delivery.then(
      () => this.unsettled.delete(delivery),
      (err: unknown) => {
        this.unsettled.delete(delivery);
        this.firstError ??= err;
      },
    );
  }

  /** Waits (in arrival order) until `bytes` fit in the buffer; a record larger than the whole buffer goes alone. */
  private async reserve(bytes: number): Promise<void> {
    if (this.waiters.length === 0 && (this.buffered === 0 || this.buffered + bytes <= this.bufferBytes)) {
      this.buffered += bytes;
      return;
    }
    await new Promise<void>((resolve, reject) => this.waiters.push({ bytes, resolve, reject }));
  }

  private release(bytes: number): void {
    this.buffered -= bytes;
    while (this.waiters.length > 0) {
      const next = this.waiters.peek()!;
      if (this.buffered > 0 && this.buffered + next.bytes > this.bufferBytes) break;
      this.waiters.shift();
      this.buffered += next.bytes;
      next.resolve();
    }
  }

  private settle(pending: Pending, outcome: { meta: RecordMetadata } | { error: unknown }): void {
    if (pending.settled) return;
    pending.settled = true;
    // Settle before freeing buffer space, so the record's delivery is seen before a waiting send is accepted.
    if ('meta' in outcome) {
      this.counters.recordsDelivered++;
      this.counters.bytesDelivered += pending.bytes;
      pending.resolve(outcome.meta);
    } else {
      this.counters.recordsFailed++;
      pending.reject(outcome.error);
    }
    this.release(pending.bytes);
  }

  private topicState(topic: string): TopicState {
    let state = this.topics.get(topic);
    if (!state) {
      state = newTopicState(topic);
      this.topics.set(topic, state);
    }
    return state;
  }

  private enqueue(topic: string, pending: Pending): void {
    const state = this.topicState(topic);
    enqueuePending(state, pending);
    if (state.queueBytes + REQUEST_OVERHEAD_BYTES >= this.batchBytes || state.queue.length >= this.batchRecords) {
      this.pump(state);
    } else if (!state.timer && !state.lingerExpired) {
      state.timer = setTimeout(() => {
        state.timer = undefined;
        state.lingerExpired = true;
        this.pump(state);
      }, this.lingerMs);
    }
  }

  /**
   * The topic's partition count: read once, then again when it is `metadataMaxAgeMs` old or
   * a queued record names a partition past it (partitions may have been added; keys then
   * map over the new count, as in Kafka). A failed re-read keeps the count known before.
   */
  private partitionCount(state: TopicState): Promise<number> {
    const now = Date.now();
    const known = state.knownPartitions;
    const age = state.partitionsReadAt === undefined ? Infinity : now - state.partitionsReadAt;
    const pastKnown = known !== undefined && age >= PARTITIONS_RECHECK_MS && namesPartitionFrom(state, known);
    if (!state.partitions || age >= this.metadataMaxAgeMs || pastKnown) {
      state.partitionsReadAt = now;
      const read = this.client.describeTopic(state.name).then(
        (d) => (state.knownPartitions = d.partitions),
        (err: unknown) => {
          if (known !== undefined) return known;
          throw err;
        },
      );
      state.partitions = read;
      read.catch(() => {
        if (state.partitions === read) state.partitions = undefined;
      });
    }
    return state.partitions;
  }

  private ensureIdentity(): Promise<ProducerIdentity> {
    if (!this.identity) {
      const attempt = this.withRetries(() => this.client.initProducer(this.name === undefined ? {} : { name: this.name }), Date.now());
      this.identity = attempt;
      attempt.catch(() => {
        if (this.identity === attempt) this.identity = undefined;
      });
    }
    return this.identity;
  }

  /** Sends batches while the topic has a ready batch and room in flight. */
  private pump(state: TopicState): void {
    if (this.fatal !== undefined) return;
    if (this.resetNeeded) {
      if (this.totalInFlight === 0) void this.resetEpoch();
      return;
    }
    if (this.resetting) return;
    while (state.queue.length > 0 && state.inFlight < this.maxInFlight) {
      const full = state.queueBytes + REQUEST_OVERHEAD_BYTES >= this.batchBytes || state.queue.length >= this.batchRecords;
      if (!full && !state.lingerExpired) return;
      state.inFlight++;
      this.totalInFlight++;
      void this.dispatch(state).finally(() => {
        state.inFlight--;
        this.totalInFlight--;
        this.pumpAll();
      });
      // dispatch takes its records synchronously once metadata is known; stop here and let it call back.
      return;
    }
    if (state.queue.length === 0) state.lingerExpired = false;
  }

  private pumpAll(): void {
    for (const state of this.topics.values()) this.pump(state);
  }

  /** After an unknown outcome: a new epoch (or id) with every sequence back at 0, so no earlier gap can block later batches. */
  private async resetEpoch(): Promise<void> {
    if (this.resetting) return;
    this.resetNeeded = false;
    this.identity = undefined;
    this.resetting = this.ensureIdentity().then(
      () => undefined,
      () => undefined,
    );
    await this.resetting;
    this.generation++;
    for (const state of this.topics.values()) state.sequences.clear();
    this.resetting = undefined;
    this.pumpAll();
  }

  private async dispatch(state: TopicState): Promise<void> {
    let partitions: number;
    let identity: ProducerIdentity | undefined;
    try {
      partitions = await this.partitionCount(state);
      identity = this.idempotent ? await this.ensureIdentity() : undefined;
    } catch (err) {
      // Fail what is queued now: nothing can be placed or claimed.
      for (const p of drainPending(state)) this.settle(p, { error: err });
      return;
    }
    if (this.fatal !== undefined) return;
    const batch = takeBatch(
      state,
      {
        partitions,
        identity,
        batchRecords: this.batchRecords,
        batchBytes: this.batchBytes,
        encoding: this.encoding,
        generation: this.generation,
        maxPartitions: this.partitionsPerCall(),
      },
      (p, error) => this.settle(p, { error }),
    );
    if (!batch) return;
    // What is left has waited its linger already: it goes as soon as a slot frees (now, if one is free).
    state.lingerExpired = state.queue.length > 0;
    if (state.lingerExpired) this.pump(state);
    await this.sendBatch(batch);
  }

  private async sendBatch(batch: Batch): Promise<void> {
    try {
      // The same request object every attempt: a retry carries the same sequences, so a call that did commit answers its original offsets.
      let attempts = 0;
      const response = await this.withRetries(() => {
        this.counters.calls++;
        if (attempts++ > 0) this.counters.retries++;
        return this.client.produce(batch.topic, batch.request, this.requestOptions);
      }, batch.createdAt);
      if (response.commitAttempts !== undefined) this.conflicts.record(batch.counts.size, response.commitAttempts);
      batch.pending.forEach((p, i) => {
        const meta = response.records[i];
        this.settle(p, meta ? { meta } : { error: new Error(`The server answered ${response.records.length} records for ${batch.pending.length}`) });
      });
    } catch (err) {
      this.failBatch(batch, err);
    }
  }

  private failBatch(batch: Batch, err: unknown): void {
    if (err instanceof SluiceApiError && err.code === 'FENCED') {
      this.fail(err);
      for (const p of batch.pending) this.settle(p, { error: err });
      return;
    }
    for (const p of batch.pending) this.settle(p, { error: err });
    if (!batch.request.producer || batch.generation !== this.generation) return;
    const state = this.topics.get(batch.topic)!;
    const surelyRefused = err instanceof SluiceApiError && !err.retriable && err.code !== 'OUT_OF_ORDER_SEQUENCE' && err.code !== 'DUPLICATE_SEQUENCE';
    const isLatest = [...batch.counts].every(([p, n]) => state.sequences.get(p) === batch.bases.get(p)! + n);
    if (surelyRefused && isLatest) {
      // Nothing was written and no later batch was numbered: give the sequences back.
      for (const [p, base] of batch.bases) state.sequences.set(p, base);
    } else {
      // The outcome is unknown (or the sequences no longer line up): start a new epoch before the next batch.
      this.resetNeeded = true;
    }
  }

  /** Fails every queued record and buffer waiter with a fatal error, and refuses further sends. */
  private fail(err: unknown): void {
    if (this.fatal !== undefined) return;
    this.fatal = err;
    for (const state of this.topics.values()) {
      if (state.timer) clearTimeout(state.timer);
      state.timer = undefined;
      for (const p of drainPending(state)) this.settle(p, { error: err });
    }
    for (const waiter of this.waiters.drain()) waiter.reject(err);
  }

  /** Retries a call with jittered backoff (at least the server's Retry-After), while not fatal and not past the delivery timeout. */
  private withRetries<T>(call: () => Promise<T>, startedAt: number): Promise<T> {
    return withRetries(call, {
      retries: this.retries,
      backoff: { baseMs: this.backoffBase, maxMs: this.backoffCap, jitter: true, random: this.random },
      mayRetry: (error, delayMs) => {
        const retrying = this.fatal === undefined && Date.now() + delayMs - startedAt <= this.deliveryTimeoutMs;
        if (retrying) this.onRetry?.({ error, delayMs });
        return retrying;
      },
    });
  }
}

