import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { BOUND_HEARTBEAT_MS } from '../../lib/client/membership';
import { handler as coordinateGroups } from '../../functions/streams/coordinate-groups';
import { MemoryCheckpointStore } from '../../infra/local/checkpoint-store';
import { lambdaContext } from '../../infra/local/lambda-context';
import { StreamTrigger } from '../../infra/local/stream-trigger';
import { FUNCTIONS } from '../../infra/platform-spec';
import { incomingRecords } from '../../lib/records/record-encoding';
import type { SluiceContext } from '../../lib/core/context';
import { collectOrphanObjects } from '../../lib/gc/collect-orphan-objects';
import { produce, type ProduceResult } from '../../lib/log/produce';
import { partitionForKey } from '../../lib/protocol/partitioner';
import { TailWatcher, globalSocketFactory, type WatchSocket, type WatchSocketFactory } from '../../lib/client/tail-watcher';
import WebSocketClient from 'ws';
import { contextFromEnv } from '../../lib/runtime/context-from-env';
import { classify, classifyError, request, type Reply } from './api';
import { check, type CheckResult } from './checker';
import {
  CompactionCrashes,
  compactedFinalRead,
  compactedKeys,
  compactedReadFields,
  compactedRecordJson,
  compactedTopicConfig,
  compactorLoop,
  finalCompaction,
  Scanner,
  SAFETY_COMPACTION_LIMITS,
} from './compacted-workload';
import { crashingBeforeCommit, FAULT_KINDS, FaultCounters, fencedBeforeCommit, installDynamoFaults, SimulatedCrash, WORKLOAD_FAULTS, type FaultKind, type StormState } from './faults';
import type { FinalRead, History, HistoryEvent, Outcome, Poll, SendAttempt } from './history';
import { KafkaResponseDropper, startKafkaClients, type KafkaClients } from './kafka-clients';
import { consumerSplit, type SafetyOptions } from './options';
import { guardS3rverDeleteRace, startSafetyPlatform, type SafetyPlatform } from './platform';

/**
 * A safety run: concurrent producers (idempotent and not) and consumers (direct
 * readers and group members) against the local platform, faults injected on a
 * schedule, every operation recorded, then a complete read of the log and the checker.
 */
export interface RunResult {
  options: SafetyOptions;
  topic: string;
  group: string;
  history: History;
  result: CheckResult;
  faults: { enabled: FaultKind[]; injected: Record<FaultKind, number>; details: Record<string, number>; missing: FaultKind[] };
  timings: { startupMs: number; workloadMs: number; drainMs: number; finalMs: number; totalMs: number };
  notes: string[];
  platformLog: string[];
}

/** How long after DynamoDB Local is back a delayed `$disconnect` has to release its members (it retries at most a second apart). */
const RELEASE_GRACE_MS = 3_000;

const TOPIC = 'safety';
const GROUP = 'safety-group';
const KEY_SPACE = 256;

/** mulberry32: a small seeded generator, so a seed reproduces the workload's and the faults' choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Arm {
  kind: 'crash-before-commit' | 'crash-after-commit' | 'concurrent-retry';
  idempotent: boolean;
}

class Run {
  readonly t0 = performance.now();
  readonly events: HistoryEvent[] = [];
  readonly counters = new FaultCounters();
  readonly storm: StormState = { throttling: false, throttleRate: 0.3, lostResponseRate: 0, lostResponsesForced: 0 };
  readonly arms: Arm[] = [];
  readonly background = new Set<Promise<unknown>>();
  readonly notes: string[] = [];
  /** DynamoDB Local restarts so far (run time, ms): `to` is unset while it is down. */
  readonly outages: { from: number; to?: number }[] = [];
  /** Throttle storms in progress (they may overlap). */
  throttleStorms = 0;
  readonly keysByPartition: string[][];
  /** Producers keep writing while this is true. */
  producing = true;
  /** Consumers keep reading while this is true. */
  consuming = true;
  /** Set once the producers have stopped: readers stop when they reach these. */
  finalHighWatermarks: number[] | undefined;
  /** The platform's watch (tail-wait) WebSocket URL: group members wait on it at the tail when set. */
  watchUrl: string | undefined;
  /** watch-loss faults due that found no member waiting on a connection yet: the next member that waits takes one. */
  watchLossDue = 0;
  readonly topic = TOPIC;
  /** The compacted workload: keyed records over a small key space with tombstones, compacted throughout (compacted-workload.ts). */
  readonly compacted: boolean;
  /** Compacted workload: compaction-crash faults due, taken by the compactors' next runs. */
  readonly compactionCrashes = new CompactionCrashes();

  constructor(
    readonly options: SafetyOptions,
    readonly url: string,
    readonly ctx: SluiceContext,
    readonly rng: () => number,
  ) {
    this.compacted = options.workload === 'compacted';
    if (this.compacted) this.keysByPartition = compactedKeys(options.compacted.keys, options.partitions);
    else {
      this.keysByPartition = Array.from({ length: options.partitions }, () => []);
      for (let k = 0; k < KEY_SPACE; k++) this.keysByPartition[partitionOf(`k${k}`, options.partitions)]!.push(`k${k}`);
    }
  }

  poll(consumer: string, partition: number, offset: number, maxRecords: number, waitMs: number): Promise<Poll> {
    return poll(this, consumer, partition, offset, maxRecords, waitMs);
  }

  now(): number {
    return performance.now() - this.t0;
  }

  record<E extends HistoryEvent>(event: E): E {
    this.events.push(event);
    return event;
  }

  spawn(task: Promise<unknown>): void {
    const tracked = task.catch((error: unknown) => this.notes.push(`background task failed: ${String(error)}`)).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  enabled(kind: FaultKind): boolean {
    return this.options.faults.has(kind);
  }

  pick<T>(list: readonly T[]): T | undefined {
    return list.length === 0 ? undefined : list[Math.floor(this.rng() * list.length)];
  }
}

function partitionOf(key: string, partitions: number): number {
  return partitionForKey(Buffer.from(key, 'utf8'), partitions);
}

const backoffMs = (attempt: number, rng: () => number) => Math.floor(rng() * Math.min(1000, 50 * 2 ** attempt)) + 20;

// ---- producers -----------------------------------------------------------------

interface OutRecord {
  key: string;
  value: string;
  partition: number;
  /** Compacted workload: a null value (the id still rides in the `id` header). */
  tombstone?: boolean;
}

interface Claim {
  producerId: number;
  epoch: number;
  sequences: Map<number, number>;
}

type AttemptMode = 'http' | 'crash-before-commit' | 'crash-after-commit' | 'fenced-before-commit';

interface ProducerConfig {
  name: string;
  idempotent: boolean;
  /** Contenders write every record to this partition, as fast as they can. */
  partition?: number;
  thinkMs: [number, number];
  /** Whether this producer may be picked for crash faults. */
  faults: boolean;
  keepGoing: () => boolean;
}

class Producer {
  private values = 0;
  private sends = 0;
  private identity: { producerId: number; epoch: number } | undefined;
  private sequences = new Map<number, number>();
  zombieRequested = false;
  /**
   * Zombie calls this producer may try again when none so far ended with a known outcome.
   * 8, not 3: on a machine loaded 15 deep (CI beside other test runs) throttle storms left
   * four zombie calls in a row unknown, and the small-scale run then failed for a fault it
   * could not show, although it found no anomaly.
   */
  private zombieRetries = 8;

  constructor(
    private readonly run: Run,
    readonly config: ProducerConfig,
  ) {}

  get hasIdentity(): boolean {
    return this.identity !== undefined;
  }

  private instanceName(identity = this.identity): string {
    return identity ? `${this.config.name}#${identity.producerId}.${identity.epoch}` : this.config.name;
  }

  async loop(): Promise<void> {
    if (this.config.idempotent && !(await this.init())) {
      this.run.notes.push(`${this.config.name}: could not initialise a producer id; it sent nothing`);
      return;
    }
    while (this.config.keepGoing()) {
      if (this.zombieRequested) {
        this.zombieRequested = false;
        await this.zombie();
        // A zombie call whose outcome stayed unknown (a lost response, a throttle storm) proves
        // nothing: until one of the run's is known, try again, a few times at most.
        if (this.run.counters.injected['zombie-producer'] === 0 && this.zombieRetries-- > 0) this.zombieRequested = true;
        continue;
      }
      await this.send(this.batch(this.config.name));
      const [min, max] = this.config.thinkMs;
      if (max > 0) await delay(min + Math.floor(this.run.rng() * (max - min)));
    }
  }

  private batch(prefix: string): OutRecord[] {
    const count = this.config.partition === undefined ? 1 + Math.floor(this.run.rng() * 3) : 1;
    return Array.from({ length: count }, () => {
      if (this.run.compacted) {
        const keys = this.config.partition === undefined ? this.run.keysByPartition.flat() : this.run.keysByPartition[this.config.partition]!;
        const key = this.run.pick(keys) ?? 'k0';
        const tombstone = this.run.rng() * 100 < this.run.options.compacted.tombstonePercent;
        return { key, value: `${prefix}-${this.values++}`, partition: partitionOf(key, this.run.options.partitions), tombstone };
      }
      const keys = this.config.partition === undefined ? undefined : this.run.keysByPartition[this.config.partition];
      const key = keys && keys.length > 0 ? this.run.pick(keys)! : `k${Math.floor(this.run.rng() * KEY_SPACE)}`;
      return { key, value: `${prefix}-${this.values++}`, partition: partitionOf(key, this.run.options.partitions) };
    });
  }

  /** POST /v1/producers with this producer's name: a new epoch, fencing every earlier instance. */
  async init(): Promise<boolean> {
    for (let i = 0; i < 40 && (this.run.producing || i === 0 || this.identity === undefined); i++) {
      const start = this.run.now();
      const reply = await request(this.run.url, 'POST', '/v1/producers', { name: this.config.name });
      const { outcome } = classify(reply);
      const ok = outcome === 'ok';
      this.run.record({
        type: 'init',
        name: this.config.name,
        start,
        end: this.run.now(),
        outcome,
        ...(ok ? { producerId: reply.body.producerId as number, epoch: reply.body.epoch as number } : {}),
      });
      if (ok) {
        this.identity = { producerId: reply.body.producerId, epoch: reply.body.epoch };
        this.sequences = new Map();
        return true;
      }
      await delay(backoffMs(i, this.run.rng));
    }
    return false;
  }

  private claimFor(records: readonly OutRecord[], identity = this.identity, sequences = this.sequences): Claim | undefined {
    if (!identity || !this.config.idempotent) return undefined;
    const claimed = new Map<number, number>();
    for (const r of records) if (!claimed.has(r.partition)) claimed.set(r.partition, sequences.get(r.partition) ?? 0);
    return { ...identity, sequences: claimed };
  }

  private takeFault(): Arm['kind'] | undefined {
    if (!this.config.faults) return undefined;
    const i = this.run.arms.findIndex((a) => a.idempotent === this.config.idempotent);
    if (i >= 0) return this.run.arms.splice(i, 1)[0]!.kind;
    const roll = this.run.rng();
    if (roll < 0.003 && this.run.enabled('crash-before-commit')) return 'crash-before-commit';
    if (roll > 0.997 && this.run.enabled('crash-after-commit')) return 'crash-after-commit';
    if (roll > 0.5 && roll < 0.503 && this.run.enabled('concurrent-retry')) return 'concurrent-retry';
    return undefined;
  }

  /** One logical send, retried as a client would: the same records (and sequences) until a definite answer. */
  async send(records: OutRecord[]): Promise<void> {
    const sendId = `${this.config.name}.${++this.sends}`;
    const identity = this.identity;
    const claim = this.claimFor(records);
    const fault = this.takeFault();
    const deadline = this.run.now() + 40_000;
    for (let attempt = 1; attempt <= 25; attempt++) {
      let a: SendAttempt;
      if (attempt === 1 && fault === 'concurrent-retry') {
        // The client stopped waiting and sent the call again; both copies are in flight at once.
        const [first, second] = await Promise.all([
          this.attempt(sendId, 1, records, claim, 'http', this.instanceName(identity)),
          delay(Math.floor(this.run.rng() * 15)).then(() => this.attempt(sendId, 2, records, claim, 'http', this.instanceName(identity))),
        ]);
        first.fault = second.fault = 'concurrent-retry';
        this.run.counters.count('concurrent-retry');
        attempt = 2;
        a = first.outcome === 'ok' ? first : second.outcome === 'ok' ? second : first.outcome === 'fail' ? first : second;
      } else {
        const mode: AttemptMode = attempt === 1 && fault && fault !== 'concurrent-retry' ? fault : 'http';
        a = await this.attempt(sendId, attempt, records, claim, mode, this.instanceName(identity));
        if (fault && attempt === 1 && !a.fault) this.run.arms.push({ kind: fault, idempotent: this.config.idempotent }); // not injected: try again later
      }
      if (a.outcome === 'ok') {
        if (claim && this.identity === identity) {
          for (const [partition, base] of claim.sequences) this.sequences.set(partition, base + records.filter((r) => r.partition === partition).length);
        }
        return;
      }
      if (a.outcome === 'fail') {
        if (a.code === 'COMMIT_CONTENDED' && this.run.now() < deadline) {
          await delay(backoffMs(attempt, this.run.rng));
          continue;
        }
        // Refused: nothing was written. An idempotent producer refused for its epoch or sequence starts a new epoch.
        if (claim && a.code !== 'COMMIT_CONTENDED') await this.init();
        return;
      }
      // Unknown: retry the same call. A non-idempotent client sometimes gives up (at most once).
      if (!claim && this.run.rng() < 0.2) return;
      if (this.run.now() >= deadline) break;
      await delay(backoffMs(attempt, this.run.rng));
    }
    // Still unknown: the sequences can no longer be trusted; a new epoch starts over.
    if (claim) await this.init();
  }

  private async attempt(
    sendId: string,
    attempt: number,
    records: readonly OutRecord[],
    claim: Claim | undefined,
    mode: AttemptMode,
    producer: string,
    fence?: () => Promise<boolean>,
  ): Promise<SendAttempt> {
    const run = this.run;
    const event: SendAttempt = {
      type: 'send',
      sendId,
      attempt,
      producer,
      idempotent: claim !== undefined,
      ...(claim ? { producerId: claim.producerId, epoch: claim.epoch } : {}),
      values: records.map((r) => r.value),
      partitions: records.map((r) => r.partition),
      start: run.now(),
      end: 0,
      outcome: 'unknown',
      via: mode === 'http' ? 'http' : 'lib',
      ...(run.compacted ? { keys: records.map((r) => r.key), tombstones: records.map((r) => r.tombstone === true) } : {}),
    };
    const recordsJson = records.map((r) => (run.compacted ? compactedRecordJson(r) : { key: r.key, value: r.value }));
    const producerField = claim ? { id: claim.producerId, epoch: claim.epoch, sequences: Object.fromEntries([...claim.sequences].map(([p, s]) => [String(p), s])) } : undefined;
    const settle = (outcome: Outcome, extra: Partial<SendAttempt> = {}) => {
      Object.assign(event, { outcome, end: run.now() }, extra);
      return run.record(event);
    };
    if (mode === 'http') {
      const reply = await request(run.url, 'POST', `/v1/topics/${TOPIC}/records`, {
        encoding: 'utf8',
        records: recordsJson,
        ...(producerField ? { producer: producerField } : {}),
      });
      const { outcome, code } = classify(reply);
      if (outcome === 'ok') return settle('ok', okFields(reply.body));
      return settle(outcome, { code });
    }
    const incoming = incomingRecords({ encoding: 'utf8', records: recordsJson } as never);
    const options = producerField ? { producer: producerField } : {};
    let crashed = false;
    let fenced = false;
    const ctx =
      mode === 'crash-before-commit'
        ? crashingBeforeCommit(run.ctx, () => (crashed = true))
        : mode === 'fenced-before-commit'
          ? fencedBeforeCommit(run.ctx, async () => {
              fenced = (await fence?.()) ?? false;
            })
          : run.ctx;
    let result: ProduceResult;
    try {
      result = await produce(ctx, TOPIC, incoming, options);
    } catch (error) {
      if (error instanceof SimulatedCrash && crashed) {
        run.counters.count('crash-before-commit');
        return settle('unknown', { code: 'CRASH', notCommitted: true, fault: 'crash-before-commit' });
      }
      const { outcome, code } = classifyError(error);
      return settle(outcome, { code, ...(fenced ? { mustBeFenced: true, fault: 'zombie-producer' } : {}) });
    }
    const fields = okFields(result);
    if (mode === 'crash-after-commit') {
      run.counters.count('crash-after-commit');
      // The process died before the reply reached the client: only the harness knows.
      return settle('unknown', { code: 'CRASH', hidden: true, fault: 'crash-after-commit', ...fields });
    }
    return settle('ok', { ...fields, ...(fenced ? { mustBeFenced: true, fault: 'zombie-producer' } : {}) });
  }

  /**
   * Zombie fencing: a call of the current instance holds its commit until the same
   * name has been initialised again (a newer epoch), then sends it; afterwards the old
   * instance carries on in the background, unaware. All of it must be FENCED.
   */
  private async zombie(): Promise<void> {
    const old = this.identity;
    if (!old) return;
    const oldName = this.instanceName(old);
    const oldSequences = new Map(this.sequences);
    const records = this.batch(`${this.config.name}z${old.epoch}`);
    const claim = this.claimFor(records, old, oldSequences);
    const sendId = `${this.config.name}.z${old.epoch}.${++this.sends}`;
    const a = await this.attempt(sendId, 1, records, claim, 'fenced-before-commit', oldName, () => this.init());
    if (this.identity === old) await this.init(); // the fence never ran (the call failed first): fence now
    if (a.mustBeFenced && a.outcome !== 'unknown') this.run.counters.count('zombie-producer');
    if (this.identity === old) return;
    this.run.spawn(
      (async () => {
        for (let i = 0; i < 2; i++) {
          const more = this.batch(`${this.config.name}z${old.epoch}`);
          const z = await this.attempt(`${this.config.name}.z${old.epoch}.${++this.sends}`, 1, more, this.claimFor(more, old, oldSequences), 'http', oldName);
          if (z.outcome !== 'unknown') this.run.counters.count('zombie-producer');
          await delay(20 + Math.floor(this.run.rng() * 50));
        }
      })(),
    );
  }
}

function okFields(body: Pick<ProduceResult, 'records' | 'duplicate'>): Partial<SendAttempt> {
  return { offsets: body.records.map((r) => r.offset), duplicate: body.duplicate === true };
}

// ---- consumers -----------------------------------------------------------------

async function poll(run: Run, consumer: string, partition: number, offset: number, maxRecords: number, waitMs: number): Promise<Poll> {
  const start = run.now();
  const reply = await request(
    run.url,
    'GET',
    `/v1/topics/${TOPIC}/partitions/${partition}/records?offset=${offset}&maxRecords=${maxRecords}&encoding=utf8&waitMs=${waitMs}`,
  );
  const { outcome, code } = classify(reply);
  // Compacted: ids (a tombstone's from its header), keys, null values and where the next fetch starts.
  const compacted = outcome === 'ok' && run.compacted ? compactedReadFields(reply.body) : undefined;
  const records: [number, string][] = outcome === 'ok' ? (compacted?.records ?? (reply.body.records as { offset: number; value: string }[]).map((r) => [r.offset, r.value])) : [];
  return run.record({
    type: 'poll',
    consumer,
    partition,
    offset,
    start,
    end: run.now(),
    outcome,
    ...(code ? { code } : {}),
    records,
    ...(outcome === 'ok' ? { highWatermark: reply.body.highWatermark as number } : {}),
    ...(compacted ? { nextOffset: compacted.nextOffset, keys: compacted.keys, tombstones: compacted.tombstones } : {}),
    ...(run.compacted && code === 'OFFSET_OUT_OF_RANGE' && typeof reply.body?.error?.logStartOffset === 'number' ? { resetTo: reply.body.error.logStartOffset as number } : {}),
  });
}

/** Reads every partition directly, offset by offset, long-polling at the tail. */
class Reader {
  constructor(
    private readonly run: Run,
    readonly name: string,
  ) {}

  async loop(): Promise<void> {
    await Promise.all(Array.from({ length: this.run.options.partitions }, (_, p) => this.readPartition(p)));
  }

  private async readPartition(partition: number): Promise<void> {
    const run = this.run;
    let offset = 0;
    run.record({ type: 'seek', consumer: this.name, partition, offset, time: run.now(), reason: 'start' });
    for (let failures = 0; run.consuming; ) {
      const target = run.finalHighWatermarks?.[partition];
      if (target !== undefined && offset >= target) return;
      const p = await poll(run, this.name, partition, offset, 100, 500);
      if (p.outcome === 'ok') {
        failures = 0;
        const last = p.records.at(-1);
        // A compacted partition has holes: the fetch says where the next one starts.
        if (p.nextOffset !== undefined) offset = Math.max(offset, p.nextOffset);
        else if (last) offset = last[0] + 1;
      } else if (p.resetTo !== undefined) {
        // Out of range: go on from the log start the answer gave, as the client does (resetPolicy earliest).
        offset = p.resetTo;
      } else await delay(backoffMs(++failures, run.rng));
    }
  }
}

/**
 * A consumer group member: joins, heartbeats in the background (as Kafka clients do),
 * reads its assigned partitions from the group's committed positions, and commits
 * what it has read with the generation it read under (at least once).
 */
class Member {
  private memberId: string | undefined;
  private generation = -1;
  private assignment: number[] | null = null;
  private positionsFor = -1;
  private readonly positions = new Map<number, number>();
  private readonly committed = new Map<number, number>();
  /** Each partition's high watermark as the last poll of it said. */
  private readonly highWatermarks = new Map<number, number>();
  private nextHeartbeat = 0;
  private heartbeatIntervalMs = 1000;
  /** A zombie: no heartbeats, no reads. */
  private silent = false;
  private zombieRunning = false;
  zombieRequested = false;
  /** Waits at the tail on the platform's watch endpoint, when it has one; the membership is bound to that connection. */
  readonly watch: MemberWatch | undefined;
  /** The member id the server bound to the watch connection: no heartbeats while bound and settled (as the client). */
  private boundAs: string | undefined;

  constructor(
    private readonly run: Run,
    readonly name: string,
  ) {
    if (run.watchUrl) {
      this.watch = new MemberWatch(run, run.watchUrl, {
        onBound: (memberId, generation) => {
          if (memberId !== this.memberId || this.silent) return;
          this.boundAs = memberId;
          run.counters.detail('watch.member-bound');
          // A generation not ours may be a rebalance no notice reached: heartbeat now. Else only the safety heartbeat.
          this.nextHeartbeat = generation !== this.generation ? 0 : this.assignment === null ? this.nextHeartbeat : this.run.now() + BOUND_HEARTBEAT_MS;
        },
        onUnbound: () => {
          if (this.boundAs === undefined) return;
          this.boundAs = undefined;
          run.counters.detail('watch.member-unbound');
          this.nextHeartbeat = Math.min(this.nextHeartbeat, this.run.now() + this.heartbeatIntervalMs / 2);
        },
        onRebalance: (generation) => {
          run.counters.detail('watch.rebalance-notices');
          if (generation > this.generation) this.nextHeartbeat = 0;
        },
      });
    }
  }

  /** Ends a wait at the tail: the membership changed, a fault wants the member, or the run ends. */
  wakeUp(): void {
    this.watch?.poke();
  }

  private get reading(): boolean {
    return this.memberId !== undefined && this.assignment !== null && this.assignment.length > 0 && this.positionsFor === this.generation;
  }

  async loop(): Promise<void> {
    const run = this.run;
    const heartbeats = this.heartbeats();
    while (run.consuming) {
      if (this.zombieRequested && this.reading) {
        this.zombieRequested = false;
        await this.zombie();
        continue;
      }
      if (!this.memberId) {
        if (!(await this.join())) await delay(200);
        continue;
      }
      if (this.assignment && this.assignment.length > 0 && this.positionsFor !== this.generation) await this.loadPositions();
      if (!this.reading) {
        await delay(100);
        continue;
      }
      const round = { memberId: this.memberId, generation: this.generation, partitions: [...this.assignment!] };
      let read = 0;
      for (const partition of round.partitions) {
        const position = this.positions.get(partition);
        if (position === undefined || this.generation !== round.generation) break;
        // Read to the end and armed on the watch connection: not polled until a notice says it moved (as the client's consumer does).
        if (this.watch?.waiting(partition, position, this.highWatermarks.get(partition))) continue;
        this.watch?.woken.delete(partition);
        const p = await poll(run, this.name, partition, position, 50, 0);
        if (p.outcome === 'ok' && p.highWatermark !== undefined) this.highWatermarks.set(partition, p.highWatermark);
        const last = p.outcome === 'ok' ? p.records.at(-1) : undefined;
        if (last) {
          this.positions.set(partition, last[0] + 1);
          read += p.records.length;
        }
      }
      await this.commit(round);
      if (this.watch?.available && this.generation === round.generation && run.consuming && !this.zombieRequested) {
        const atTail = round.partitions.filter((p) => this.watch!.atTail(p, this.positions.get(p), this.highWatermarks.get(p)));
        this.watch.arm(atTail.map((p) => ({ topic: TOPIC, partition: p, offset: this.positions.get(p)! })));
        // Every partition waits: sleep until a notice (or a membership change) instead of polling.
        if (atTail.length === round.partitions.length) await this.watch.wait();
        else await delay(read > 0 ? 30 : 150);
      } else await delay(read > 0 ? 30 : 150);
    }
    this.watch?.close();
    await heartbeats;
    if (this.memberId) await request(run.url, 'DELETE', `/v1/groups/${GROUP}/members/${encodeURIComponent(this.memberId)}`);
  }

  private async heartbeats(): Promise<void> {
    while (this.run.consuming) {
      if (!this.silent && this.memberId && this.run.now() >= this.nextHeartbeat) await this.heartbeat();
      else await delay(50);
    }
  }

  private view(reply: Reply, start: number): void {
    const body = reply.body;
    const assignment = body.rebalanceInProgress ? null : ((body.assignment as { topic: string; partitions: number[] }[]).find((t) => t.topic === TOPIC)?.partitions ?? []);
    this.run.record({ type: 'view', consumer: this.name, memberId: body.memberId, generation: body.generation, assignment, start, end: this.run.now() });
    const changed = body.generation !== this.generation || JSON.stringify(assignment) !== JSON.stringify(this.assignment);
    this.generation = body.generation;
    this.assignment = assignment;
    if (changed) {
      this.positionsFor = -1;
      this.wakeUp();
    }
    this.heartbeatIntervalMs = body.heartbeatIntervalMs ?? this.heartbeatIntervalMs;
    // While a rebalance is pending, look again soon rather than a full interval later; bound and settled, the connection keeps the lease.
    const bound = this.boundAs !== undefined && this.boundAs === this.memberId;
    this.nextHeartbeat = this.run.now() + (assignment === null ? Math.min(200, this.heartbeatIntervalMs) : bound ? BOUND_HEARTBEAT_MS : this.heartbeatIntervalMs);
  }

  private async join(): Promise<boolean> {
    const start = this.run.now();
    const reply = await request(this.run.url, 'POST', `/v1/groups/${GROUP}/members`, {
      topics: [TOPIC],
      sessionTimeoutMs: this.run.options.sessionTimeoutMs,
      resetPolicy: 'earliest',
      clientId: this.name,
    });
    if (reply.status !== 201) return false;
    this.memberId = reply.body.memberId;
    this.generation = -1;
    this.assignment = null;
    this.boundAs = undefined;
    this.view(reply, start);
    this.watch?.bind(this.memberId!);
    return true;
  }

  private async heartbeat(): Promise<void> {
    const memberId = this.memberId!;
    const start = this.run.now();
    const reply = await request(this.run.url, 'POST', `/v1/groups/${GROUP}/members/${encodeURIComponent(memberId)}/heartbeat`);
    if (this.memberId !== memberId || this.silent) return;
    if (reply.status === 200) this.view(reply, start);
    else if (reply.body?.error?.code === 'UNKNOWN_MEMBER') this.forget();
    else this.nextHeartbeat = this.run.now() + 200;
  }

  private forget(): void {
    this.wakeUp();
    this.boundAs = undefined;
    this.watch?.unbind();
    this.memberId = undefined;
    this.assignment = null;
    this.positionsFor = -1;
    this.generation = -1;
  }

  private async loadPositions(): Promise<void> {
    const run = this.run;
    const generation = this.generation;
    const partitions = [...(this.assignment ?? [])];
    const start = run.now();
    const reply = await request(run.url, 'GET', `/v1/groups/${GROUP}/offsets?topic=${TOPIC}`);
    if (reply.status !== 200) return;
    const found = reply.body.partitions as { partition: number; committedOffset: number | null; position: number }[];
    run.record({ type: 'offsets', consumer: this.name, committed: found.map((p) => ({ partition: p.partition, offset: p.committedOffset })), start, end: run.now() });
    if (this.generation !== generation) return; // a newer view arrived meanwhile: read again for it
    this.positions.clear();
    this.committed.clear();
    for (const partition of partitions) {
      const at = found.find((p) => p.partition === partition);
      const offset = at?.position ?? 0;
      this.positions.set(partition, offset);
      if (typeof at?.committedOffset === 'number') this.committed.set(partition, at.committedOffset);
      run.record({ type: 'seek', consumer: this.name, partition, offset, time: run.now(), reason: 'assigned', generation });
    }
    this.positionsFor = generation;
  }

  /** Commits the positions of a round's partitions with the generation they were read under. */
  private async commit(round: { memberId: string; generation: number; partitions: number[] }, zombie = false): Promise<Outcome> {
    const run = this.run;
    const offsets = round.partitions
      .filter((p) => this.positions.has(p) && (zombie || this.positions.get(p) !== this.committed.get(p)))
      .map((p) => ({ partition: p, offset: this.positions.get(p)! }));
    if (offsets.length === 0) return 'ok';
    const start = run.now();
    const reply = await request(run.url, 'POST', `/v1/groups/${GROUP}/offsets`, {
      memberId: round.memberId,
      generation: round.generation,
      offsets: offsets.map((o) => ({ topic: TOPIC, partition: o.partition, offset: o.offset })),
    });
    const { outcome, code } = classify(reply);
    run.record({
      type: 'commit',
      consumer: this.name,
      memberId: round.memberId,
      generation: round.generation,
      offsets,
      start,
      end: run.now(),
      outcome,
      ...(code ? { code } : {}),
      ...(zombie ? { zombie: true } : {}),
    });
    if (zombie || this.memberId !== round.memberId) return outcome;
    if (outcome === 'ok') for (const o of offsets) this.committed.set(o.partition, o.offset);
    else if (code === 'UNKNOWN_MEMBER') this.forget();
    else if (code === 'ILLEGAL_GENERATION' || code === 'PARTITION_NOT_ASSIGNED') {
      if (this.generation === round.generation) this.assignment = null;
      this.nextHeartbeat = 0;
    }
    return outcome;
  }

  /** Falls silent (no heartbeats, no reads) until its lease has lapsed, then commits what it had read, with its old generation. */
  private async zombie(): Promise<void> {
    const run = this.run;
    const round = { memberId: this.memberId!, generation: this.generation, partitions: [...this.assignment!] };
    this.silent = true;
    this.zombieRunning = true;
    // A zombie's connection is gone too (a paused or cut-off process: API Gateway's idle timeout closes it): its
    // $disconnect starts the session timeout, which then lapses.
    this.boundAs = undefined;
    this.watch?.drop();
    const droppedAt = run.now();
    await delay(run.options.sessionTimeoutMs + 1500);
    // The server learns of the drop from its $disconnect, which waits a storage outage out: a
    // zombie whose connection closed while DynamoDB Local was down is judged only once the
    // release has had RELEASE_GRACE_MS after the store came back. A release lost for good
    // still shows: the commit is then accepted and counted.
    for (;;) {
      const overlapping = run.outages.filter((o) => o.to === undefined || o.to >= droppedAt);
      if (overlapping.some((o) => o.to === undefined)) await delay(200);
      else {
        const backAt = Math.max(...overlapping.map((o) => o.to!), Number.NEGATIVE_INFINITY);
        if (run.now() >= backAt + RELEASE_GRACE_MS) break;
        await delay(backAt + RELEASE_GRACE_MS - run.now());
      }
    }
    for (let i = 0; i < 20 && run.consuming; i++) {
      const outcome = await this.commit(round, true);
      if (outcome !== 'unknown') {
        run.counters.count('zombie-member');
        break;
      }
      await delay(500);
    }
    // It learns that it is gone from its next heartbeat (UNKNOWN_MEMBER), and joins again.
    this.assignment = null;
    this.nextHeartbeat = 0;
    this.silent = false;
    this.zombieRunning = false;
  }

  /** Waits (bounded) for a zombie episode in progress to finish, so the run does not end in the middle of it. */
  async zombieSettled(timeoutMs: number): Promise<void> {
    const deadline = this.run.now() + timeoutMs;
    while (this.zombieRunning && this.run.now() < deadline) await delay(100);
  }
}

/** Safety runs are short: a keepalive every 2 s, each a check of every armed watch (the repair path), so a lost `ready` costs at most that. */
const WATCH_KEEPALIVE_MS = 2000;

/** The watch faults a member's connection can be given, and what was done. */
interface WatchFaults {
  dropReadies: number;
  duplicateReadies: number;
}

/**
 * A group member's wait at the tail: the client's TailWatcher on the platform's watch
 * endpoint, over a socket the `watch-loss` fault can tamper with (drop or repeat `ready`
 * notices, close the connection). The member waits until any of its partitions is
 * reported moved (or the watch falls back, or it is poked), then polls them all.
 */
class MemberWatch {
  /** Partitions a notice (or a refusal) said to poll. */
  readonly woken = new Set<number>();
  private readonly watcher: TailWatcher;
  private readonly faults: WatchFaults = { dropReadies: 0, duplicateReadies: 0 };
  /** The offset each partition was armed at, until a notice. */
  private readonly armedAt = new Map<number, number>();
  /** Partitions the server would not watch: polled as before. */
  private readonly refused = new Set<number>();
  private socket: FaultySocket | undefined;
  private wake: (() => void) | undefined;
  private woke = false;

  constructor(
    private readonly run: Run,
    url: string,
    membership: { onBound(memberId: string, generation: number): void; onUnbound(): void; onRebalance(generation: number): void },
  ) {
    const real: WatchSocketFactory = globalSocketFactory() ?? ((u) => new WebSocketClient(u) as unknown as WatchSocket);
    this.watcher = new TailWatcher({
      connectUrl: async () => url,
      socket: (u) => (this.socket = new FaultySocket(real(u), this.faults, run.counters)),
      keepaliveMs: WATCH_KEEPALIVE_MS,
      checkEveryKeepalives: 1,
      onReady: (_topic, partition) => {
        run.counters.detail('watch.readies');
        this.armedAt.delete(partition);
        this.woken.add(partition);
        this.poke();
      },
      onRefused: (topic, partition, error) => {
        run.notes.push(`watch refused ${topic}/${partition}: ${error.code}: ${error.message}`);
        this.armedAt.delete(partition);
        this.refused.add(partition);
        this.poke();
      },
      onAvailability: (available) => {
        run.counters.detail(available ? 'watch.available-again' : 'watch.unavailable');
        this.armedAt.clear();
        this.poke();
      },
      onBound: (_group, memberId, generation) => membership.onBound(memberId, generation),
      onUnbound: () => membership.onUnbound(),
      onBindRefused: (error) => {
        run.notes.push(`bind refused: ${error.code}: ${error.message}`);
        membership.onUnbound();
      },
      onRebalance: (_group, generation) => {
        membership.onRebalance(generation);
        this.poke();
      },
    });
  }

  /** Binds the membership to the connection (and to every later one). */
  bind(memberId: string): void {
    this.watcher.bind(GROUP, memberId);
  }

  /** Stops binding (the member is gone). */
  unbind(): void {
    this.watcher.unbind();
  }

  /** Stops binding and closes the connection (a zombie's): the server starts the member's session timeout. */
  drop(): void {
    this.watcher.unbind();
    if (this.socket && this.watcher.connected) this.socket.close(4001, 'zombie');
  }

  get available(): boolean {
    return this.watcher.available;
  }

  /** Read to the end as far as the member knows, and watchable. */
  atTail(partition: number, position: number | undefined, highWatermark: number | undefined): boolean {
    return position !== undefined && highWatermark !== undefined && position >= highWatermark && !this.woken.has(partition) && !this.refused.has(partition);
  }

  /** Armed at this position and not yet reported: the member skips polling it. */
  waiting(partition: number, position: number, highWatermark: number | undefined): boolean {
    return this.available && this.atTail(partition, position, highWatermark) && this.armedAt.get(partition) === position;
  }

  poke(): void {
    this.woke = true;
    this.wake?.();
  }

  /** Arms partitions at their positions (those armed there already are left alone). */
  arm(targets: { topic: string; partition: number; offset: number }[]): void {
    const fresh = targets.filter((t) => this.armedAt.get(t.partition) !== t.offset);
    for (const t of fresh) this.armedAt.set(t.partition, t.offset);
    if (fresh.length > 0) {
      this.run.counters.detail('watch.arms', fresh.length);
      this.watcher.arm(fresh);
    }
    if (this.run.watchLossDue > 0 && this.injectLoss(this.run.rng)) this.run.watchLossDue--;
  }

  /** Waits until something is reported (a notice, a refusal, the watch going away) or a poke. */
  async wait(): Promise<void> {
    this.run.counters.detail('watch.waits');
    if (this.woke) {
      this.woke = false;
      return;
    }
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    this.woke = false;
  }

  /** The `watch-loss` fault: one of dropping the next two `ready`s, repeating the next one, or closing the connection. */
  injectLoss(rng: () => number): boolean {
    if (!this.socket || !this.watcher.connected) return false;
    const roll = rng();
    if (roll < 0.4) {
      this.faults.dropReadies += 2;
      this.run.counters.detail('watch.drop-armed');
    } else if (roll < 0.7) {
      this.faults.duplicateReadies += 1;
      this.run.counters.detail('watch.duplicate-armed');
    } else {
      this.socket.close(4000, 'safety fault');
      this.run.counters.detail('watch.connection-closed');
    }
    this.run.counters.count('watch-loss');
    return true;
  }

  close(): void {
    this.watcher.close();
  }
}

/** A WebSocket whose incoming `ready` notices the watch-loss fault may drop or repeat. */
class FaultySocket implements WatchSocket {
  onopen: WatchSocket['onopen'] = null;
  onmessage: WatchSocket['onmessage'] = null;
  onclose: WatchSocket['onclose'] = null;
  onerror: WatchSocket['onerror'] = null;

  constructor(
    private readonly real: WatchSocket,
    faults: WatchFaults,
    private readonly counters: FaultCounters,
  ) {
    real.onopen = (event) => this.onopen?.(event);
    real.onclose = (event) => this.onclose?.(event);
    real.onerror = (event) => this.onerror?.(event);
    real.onmessage = (event) => {
      const ready = typeof event.data === 'string' && event.data.includes('"type":"ready"');
      if (ready && faults.dropReadies > 0) {
        faults.dropReadies--;
        counters.detail('watch.ready-dropped');
        return;
      }
      this.onmessage?.(event);
      if (ready && faults.duplicateReadies > 0) {
        faults.duplicateReadies--;
        counters.detail('watch.ready-duplicated');
        this.onmessage?.(event);
      }
    };
  }

  get readyState(): number {
    return this.real.readyState;
  }

  send(data: string): void {
    // The repair path a dropped `ready` waits for: the watcher's periodic check.
    if (data.includes('"action":"check"')) this.counters.detail('watch.checks');
    this.real.send(data);
  }

  close(code?: number, reason?: string): void {
    this.real.close(code, reason);
  }
}

// ---- faults on a schedule ----------------------------------------------------

interface Step {
  at: number;
  kind: FaultKind;
}

/** When each enabled fault fires: spread over the run, at least once each. */
export function faultPlan(seconds: number, enabled: ReadonlySet<FaultKind>, rng: () => number): Step[] {
  const periods: Record<FaultKind, number> = {
    'crash-before-commit': 8,
    'crash-after-commit': 8,
    'concurrent-retry': 10,
    'lost-response': 10,
    // Twice in the 16 s test run: one zombie call that ends with an unknown outcome (a restart, a throttle storm) proves nothing.
    'zombie-producer': 8,
    'zombie-member': 20,
    throttle: 12,
    contention: 12,
    redelivery: 20,
    'emulator-restart': Infinity,
    'watch-loss': 5,
    'compaction-crash': 6,
  };
  const ms = seconds * 1000;
  const steps: Step[] = [];
  for (const kind of FAULT_KINDS) {
    if (!enabled.has(kind)) continue;
    if (kind === 'emulator-restart') {
      steps.push({ at: ms * (0.4 + rng() * 0.1), kind });
      continue;
    }
    const n = Math.max(1, Math.round(seconds / periods[kind]));
    // A zombie member stays silent for a session timeout and more: start those early.
    const [from, span] = kind === 'zombie-member' ? [0.08, 0.45] : [0.08, 0.67];
    for (let i = 0; i < n; i++) steps.push({ at: ms * (from + (span * (i + 0.2 + rng() * 0.6)) / n), kind });
  }
  return steps.sort((a, b) => a.at - b.at);
}

interface Fleet {
  producers: Producer[];
  members: Member[];
  platform: SafetyPlatform;
}

async function runFaults(run: Run, fleet: Fleet, log: (line: string) => void): Promise<void> {
  const plan = faultPlan(run.options.seconds, run.options.faults, run.rng);
  // Restarts and stream replays run one at a time (a replay's drain would wait out a restart).
  let lane: Promise<void> = Promise.resolve();
  const exclusive = (task: () => Promise<void>) => {
    lane = lane.then(task, task);
    run.spawn(lane);
  };
  const execute = (kind: FaultKind) => {
    switch (kind) {
      case 'lost-response':
        run.storm.lostResponsesForced++;
        break;
      case 'crash-before-commit':
      case 'crash-after-commit':
      case 'concurrent-retry': {
        const types = [...new Set(fleet.producers.filter((p) => p.config.faults).map((p) => p.config.idempotent))];
        const taken = run.counters.injected[kind];
        run.arms.push({ kind, idempotent: types[(taken + run.arms.length) % types.length] ?? true });
        break;
      }
      case 'zombie-producer': {
        const worker = run.pick(fleet.producers.filter((p) => p.config.idempotent && p.hasIdentity));
        if (worker) worker.zombieRequested = true;
        break;
      }
      case 'zombie-member': {
        const member = run.pick(fleet.members);
        if (member) {
          member.zombieRequested = true;
          member.wakeUp();
        }
        break;
      }
      case 'watch-loss': {
        const watches = fleet.members.map((m) => m.watch).filter((w) => w !== undefined);
        // Tried on each member in turn from a random one: a member between connections takes none.
        const start = Math.floor(run.rng() * watches.length);
        let injected = false;
        for (let i = 0; i < watches.length && !injected; i++) injected = watches[(start + i) % watches.length]!.injectLoss(run.rng);
        if (!injected && watches.length > 0) run.watchLossDue++;
        break;
      }
      case 'throttle':
        run.spawn(throttleStorm(run));
        break;
      case 'contention':
        run.spawn(contentionStorm(run));
        break;
      case 'redelivery':
        exclusive(() => redeliver(run, fleet.platform));
        break;
      case 'compaction-crash':
        run.compactionCrashes.due++;
        break;
      case 'emulator-restart':
        exclusive(async () => {
          log('restarting DynamoDB Local');
          const outage: { from: number; to?: number } = { from: run.now() };
          run.outages.push(outage);
          const { downMs } = await fleet.platform.restartDynamoDb().finally(() => (outage.to = run.now()));
          run.counters.count('emulator-restart');
          run.counters.detail('emulator-restart.down-ms', downMs);
          log(`DynamoDB Local back after ${downMs} ms`);
        });
        break;
    }
  };
  for (const step of plan) {
    while (run.producing && run.now() < step.at) await delay(Math.min(200, step.at - run.now()));
    if (!run.producing) break;
    execute(step.kind);
  }
  // A catch-up pass for faults that found nothing to act on (say, no member held partitions yet).
  const end = run.options.seconds * 1000;
  while (run.producing && run.now() < end * 0.85) await delay(200);
  for (const kind of FAULT_KINDS) {
    if (run.producing && run.enabled(kind) && run.counters.injected[kind] === 0 && kind !== 'emulator-restart' && kind !== 'redelivery') execute(kind);
  }
}

async function throttleStorm(run: Run): Promise<void> {
  const durationMs = Math.min(3000, Math.max(1000, run.options.seconds * 80));
  run.throttleStorms++;
  run.storm.throttling = true;
  run.counters.detail('throttle.storms');
  await delay(durationMs);
  run.storm.throttling = --run.throttleStorms > 0;
}

let contenderStorms = 0;

/** Extra writers on one partition, as fast as they go, so commits lose the head's condition to one another. */
async function contentionStorm(run: Run): Promise<void> {
  const storm = ++contenderStorms;
  const partition = Math.floor(run.rng() * run.options.partitions);
  const until = run.now() + Math.min(3000, Math.max(1500, run.options.seconds * 100));
  const before = run.counters.details['contention.conditional-check-failed'] ?? 0;
  const contenders = Array.from(
    { length: 3 },
    (_, i) =>
      new Producer(run, {
        name: `c${storm}.${i}`,
        idempotent: false,
        partition,
        thinkMs: [0, 0],
        faults: false,
        keepGoing: () => run.producing && run.now() < until,
      }),
  );
  await Promise.all(contenders.map((c) => c.loop()));
  const observed = (run.counters.details['contention.conditional-check-failed'] ?? 0) - before;
  run.counters.count('contention', observed);
  run.counters.detail('contention.storms');
}

/**
 * Stream redelivery: a second coordinate-groups trigger over the Groups stream with no
 * checkpoint (TRIM_HORIZON), so the real handler gets every already-delivered record
 * again, then its last batch once more, directly.
 */
async function redeliver(run: Run, platform: SafetyPlatform): Promise<void> {
  const spec = FUNCTIONS.find((f) => f.name === 'coordinate-groups');
  if (!spec?.trigger) {
    run.notes.push('redelivery: no coordinate-groups trigger in the platform spec');
    return;
  }
  let delivered = 0;
  let last: DynamoDBStreamEvent | undefined;
  const context = (): Context => lambdaContext('coordinate-groups', spec.timeoutSeconds, `safety-redelivery-${run.now().toFixed(0)}`);
  const replay = new StreamTrigger({
    functionName: 'coordinate-groups',
    spec: spec.trigger,
    tableName: platform.config.tables.Groups,
    handler: async (event, ctx) => {
      delivered += event.Records.length;
      last = event;
      return coordinateGroups(event, ctx);
    },
    dynamodb: new DynamoDBClient({ region: platform.config.region, endpoint: platform.dynamodbEndpoint }),
    streams: new DynamoDBStreamsClient({ region: platform.config.region, endpoint: platform.dynamodbEndpoint }),
    checkpoints: new MemoryCheckpointStore(),
    onFailure: (failure) => {
      run.notes.push(`redelivery: ${failure.records.length} record(s) went to the on-failure destination: ${failure.error}`);
    },
    log: () => undefined,
  });
  replay.start();
  try {
    await replay.drain(20_000);
  } catch (error) {
    run.notes.push(`redelivery: the replayed trigger did not drain: ${String(error)}`);
  } finally {
    await replay.stop();
  }
  if (last) {
    try {
      await coordinateGroups(last, context());
      delivered += last.Records.length;
    } catch (error) {
      run.notes.push(`redelivery: the direct redelivery failed: ${String(error)}`);
    }
  }
  run.counters.count('redelivery', delivered);
  run.counters.detail('redelivery.replays');
}

// ---- the run -------------------------------------------------------------------

async function untilOk(run: Run, what: string, call: () => Promise<Reply>, attempts = 40): Promise<Reply | undefined> {
  for (let i = 0; i < attempts; i++) {
    const reply = await call();
    if (reply.status >= 200 && reply.status < 300) return reply;
    await delay(backoffMs(i, run.rng));
  }
  run.notes.push(`${what}: no success after ${attempts} attempts`);
  return undefined;
}

async function finalRead(run: Run, label: string, highWatermarks: number[]): Promise<FinalRead> {
  const partitions: FinalRead['partitions'] = [];
  for (let partition = 0; partition < highWatermarks.length; partition++) {
    const highWatermark = highWatermarks[partition]!;
    const records: [number, string][] = [];
    let offset = 0;
    let failures = 0;
    for (let calls = 0; offset < highWatermark && failures < 20 && calls < highWatermark + 40; calls++) {
      const reply = await request(run.url, 'GET', `/v1/topics/${TOPIC}/partitions/${partition}/records?offset=${offset}&maxRecords=1000&encoding=utf8`);
      if (reply.status !== 200 || reply.body.records.length === 0) {
        failures++;
        await delay(backoffMs(failures, run.rng));
        continue;
      }
      for (const r of reply.body.records as { offset: number; value: string }[]) records.push([r.offset, r.value]);
      offset = records.at(-1)![0] + 1;
    }
    partitions.push({ partition, highWatermark, complete: offset >= highWatermark, records });
  }
  return run.record({ type: 'final-read', label, time: run.now(), partitions });
}

async function highWatermarksOf(run: Run): Promise<number[] | undefined> {
  const reply = await untilOk(run, 'reading the high watermarks', () => request(run.url, 'GET', `/v1/topics/${TOPIC}/offsets`));
  if (!reply) return undefined;
  return (reply.body.partitions as { partition: number; highWatermark: number }[]).sort((a, b) => a.partition - b.partition).map((p) => p.highWatermark);
}

/**
 * Members wait at the tail on the watch connection: they too must reach the end, whatever
 * notices were lost. Waits (bounded) for the group's committed offsets to reach the final
 * high watermarks, and notes it if they do not.
 */
async function groupCaughtUp(run: Run, highWatermarks: number[], boundMs: number): Promise<void> {
  const started = run.now();
  while (run.now() - started < boundMs) {
    const reply = await request(run.url, 'GET', `/v1/groups/${GROUP}/offsets?topic=${TOPIC}`);
    const partitions = reply.status === 200 ? (reply.body.partitions as { partition: number; committedOffset: number | null }[]) : [];
    if (partitions.length === highWatermarks.length && partitions.every((p) => (p.committedOffset ?? 0) >= highWatermarks[p.partition]!)) {
      run.counters.detail('group.caught-up-after-ms', Math.round(run.now() - started));
      return;
    }
    await delay(200);
  }
  run.notes.push(`the group's members had not committed up to the final high watermarks ${boundMs / 1000} s after the readers caught up (a member stalled at the tail?)`);
}

/** Test seams: a negative control can break the platform on purpose and see the checker catch it. */
export interface RunHooks {
  /** Called once the platform is up, with the context the handlers and the lib calls share. */
  afterStart?: (ctx: SluiceContext) => void;
}

/**
 * Runs the workload with its faults, reads everything back, and checks the history.
 * One run per process: the handlers' SDK clients, like a Lambda container's, are
 * created once and keep pointing at this run's emulators.
 */
export async function runSafety(options: SafetyOptions, log: (line: string) => void = () => undefined, hooks: RunHooks = {}): Promise<RunResult> {
  const started = performance.now();
  // Each workload injects the faults that apply to it; the compacted one has no Kafka clients (they write unkeyed ids of their own).
  const compacted = options.workload === 'compacted';
  options = {
    ...options,
    faults: new Set([...options.faults].filter((kind) => WORKLOAD_FAULTS[options.workload].includes(kind))),
    kafkaClients: options.kafkaClients && !compacted,
  };
  const platformLog: string[] = [];
  const keepLog = (line: string) => {
    platformLog.push(line);
    if (platformLog.length > 5000) platformLog.splice(0, 1000);
    if (options.verbose) log(`platform: ${line}`);
  };
  // Handlers log to the console; keep that out of the report and in the platform log.
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  const capture = (...args: unknown[]) => keepLog(args.map(String).join(' '));
  Object.assign(console, { log: capture, info: capture, warn: capture, error: capture, debug: capture });
  contenderStorms = 0;
  let platform: SafetyPlatform | undefined;
  let kafkaClients: KafkaClients | undefined;
  let kafkaProxy: KafkaResponseDropper | undefined;
  try {
    // The Kafka clients' proxy to the gateway, advertised as the broker (kafka-clients.ts).
    if (options.kafkaClients) kafkaProxy = await KafkaResponseDropper.start();
    platform = await startSafetyPlatform(keepLog, { kafka: options.kafkaClients, kafkaAdvertisedPort: kafkaProxy?.port });
    const startupMs = performance.now() - started;
    log(`platform up in ${(startupMs / 1000).toFixed(1)} s at ${platform.url}`);
    const base = contextFromEnv();
    const rng = seededRandom(options.seed);
    const ctx: SluiceContext = { ...base };
    const run = new Run(options, platform.url, ctx, rng);
    run.watchUrl = platform.platform.watchUrl;
    if (run.enabled('lost-response')) run.storm.lostResponseRate = 0.01;
    hooks.afterStart?.(base);
    installDynamoFaults(base.ddb, platform.config.tables.Log, run.storm, run.counters, seededRandom(options.seed ^ 0x5bd1e995));
    // Compaction deletes objects while producers write new ones: keep s3rver's directory race out of the run (platform.ts).
    if (compacted) guardS3rverDeleteRace(base.s3);

    const topicBody = { name: TOPIC, partitions: options.partitions, ...(compacted ? { config: compactedTopicConfig(options) } : {}) };
    const created = await untilOk(run, 'creating the topic', () => request(run.url, 'POST', '/v1/topics', topicBody));
    if (!created) throw new Error('could not create the topic');

    // Compacted: the consumers that are not tail readers are scanners (compacted-workload.ts), not group members.
    const split = consumerSplit(options.consumers);
    const readers = Array.from({ length: split.readers }, (_, i) => new Reader(run, `r${i}`));
    const members = compacted ? [] : Array.from({ length: split.members }, (_, i) => new Member(run, `m${i}`));
    const scanners = compacted ? Array.from({ length: split.members }, (_, i) => new Scanner(run, `s${i}`)) : [];
    const producers = Array.from(
      { length: options.producers },
      (_, i) => new Producer(run, { name: `p${i}`, idempotent: i % 2 === 0, thinkMs: [5, 40], faults: true, keepGoing: () => run.producing }),
    );
    const workloadStart = performance.now();
    const readerLoops = readers.map((r) => r.loop());
    const memberLoops = members.map((m) => m.loop());
    const scannerLoops = scanners.map((s) => s.loop());
    const producerLoops = producers.map((p) => p.loop());
    // Two compactors, so their runs also meet each other's leases.
    const compactorLoops = compacted ? ['c0', 'c1'].map((name) => compactorLoop(run, name, run.compactionCrashes)) : [];
    // kafkajs producers through the gateway, on the context the faults are installed on.
    if (kafkaProxy) kafkaClients = startKafkaClients(run, platform.platform.kafka, base, TOPIC, kafkaProxy);
    const faults = runFaults(run, { producers, members, platform }, log);
    const timer = delay(options.seconds * 1000).then(() => {
      run.producing = false;
    });
    const ticker = setInterval(() => {
      const sends = run.events.filter((e) => e.type === 'send').length;
      log(`t=${(run.now() / 1000).toFixed(0)} s: ${sends} send attempts, ${run.events.length} events; faults so far: ${describeCounts(run.counters.injected)}`);
    }, 10_000);
    try {
      await timer;
      await Promise.all(producerLoops);
      await Promise.all(compactorLoops);
      await kafkaClients?.done;
      await faults;
      // Background zombies and contenders, bounded by their own loops.
      while (run.background.size > 0) await Promise.race(run.background);
    } finally {
      clearInterval(ticker);
    }
    run.storm.throttling = false;
    const workloadMs = performance.now() - workloadStart;
    log(`producers stopped after ${(workloadMs / 1000).toFixed(1)} s; waiting for readers to catch up`);

    const drainStart = performance.now();
    const highWatermarks = await highWatermarksOf(run);
    run.finalHighWatermarks = highWatermarks ?? Array.from({ length: options.partitions }, () => 0);
    const graceTimer = new AbortController();
    const graceOver = delay(options.graceSeconds * 1000, 'grace' as const, { signal: graceTimer.signal }).catch(() => 'caught-up' as const);
    const caughtUp = await Promise.race([Promise.all(readerLoops).then(() => 'caught-up' as const), graceOver]);
    graceTimer.abort();
    if (caughtUp === 'grace') run.notes.push(`readers had not reached the final high watermarks after ${options.graceSeconds} s`);
    await Promise.all(members.map((m) => m.zombieSettled(options.sessionTimeoutMs + 15_000)));
    if (members.length > 0 && highWatermarks) await groupCaughtUp(run, highWatermarks, options.graceSeconds * 1000);
    run.consuming = false;
    for (const m of members) m.wakeUp();
    await Promise.all([...readerLoops, ...memberLoops, ...scannerLoops]);
    const drainMs = performance.now() - drainStart;

    const finalStart = performance.now();
    if (highWatermarks && compacted) {
      // A log compacted to its end, read whole, then read again after orphan collection.
      await finalCompaction(run);
      await compactedFinalRead(run, 'after-compaction', highWatermarks);
      const gc = await collectOrphanObjects(ctx, { graceMs: 0 });
      run.counters.detail('gc.orphans-deleted', gc.deleted.length);
      run.counters.detail('gc.objects-kept', gc.keptReferenced);
      await compactedFinalRead(run, 'after-gc', highWatermarks);
      run.counters.detail('scanner.passes', scanners.reduce((n, s) => n + s.passes, 0));
      if (run.compactionCrashes.overran > 0) {
        run.notes.push(`${run.compactionCrashes.overran} compaction run(s) took longer than their ${SAFETY_COMPACTION_LIMITS.leaseMs} ms lease: another run could have worked on the same partitions meanwhile`);
      }
    } else if (highWatermarks) {
      await finalRead(run, 'after-run', highWatermarks);
      // Every object that is not committed now is an orphan (the workload has stopped): collecting
      // them must not change what a reader sees.
      const gc = await collectOrphanObjects(ctx, { graceMs: 0 });
      run.counters.detail('gc.orphans-deleted', gc.deleted.length);
      run.counters.detail('gc.objects-kept', gc.keptReferenced);
      await finalRead(run, 'after-gc', highWatermarks);
      // librdkafka's reading of the same log through the gateway, compared record for record.
      await kafkaClients?.finalRead(highWatermarks);
    }
    const finalMs = performance.now() - finalStart;

    const history: History = {
      events: run.events,
      roles: { readers: readers.map((r) => r.name), members: members.map((m) => m.name) },
      ...(compacted ? { compaction: { deleteRetentionMs: options.compacted.deleteRetentionMs } } : {}),
    };
    const result = check(history);
    const enabled = FAULT_KINDS.filter((k) => options.faults.has(k));
    return {
      options,
      topic: TOPIC,
      group: GROUP,
      history,
      result,
      faults: {
        enabled,
        injected: { ...run.counters.injected },
        details: { ...run.counters.details },
        missing: enabled.filter((k) => run.counters.injected[k] === 0),
      },
      timings: { startupMs, workloadMs, drainMs, finalMs, totalMs: performance.now() - started },
      notes: run.notes,
      platformLog,
    };
  } finally {
    await kafkaClients?.close().catch(() => undefined);
    await kafkaProxy?.stop().catch(() => undefined);
    await platform?.stop().catch(() => undefined);
    Object.assign(console, saved);
  }
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'none';
}
