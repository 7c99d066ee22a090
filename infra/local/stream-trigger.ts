import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient, type ShardIteratorType } from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { FUNCTIONS, type StreamTriggerSpec } from '../platform-spec';
import { checkpointKey, type CheckpointStore } from './checkpoint-store';
import { afterFailure, type FailureReason, type Piece } from './stream-batch-policy';
import { matchesPattern, validatePattern } from './stream-filter';
import { invokeStreamFunction } from './stream-invocation';
import { describeRange, toDelivery, type Delivery } from './stream-records';
import { describeShards, newShardState, type ShardState } from './stream-shards';
import { backoff, errorText, sleep, sleepIn } from './stream-timing';

export { matchesPattern } from './stream-filter';

/**
 * Local emulation of a Lambda event source mapping for DynamoDB Streams: polls
 * the table's stream, batches, filters, invokes the handler in-process and
 * applies Lambda's retry, bisect, partial-batch-response and on-failure rules.
 */
export interface StreamTriggerOptions {
  functionName: string;
  spec: StreamTriggerSpec;
  tableName: string;
  handler: (event: DynamoDBStreamEvent, context: Context) => Promise<unknown>;
  /** For DescribeTable. */
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  checkpoints: CheckpointStore;
  /** The on-failure destination: records whose retries ran out or which grew too old. */
  onFailure: (failure: StreamFailure) => void | Promise<void>;
  log?: (line: string) => void;
  /** How long an idle shard waits between GetRecords calls. Default 250 (Lambda polls about 4 times a second). */
  pollIntervalMs?: number;
  /** Delay before retry number `attempt` (1-based) of a failed batch. Default: 100 ms doubling, capped at 2 s. */
  retryDelayMs?: (attempt: number) => number;
  /** Clock in epoch milliseconds, for record ages and the function timeout. */
  now?: () => number;
  /** Function timeout and memory for the Lambda context; default from the function's entry in FUNCTIONS. */
  timeoutSeconds?: number;
  memoryMiB?: number;
}

export interface StreamFailure {
  functionName: string;
  /** Lambda's condition: `RetryAttemptsExhausted` or `MaximumRecordAgeExceeded`. */
  reason: FailureReason;
  /** The error of the last invocation that included these records. */
  error: string;
  /** How many invocations included these records. */
  attempts: number;
  streamArn: string;
  shardId: string;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  records: DynamoDBRecord[];
}

const REDESCRIBE_INTERVAL_MS = 5000;
const GET_RECORDS_MAX_LIMIT = 1000;
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_MIB = 128;

export class StreamTrigger {
  private readonly o: StreamTriggerOptions;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private readonly timeoutSeconds: number;
  private readonly memoryMiB: number;
  private readonly batchSize: number;

  private running = false;
  private mainLoop: Promise<void> | undefined;
  private readonly shardLoops = new Set<Promise<void>>();
  private region: string | undefined;
  private streamArn: string | undefined;
  private generation = 0;
  private shards = new Map<string, ShardState>();
  /** Monotonic counter ordering reads and describes against drain() calls. */
  private tick = 0;
  private describedTick = 0;
  private mainSleeper: (() => void) | undefined;
  private readonly idleSleepers = new Set<() => void>();
  private readonly retrySleepers = new Set<() => void>();

  constructor(options: StreamTriggerOptions) {
    const spec = options.spec;
    if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1) throw new Error(`${options.functionName}: batchSize must be a positive integer`);
    for (const pattern of spec.filterPatterns ?? []) validatePattern(pattern, options.functionName);
    const fn = FUNCTIONS.find((f) => f.name === options.functionName);
    this.o = options;
    this.log = (line) => (options.log ?? console.log)(`[${options.functionName}] ${line}`);
    this.now = options.now ?? Date.now;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.retryDelayMs = options.retryDelayMs ?? ((attempt) => Math.min(2000, 100 * 2 ** Math.max(0, attempt - 1)));
    this.timeoutSeconds = options.timeoutSeconds ?? fn?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    this.memoryMiB = options.memoryMiB ?? fn?.memoryMiB ?? DEFAULT_MEMORY_MIB;
    this.batchSize = spec.batchSize;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.streamArn = undefined;
    this.shards = new Map();
    this.mainLoop = this.runMain();
  }

  /** Stops polling; waits for an in-flight invocation to finish and its checkpoint to be written. */
  async stop(): Promise<void> {
    if (!this.running) return this.mainLoop;
    this.running = false;
    this.wakeIdle();
    for (const wake of [...this.retrySleepers]) wake();
    await this.mainLoop;
    await this.o.checkpoints.flush();
  }

  /** Resolves once every record now in the stream has been delivered, filtered out or sent to onFailure. */
  async drain(timeoutMs = 30_000): Promise<void> {
    if (!this.running) throw new Error(`${this.o.functionName}: drain() needs a started StreamTrigger`);
    const since = ++this.tick;
    const deadline = Date.now() + timeoutMs;
    this.wakeIdle();
    for (;;) {
      if (!this.running) throw new Error(`${this.o.functionName}: stopped while draining`);
      if (this.isDrained(since)) return;
      if (Date.now() >= deadline) throw new Error(`${this.o.functionName}: not drained after ${timeoutMs} ms (${this.describeState()})`);
      if (this.describedTick <= since) this.mainSleeper?.();
      await sleep(10);
    }
  }

  private isDrained(since: number): boolean {
    if (this.describedTick <= since) return false;
    for (const shard of this.shards.values()) {
      if (shard.generation !== this.generation || shard.gone || shard.finished) continue;
      if (shard.caughtUpTick <= since) return false;
    }
    return true;
  }

  private describeState(): string {
    const shards = [...this.shards.values()].map(
      (s) => `${s.shardId}: ${s.finished ? 'finished' : s.started ? `reading, ${s.pending.length} pending, checkpoint ${s.lastCheckpoint ?? 'none'}` : 'waiting for parent'}`,
    );
    return `stream ${this.streamArn ?? 'not found yet'}; ${shards.join('; ') || 'no shards'}`;
  }

  // ---- discovery ------------------------------------------------------------

  private async runMain(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.discover();
        failures = 0;
        await this.sleepMain(REDESCRIBE_INTERVAL_MS);
      } catch (error) {
        failures++;
        this.log(`cannot read the stream of table ${this.o.tableName} (attempt ${failures}): ${errorText(error)}`);
        await this.sleepIdle(backoff(failures)); // not sleepMain: drain() must not hurry a failing describe
      }
    }
    await Promise.all([...this.shardLoops]);
  }

  private async discover(): Promise<void> {
    const tick = ++this.tick;
    this.region ??= await this.o.streams.config.region();
    const table = await this.o.dynamodb.send(new DescribeTableCommand({ TableName: this.o.tableName }));
    const streamArn = table.Table?.LatestStreamArn;
    if (!streamArn || table.Table?.StreamSpecification?.StreamEnabled === false) {
      throw new Error(`table ${this.o.tableName} has no enabled stream`);
    }
    const shards = await describeShards(this.o.streams, streamArn);
    if (!this.running) return;

    const firstDiscovery = streamArn !== this.streamArn;
    if (firstDiscovery) {
      if (this.streamArn) this.log(`the stream of ${this.o.tableName} changed from ${this.streamArn} to ${streamArn}; following the new one`);
      this.generation++;
      this.streamArn = streamArn;
      this.shards = new Map();
    }
    const listed = new Set(shards.map((s) => s.ShardId ?? ''));
    for (const state of this.shards.values()) state.gone = !listed.has(state.shardId);

    const resuming = shards.some((s) => this.o.checkpoints.get(this.key(s.ShardId ?? '')) !== undefined);
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (!shardId || this.shards.has(shardId)) continue;
      // Lambda applies the starting position to the shards that exist when the
      // mapping is created; shards that appear later are read from their start.
      let initialPosition: ShardState['initialPosition'] = 'TRIM_HORIZON';
      let finished = false;
      if (firstDiscovery && !resuming && this.o.spec.startingPosition === 'LATEST') {
        initialPosition = 'LATEST';
        finished = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      }
      this.shards.set(shardId, newShardState(shardId, shard.ParentShardId, this.generation, initialPosition, finished));
    }

    for (const state of this.shards.values()) {
      if (state.started || state.finished || state.gone) continue;
      const parent = state.parentShardId ? this.shards.get(state.parentShardId) : undefined;
      const parentDone = !parent || parent.finished || (parent.gone && !parent.started);
      if (!parentDone) continue;
      state.started = true;
      const loop = this.runShard(state).finally(() => this.shardLoops.delete(loop));
      this.shardLoops.add(loop);
    }
    if (firstDiscovery) this.log(`reading ${streamArn} (${shards.length} shard${shards.length === 1 ? '' : 's'})`);
    this.describedTick = tick;
  }

  // ---- reading one shard ----------------------------------------------------

  private async runShard(shard: ShardState): Promise<void> {
    const windowMs = this.o.spec.maxBatchingWindowSeconds * 1000;
    // Lambda's batching window opens when the previous invocation completes.
    let windowStart = this.now();
    let failures = 0;
    while (this.isCurrent(shard)) {
      try {
        const readTick = ++this.tick;
        const read = await this.readOnce(shard);
        failures = 0;
        if (shard.pending.length > 0) {
          const windowLeft = windowStart + windowMs - this.now();
          if (shard.pending.length >= this.batchSize || windowLeft <= 0 || shard.endReached) {
            const batch = shard.pending.splice(0);
            let completed;
            try {
              completed = await this.processBatch(shard, batch);
            } catch (error) {
              // Not a function error (those are handled inside): e.g. the checkpoint could not be
              // written. Read again from the last checkpoint rather than lose the batch.
              this.rewindToCheckpoint(shard);
              throw error;
            }
            if (!completed) return;
            // Records filtered out after the last delivered one are done too.
            if (shard.lastReadSequenceNumber) this.checkpoint(shard, shard.lastReadSequenceNumber);
            windowStart = this.now();
            continue;
          }
          if (read === 0) await this.sleepIdle(Math.min(this.pollIntervalMs, windowLeft));
          continue;
        }
        if (shard.lastReadSequenceNumber) this.checkpoint(shard, shard.lastReadSequenceNumber);
        if (shard.endReached) {
          shard.finished = true;
          this.log(`shard ${shard.shardId} is closed and fully processed`);
          this.mainSleeper?.(); // its children can start now
          return;
        }
        if (read === 0) {
          shard.caughtUpTick = readTick;
          await this.sleepIdle(this.pollIntervalMs);
        }
      } catch (error) {
        failures++;
        this.log(`polling shard ${shard.shardId} failed (attempt ${failures}): ${errorText(error)}`);
        await this.sleepIdle(backoff(failures));
      }
    }
  }

  private rewindToCheckpoint(shard: ShardState): void {
    shard.pending = [];
    shard.iterator = undefined;
    shard.endReached = false;
    shard.lastReadSequenceNumber = undefined;
  }

  private isCurrent(shard: ShardState): boolean {
    return this.running && shard.generation === this.generation && !shard.gone;
  }

  /** One GetRecords call; returns how many records it returned (matching the filter or not). */
  private async readOnce(shard: ShardState, retried = false): Promise<number> {
    if (shard.endReached) return 0;
    shard.iterator ??= await this.getIterator(shard);
    let response;
    try {
      const limit = Math.min(GET_RECORDS_MAX_LIMIT, Math.max(1, this.batchSize - shard.pending.length));
      response = await this.o.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: limit }));
    } catch (error) {
      const name = (error as Error).name;
      if (!retried && (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException')) {
        this.log(`shard ${shard.shardId}: ${name}; getting a new iterator`);
        shard.iterator = undefined;
        return this.readOnce(shard, true);
      }
      throw error;
    }
    if (!this.isCurrent(shard)) return 0;
    const records = response.Records ?? [];
    for (const raw of records) {
      const delivery = toDelivery(raw, { region: this.region, streamArn: this.streamArn, now: this.now });
      shard.lastReadSequenceNumber = delivery.sequenceNumber;
      if (this.matchesFilters(delivery.record)) shard.pending.push(delivery);
    }
    shard.iterator = response.NextShardIterator ?? undefined;
    if (!shard.iterator) shard.endReached = true;
    return records.length;
  }

  /** After the last record read, else after the checkpoint, else at the starting position. */
  private async getIterator(shard: ShardState): Promise<string> {
    const after = shard.lastReadSequenceNumber ?? this.o.checkpoints.get(this.key(shard.shardId));
    const request = async (type: ShardIteratorType, sequenceNumber?: string): Promise<string> => {
      const response = await this.o.streams.send(
        new GetShardIteratorCommand({ StreamArn: this.streamArn, ShardId: shard.shardId, ShardIteratorType: type, SequenceNumber: sequenceNumber }),
      );
      if (!response.ShardIterator) throw new Error(`GetShardIterator returned no iterator for shard ${shard.shardId}`);
      return response.ShardIterator;
    };
    if (!after) return request(shard.initialPosition);
    try {
      return await request('AFTER_SEQUENCE_NUMBER', after);
    } catch (error) {
      if ((error as Error).name !== 'TrimmedDataAccessException') throw error;
      this.log(`shard ${shard.shardId}: records after ${after} were trimmed from the stream before they were processed; continuing at TRIM_HORIZON`);
      return request('TRIM_HORIZON');
    }
  }

  private checkpoint(shard: ShardState, sequenceNumber: string): void {
    if (shard.lastCheckpoint === sequenceNumber) return;
    this.o.checkpoints.set(this.key(shard.shardId), sequenceNumber);
    shard.lastCheckpoint = sequenceNumber;
  }

  private key(shardId: string): string {
    return checkpointKey(this.o.functionName, this.streamArn ?? '', shardId);
  }

  // ---- invoking -------------------------------------------------------------

  /** Delivers one batch with Lambda's error handling; false when stopped before the batch was done. */
  private async processBatch(shard: ShardState, batch: Delivery[]): Promise<boolean> {
    const spec = this.o.spec;
    const queue: Piece[] = [{ records: batch, retries: 0, invocations: 0, lastError: '' }];
    while (queue.length > 0) {
      if (!this.isCurrent(shard)) return false;
      const piece = queue.shift()!;
      const outcome = await this.invoke(piece);
      piece.invocations++;
      if (outcome.ok) {
        this.checkpoint(shard, piece.records.at(-1)!.sequenceNumber);
        continue;
      }
      if (outcome.succeeded > 0) this.checkpoint(shard, piece.records[outcome.succeeded - 1]!.sequenceNumber);
      const next = afterFailure(piece, outcome, spec, this.now());
      const range = describeRange(next.piece.records);
      if (next.action === 'on-failure') {
        await this.sendToOnFailure(shard, next.piece, next.reason);
      } else if (next.action === 'retry-rest') {
        this.log(`records ${range} failed (${outcome.error}); retrying them without the ${outcome.succeeded} before them`);
        queue.unshift(next.piece);
      } else if (next.action === 'split') {
        this.log(`batch ${range} failed (${outcome.error}); splitting it in two`);
        queue.unshift(...next.halves);
      } else {
        const delayMs = this.retryDelayMs(next.piece.retries);
        this.log(`batch ${range} failed (${outcome.error}); retry ${next.piece.retries}${spec.retryAttempts >= 0 ? ` of ${spec.retryAttempts}` : ''} in ${delayMs} ms`);
        if (!(await this.sleepRetry(delayMs)) || !this.isCurrent(shard)) return false;
        queue.unshift(next.piece);
      }
    }
    return true;
  }

  private invoke(piece: Piece): ReturnType<typeof invokeStreamFunction> {
    const { functionName, handler, spec } = this.o;
    const settings = { functionName, handler, timeoutSeconds: this.timeoutSeconds, memoryMiB: this.memoryMiB, reportBatchItemFailures: spec.reportBatchItemFailures, region: this.region, now: this.now };
    return invokeStreamFunction(settings, piece.records);
  }

  private async sendToOnFailure(shard: ShardState, piece: Piece, reason: FailureReason): Promise<void> {
    const failure: StreamFailure = {
      functionName: this.o.functionName,
      reason,
      error: piece.lastError,
      attempts: piece.invocations,
      streamArn: this.streamArn ?? '',
      shardId: shard.shardId,
      firstSequenceNumber: piece.records[0]!.sequenceNumber,
      lastSequenceNumber: piece.records.at(-1)!.sequenceNumber,
      records: piece.records.map((d) => structuredClone(d.record)),
    };
    this.log(`${reason}: records ${describeRange(piece.records)} go to the on-failure destination after ${piece.invocations} attempt(s): ${piece.lastError}`);
    try {
      await this.o.onFailure(failure);
    } catch (error) {
      // Lambda does not block the shard on the destination either; say so loudly.
      this.log(`the on-failure destination failed for records ${describeRange(piece.records)}; they are skipped: ${errorText(error)}`);
    }
    this.checkpoint(shard, failure.lastSequenceNumber);
  }

  // ---- records and filters --------------------------------------------------

  private matchesFilters(record: DynamoDBRecord): boolean {
    const patterns = this.o.spec.filterPatterns;
    if (!patterns || patterns.length === 0) return true;
    return patterns.some((pattern) => matchesPattern(pattern, record));
  }

  // ---- sleeping -------------------------------------------------------------

  /** The pause between describes: drain(), stop() and a finished shard cut it short. */
  private sleepMain(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idleSleepers.delete(done);
        if (this.mainSleeper === done) this.mainSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.mainSleeper = done;
      this.idleSleepers.add(done);
    });
  }

  /** A pause that drain() and stop() cut short. */
  private sleepIdle(ms: number): Promise<void> {
    return sleepIn(this.idleSleepers, ms);
  }

  /** A retry delay: only stop() cuts it short. Resolves false when stopped. */
  private async sleepRetry(ms: number): Promise<boolean> {
    await sleepIn(this.retrySleepers, ms);
    return this.running;
  }

  private wakeIdle(): void {
    for (const wake of [...this.idleSleepers]) wake();
  }
}
