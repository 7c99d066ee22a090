import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { setTimeout as delay } from 'node:timers/promises';
import { compactLog } from '../../../lib/compaction/compact-log';
import { DEFAULT_COMPACTION_LIMITS, type CompactionLimits } from '../../../lib/compaction/compact-partition';
import { splitCovered } from '../../../lib/compaction/plan-compaction';
import type { SluiceContext } from '../../../lib/core/context';
import { CommitContendedError, OffsetOutOfRangeError, ServiceBusyError } from '../../../lib/core/errors';
import { fetchRecords } from '../../../lib/log/fetch-records';
import { clearIndexPageCache } from '../../../lib/log/index-page-cache';
import { produce } from '../../../lib/log/produce';
import { trimPartition } from '../../../lib/log/trim-partition';
import { setLogSink, type LogLine } from '../../../lib/observability/log-sink';
import type { IncomingRecord } from '../../../lib/records/record-encoding';
import { enforceRetention } from '../../../lib/retention/enforce-retention';
import { scanAll } from '../../../lib/store/batch-operations';
import { EMPTY_HEAD, fromHeadItem, headKey, readHead, type PartitionHead } from '../../../lib/store/partition-head-store';
import { fromIndexItem, type SegmentIndexEntry } from '../../../lib/store/segment-index-store';
import { createTopic } from '../../../lib/topics/topic-service';
import { MemoryAws, memoryContext, type ClientOptions, type MemoryAwsFaults } from '../../support/memory-aws';

/**
 * Random scenarios of compaction beside concurrent producers, readers, trims and retention
 * runs, and the invariants they must keep, for compaction-interleavings.test.ts. A scenario
 * runs against an `Env`: the in-memory double under fast-check's scheduler (every storage
 * call an interleaving point), or DynamoDB Local and the S3 server with whatever real
 * concurrency gives.
 */

// ---------------------------------------------------------------------------------------------
// Scenarios

export const KEYS = ['a', 'b', 'c', 'd'];
const SENTINEL_KEY = 'sentinel';

export type Role = 'plain' | 'compacted';

export interface ProduceStep {
  topic: Role;
  partition: number;
  key: number;
  tombstone: boolean;
  /** Two records in one call: of keys `key` and `key + 1` (compacted) or to partitions 0 and 1 (plain). */
  both: boolean;
}

export interface ReaderPlan {
  topic: Role;
  partition: number;
  maxRecords: number;
  /** maxBytes 12 instead of 1 MiB: later batches are read only when they fit. */
  smallBytes: boolean;
  clearCache: 'never' | 'sometimes' | 'always';
  passes: number;
  idle: number;
}

export type MaintenanceStep =
  | { kind: 'compact'; crash: { at: number; after: boolean } | null }
  | { kind: 'retention' }
  | { kind: 'trim'; topic: Role; partition: number; fraction: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'idle'; gates: number };

export interface Scenario {
  seed: number;
  partitions: number;
  compactPolicy: 'compact' | 'compact,delete';
  deleteRetentionMs: number;
  /** retention.ms of the plain topic, and of the compacted one when its policy includes delete. */
  plainRetentionMs: number;
  compactedRetentionMs: number;
  /** retention.bytes of both topics (the compacted one applies it when its policy includes delete); undefined: none. */
  retentionBytes: number | undefined;
  /** min.compaction.lag.ms of the compacted topic. */
  minCompactionLagMs: number;
  maxRunBytes: number;
  producers: ProduceStep[][];
  readers: ReaderPlan[];
  maintenance: MaintenanceStep[][];
  faults: MemoryAwsFaults;
}

const DAY = 86_400_000;

export const scenarioArbitrary: fc.Arbitrary<Scenario> = fc.record({
  seed: fc.integer(),
  partitions: fc.constantFrom(1, 2),
  compactPolicy: fc.constantFrom('compact' as const, 'compact,delete' as const),
  deleteRetentionMs: fc.constantFrom(0, 40, 250, DAY),
  plainRetentionMs: fc.constantFrom(120, 500, 7 * DAY),
  compactedRetentionMs: fc.constantFrom(300, 7 * DAY),
  retentionBytes: fc.constantFrom(undefined, undefined, undefined, 150, 400),
  minCompactionLagMs: fc.constantFrom(0, 0, 0, 100),
  maxRunBytes: fc.constantFrom(DEFAULT_COMPACTION_LIMITS.maxRunBytes, DEFAULT_COMPACTION_LIMITS.maxRunBytes, 400),
  producers: fc.array(
    fc.array(
      fc.record({
        topic: fc.constantFrom('plain' as const, 'compacted' as const, 'compacted' as const),
        partition: fc.nat(1),
        key: fc.nat(KEYS.length - 1),
        tombstone: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
        both: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      }),
      { minLength: 2, maxLength: 10 },
    ),
    { minLength: 1, maxLength: 3 },
  ),
  readers: fc.array(
    fc.record({
      topic: fc.constantFrom('plain' as const, 'compacted' as const),
      partition: fc.nat(1),
      maxRecords: fc.integer({ min: 1, max: 4 }),
      smallBytes: fc.boolean(),
      clearCache: fc.constantFrom('never' as const, 'sometimes' as const, 'always' as const),
      passes: fc.integer({ min: 1, max: 4 }),
      idle: fc.nat(30),
    }),
    { maxLength: 3 },
  ),
  maintenance: fc.array(
    fc.array(
      fc.oneof(
        {
          weight: 4,
          arbitrary: fc.record({
            kind: fc.constant('compact' as const),
            crash: fc.option(fc.record({ at: fc.integer({ min: 1, max: 120 }), after: fc.boolean() }), { freq: 2, nil: null }),
          }),
        },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('retention' as const) }) },
        {
          weight: 2,
          arbitrary: fc.record({ kind: fc.constant('trim' as const), topic: fc.constantFrom('plain' as const, 'compacted' as const), partition: fc.nat(1), fraction: fc.integer({ min: 0, max: 100 }) }),
        },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(30, 150, 600) }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('idle' as const), gates: fc.integer({ min: 1, max: 40 }) }) },
      ),
      { minLength: 1, maxLength: 6 },
    ),
    { minLength: 1, maxLength: 2 },
  ),
  faults: fc.record({
    staleOps: fc.constantFrom(0, 0, 8),
    pageItems: fc.constantFrom(undefined, undefined, 2, 5),
    unprocessedRate: fc.constantFrom(0, 0, 0.15),
    s3DeleteErrorRate: fc.constantFrom(0, 0.1, 0.3),
  }),
});

/** Compaction as the integration test runs it: merge at once, in small batches. */
export function limitsOf(scenario: Scenario): CompactionLimits {
  return { ...DEFAULT_COMPACTION_LIMITS, mergeMinAgeMs: 0, targetBatchBytes: 64, targetObjectBytes: 256, maxRunBytes: scenario.maxRunBytes, leaseMs: 60_000 };
}

// ---------------------------------------------------------------------------------------------
// Where a scenario runs

export type Intercept = NonNullable<ClientOptions['intercept']>;

export interface Env {
  /** A context for one actor; `intercept` wraps each of its storage calls. */
  ctx(label: string, intercept?: Intercept): SluiceContext;
  now(): number;
  advance(ms: number): void;
  /** A point in the run's order of events (operations applied, or real time). */
  point(): number;
  /** Lets other actors go on for a while. */
  idle(): Promise<void>;
  /** The partition's head now, read without taking part in the schedule. */
  head(topicId: string, partition: number): Promise<PartitionHead>;
  /** Every Log table item and every object key, now. */
  logItems(): Promise<Record<string, unknown>[]>;
  objectKeys(): Promise<string[]>;
  /** From now on, no interleaving and no injected faults. */
  quiesce(): void;
  /** Interleave again (a scheduler) with the scenario's faults. */
  unleash(): void;
  /** A random number for the scenario's own choices (cache clearing). */
  random(): number;
  /** Runs the concurrent actors to their end (a scheduler releases their storage calls one by one). */
  drive<T>(work: Promise<T>): Promise<T>;
}

export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let doubles = 0;

/** The in-memory double; with `scheduler`, every storage call (and sleep, and idle) waits for it. */
export function memoryEnv(scenario: Scenario, scheduler: fc.Scheduler | undefined): Env & { aws: MemoryAws } {
  const n = ++doubles;
  const tables = { topics: `mem${n}-topics`, log: `mem${n}-log`, producers: `mem${n}-producers`, groups: `mem${n}-groups`, access: `mem${n}-access` };
  let clock = 1_700_000_000_000;
  const random = mulberry32(scenario.seed);
  const idRandom = mulberry32(scenario.seed ^ 0x5bd1e995);
  const choices = mulberry32(scenario.seed ^ 0x2545f491);
  const hex = (length: number) => Array.from({ length }, () => Math.floor(idRandom() * 16).toString(16)).join('');
  const newId = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
  const aws = new MemoryAws({ tables, bucket: `mem${n}-bucket`, onOp: () => clock++, now: () => clock, random });
  const gate = scheduler ? (label: string) => scheduler.schedule(Promise.resolve(label), label).then(() => undefined) : undefined;
  const yieldToScheduler = async (label: string) => {
    if (aws.gate) await aws.gate(label);
  };
  return {
    aws,
    ctx: (label, intercept) => memoryContext(aws, { now: () => clock, newId, random, sleep: () => yieldToScheduler(`${label} sleep`), client: { label, intercept } }),
    now: () => clock,
    advance: (ms) => {
      clock += ms;
    },
    point: () => aws.seq,
    idle: () => yieldToScheduler('idle'),
    head: async (topicId, partition) => fromHeadItem(aws.peek(tables.log, headKey(topicId, partition))) ?? EMPTY_HEAD,
    logItems: async () => aws.peekAll(tables.log),
    objectKeys: async () => [...aws.objects.keys()],
    quiesce: () => {
      if (aws.heldItems() > 0) throw new Error(`a transaction still holds ${aws.heldItems()} item(s) at quiescence: a storage call was left unfinished`);
      aws.gate = undefined;
      aws.faults = {};
    },
    unleash: () => {
      aws.gate = gate;
      aws.faults = scenario.faults;
    },
    random: choices,
    drive: async (work) => {
      if (!scheduler) return work;
      const result = await scheduler.waitFor(work);
      // Calls a crashed run sent beside the one that failed may still land: release them, and
      // what they schedule in turn (a transaction's second step), until nothing is left.
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        if (scheduler.count() === 0) return result;
        await scheduler.waitAll();
      }
    },
  };
}

/** DynamoDB Local and the S3 server through the real SDK clients of `base`; time is real, plus what `advance` added. */
export function realEnv(base: SluiceContext, seed: number): Env {
  let skew = 0;
  const now = () => Date.now() + skew;
  const choices = mulberry32(seed);
  const wrap = <T extends object>(client: T, service: 'ddb' | 's3', intercept: Intercept | undefined): T =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return (command: unknown) => {
          const forward = () => (target as unknown as { send: (c: unknown) => Promise<unknown> }).send(command);
          return intercept ? intercept(service, command, forward) : forward();
        };
      },
    });
  return {
    ctx: (_label, intercept) => ({ ...base, ddb: wrap(base.ddb, 'ddb', intercept), s3: wrap(base.s3, 's3', intercept), now, sleep: (ms) => delay(Math.min(ms, 25)) }),
    now,
    advance: (ms) => {
      skew += ms;
    },
    point: () => performance.now(),
    idle: () => delay(5 + Math.floor(choices() * 25)),
    head: (topicId, partition) => readHead(base, topicId, partition),
    logItems: () => scanAll(base, { TableName: base.tables.log, ConsistentRead: true }),
    objectKeys: async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await base.s3.send(new ListObjectsV2Command({ Bucket: base.bucket, Prefix: 'seg/', ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    },
    quiesce: () => undefined,
    unleash: () => undefined,
    random: choices,
    drive: (work) => work,
  };
}

// ---------------------------------------------------------------------------------------------
// Running a scenario

export type Category = 'reader-order' | 'reader-content' | 'reader-no-miss' | 'monotonic' | 'final-content' | 'storage' | 'errors';

export const CATEGORIES: Record<Category, string> = {
  'reader-order': 'every reader sees strictly increasing offsets and never a record twice',
  'reader-content': 'every record a reader sees has exactly the key and value produced at its offset',
  'reader-no-miss': 'no reader skips a record at or above the log start that no later record of its key superseded (nor an expired tombstone)',
  monotonic: 'offsets never change, the high watermark and the log start never go backwards',
  'final-content': 'after quiescence a full read returns every key\'s latest value (compacted) and every offset from the log start (plain)',
  storage: 'after quiescence every indexed object exists, ref counts equal index items, nothing is left covered, retired or leased, nothing leaks',
  errors: 'no actor meets an unexpected error',
};

export interface Violation {
  category: Category;
  message: string;
}

interface TopicInfo {
  role: Role;
  name: string;
  topicId: string;
  partitions: number;
}

interface Produced {
  role: Role;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  /** Lower bounds of when it was committed: when its produce call started. */
  startPoint: number;
  startClock: number;
}

interface SeenRecord {
  offset: number;
  key: string | null;
  value: string | null;
}

interface FetchObservation {
  reader: string;
  role: Role;
  partition: number;
  offset: number;
  maxRecords: number;
  records: SeenRecord[];
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
  /** Set when the fetch answered 416: the range it gave. */
  outOfRange?: { logStartOffset: number; highWatermark: number };
  startPoint: number;
  endPoint: number;
  endClock: number;
  /** The head right after the fetch. */
  logStartAfter: number;
}

export interface Outcome {
  violations: Violation[];
  /** Transient errors an actor met and got over (a contended commit, a throttle, a transaction conflict), for the report. */
  tolerated: string[];
  stats: {
    produced: number;
    fetches: number;
    recordsRead: number;
    compactions: number;
    crashes: number;
    batchesWritten: number;
    recordsDropped: number;
    trims: number;
    retentionRuns: number;
    toleratedErrors: number;
    orphans: number;
  };
}

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : Buffer.from(bytes).toString('utf8'));

const TOLERATED = (error: unknown) => error instanceof ServiceBusyError || error instanceof CommitContendedError || (error as Error)?.name === 'TransactionConflictException';

/** Runs `scenario` in `env`: the actors at once, then quiescence, then every check. */
export async function runScenario(env: Env, scenario: Scenario, run: string): Promise<Outcome> {
  const violations: Violation[] = [];
  const tolerated: string[] = [];
  const tolerate = (label: string, error: unknown) => {
    stats.toleratedErrors++;
    tolerated.push(`${label}: ${String((error as Error)?.stack ?? error)}`);
  };
  const violate = (category: Category, message: string) => violations.push({ category, message });
  const stats: Outcome['stats'] = { produced: 0, fetches: 0, recordsRead: 0, compactions: 0, crashes: 0, batchesWritten: 0, recordsDropped: 0, trims: 0, retentionRuns: 0, toleratedErrors: 0, orphans: 0 };
  const limits = limitsOf(scenario);
  const written = new Set<string>();
  const recordPuts: Intercept = (_service, command, forward) => {
    if (command instanceof PutObjectCommand) written.add(String(command.input.Key));
    return forward();
  };
  const ctxFor = (label: string, intercept?: Intercept): SluiceContext =>
    env.ctx(label, intercept ? (service, command, forward) => intercept(service, command, () => recordPuts(service, command, forward)) : recordPuts);
  const anomalies: LogLine[] = [];
  setLogSink((line) => {
    if (line.level === 'ERROR') anomalies.push(line);
  });
  try {
    // Setup, without interleaving.
    env.quiesce();
    const admin = ctxFor('admin');
    const topics = new Map<Role, TopicInfo>();
    const bytes: Record<string, string> = scenario.retentionBytes === undefined ? {} : { 'retention.bytes': String(scenario.retentionBytes) };
    const plain = await createTopic(admin, { name: `plain-${run}`, partitions: scenario.partitions, config: { 'retention.ms': String(scenario.plainRetentionMs), ...bytes } });
    topics.set('plain', { role: 'plain', name: plain.name, topicId: plain.topicId, partitions: scenario.partitions });
    const compacted = await createTopic(admin, {
      name: `compacted-${run}`,
      partitions: scenario.partitions,
      config: {
        'cleanup.policy': scenario.compactPolicy,
        'delete.retention.ms': String(scenario.deleteRetentionMs),
        'min.compaction.lag.ms': String(scenario.minCompactionLagMs),
        'retention.ms': String(scenario.compactedRetentionMs),
        ...bytes,
      },
    });
    topics.set('compacted', { role: 'compacted', name: compacted.name, topicId: compacted.topicId, partitions: scenario.partitions });
    const topicNames = [plain.name, compacted.name];

    const produced: Produced[] = [];
    const unknownValues = new Set<string>();
    const fetches: FetchObservation[] = [];

    const produceCall = async (ctx: SluiceContext, role: Role, records: { key: string | null; value: string | null; partition: number }[], label: string) => {
      const startPoint = env.point();
      const startClock = env.now();
      const incoming: IncomingRecord[] = records.map((r) => ({ key: r.key === null ? null : Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), headers: [], partition: r.partition }));
      try {
        const answer = await produce(ctx, topics.get(role)!.name, incoming);
        answer.records.forEach((placed, i) => {
          const record = records[i]!;
          if (placed.partition !== record.partition) violate('reader-content', `${label}: record ${record.value} placed in partition ${placed.partition}, asked for ${record.partition}`);
          produced.push({ role, partition: placed.partition, offset: placed.offset, key: record.key, value: record.value, startPoint, startClock });
        });
        stats.produced += records.length;
      } catch (error) {
        if (TOLERATED(error)) {
          tolerate(label, error);
          for (const record of records) if (record.value !== null) unknownValues.add(record.value);
        } else violate('errors', `${label}: produce threw ${String((error as Error)?.stack ?? error)}`);
      }
    };

    const producer = async (steps: ProduceStep[], p: number) => {
      const ctx = ctxFor(`producer${p}`);
      for (const [i, step] of steps.entries()) {
        const value = step.tombstone && step.topic === 'compacted' ? null : `p${p}.${i}`;
        const records =
          step.topic === 'compacted'
            ? (step.both ? [step.key, (step.key + 1) % KEYS.length] : [step.key]).map((k, j) => ({
                key: KEYS[k]!,
                value: value === null ? null : `${value}${step.both ? `/${j}` : ''}`,
                partition: k % scenario.partitions,
              }))
            : (step.both ? [0, 1 % scenario.partitions] : [step.partition % scenario.partitions]).map((partition, j) => ({
                key: step.key % 2 === 0 ? null : KEYS[step.key]!,
                value: step.tombstone ? null : `${value}${step.both ? `/${j}` : ''}`,
                partition,
              }));
        await produceCall(ctx, step.topic, records, `producer${p} call ${i}`);
      }
    };

    const reader = async (plan: ReaderPlan, r: number) => {
      const ctx = ctxFor(`reader${r}`);
      const topic = topics.get(plan.topic)!;
      const partition = plan.partition % scenario.partitions;
      for (let pass = 0; pass < plan.passes; pass++) {
        const idle = Math.floor(env.random() * (plan.idle + 1));
        for (let i = 0; i < idle; i++) await env.idle();
        let offset = 0;
        let target: number | undefined;
        for (let n = 0; n < 200; n++) {
          if (plan.clearCache === 'always' || (plan.clearCache === 'sometimes' && env.random() < 0.5)) clearIndexPageCache();
          const observation: FetchObservation = {
            reader: `reader${r} pass ${pass}`,
            role: plan.topic,
            partition,
            offset,
            maxRecords: plan.maxRecords,
            records: [],
            nextOffset: offset,
            highWatermark: -1,
            logStartOffset: -1,
            startPoint: env.point(),
            endPoint: 0,
            endClock: 0,
            logStartAfter: 0,
          };
          try {
            const result = await fetchRecords(ctx, { topic: topic.name, partition, offset, maxRecords: plan.maxRecords, maxBytes: plan.smallBytes ? 12 : 1 << 20 });
            observation.records = result.records.map((record) => ({ offset: record.offset, key: text(record.key), value: text(record.value) }));
            observation.nextOffset = result.nextOffset;
            observation.highWatermark = result.highWatermark;
            observation.logStartOffset = result.logStartOffset;
          } catch (error) {
            if (error instanceof OffsetOutOfRangeError) {
              const details = error.details as { logStartOffset: number; highWatermark: number };
              observation.outOfRange = { logStartOffset: details.logStartOffset, highWatermark: details.highWatermark };
            } else if (TOLERATED(error)) {
              tolerate(`reader${r}: fetch from ${offset}`, error);
              break;
            } else {
              violate('errors', `reader${r}: fetch from ${offset} threw ${String((error as Error)?.stack ?? error)}`);
              break;
            }
          }
          observation.endPoint = env.point();
          observation.endClock = env.now();
          observation.logStartAfter = (await env.head(topic.topicId, partition)).logStartOffset;
          fetches.push(observation);
          stats.fetches++;
          stats.recordsRead += observation.records.length;
          if (observation.outOfRange) {
            if (observation.outOfRange.logStartOffset > offset) {
              offset = observation.outOfRange.logStartOffset;
              continue;
            }
            break;
          }
          target ??= observation.highWatermark;
          if (observation.nextOffset >= target || observation.nextOffset <= offset) break;
          offset = observation.nextOffset;
        }
      }
    };

    const maintainer = async (steps: MaintenanceStep[], m: number) => {
      const ctx = ctxFor(`maint${m}`);
      for (const [i, step] of steps.entries()) {
        const label = `maint${m} step ${i} (${step.kind})`;
        try {
          if (step.kind === 'compact') {
            let calls = 0;
            let dead = false;
            const crash = step.crash;
            const crashing: Intercept | undefined = crash
              ? async (_service, _command, forward) => {
                  if (dead) throw new SimulatedCrash(`${label}: the process is dead`);
                  if (++calls !== crash.at) return forward();
                  dead = true;
                  try {
                    if (crash.after) await forward();
                  } finally {
                    // eslint-disable-next-line no-unsafe-finally
                    throw new SimulatedCrash(`${label}: crashed at storage call ${crash.at} ${crash.after ? 'after' : 'before'} it landed`);
                  }
                }
              : undefined;
            const run = ctxFor(`maint${m}.compact${i}`, crashing);
            try {
              const result = await compactLog(run, { topics: topicNames, force: true, limits, log: () => undefined });
              stats.compactions++;
              for (const p of result.partitions) {
                stats.batchesWritten += p.batchesWritten;
                stats.recordsDropped += p.recordsDropped;
              }
            } catch (error) {
              if (error instanceof SimulatedCrash && dead) stats.crashes++;
              // A run must get over the conflicts it meets (they are part of its normal work); a throttle that outlasted its retries it need not.
              else if (error instanceof ServiceBusyError) tolerate(label, error);
              else violate('errors', `${label}: compactLog threw ${String((error as Error)?.stack ?? error)}`);
            }
          } else if (step.kind === 'retention') {
            await enforceRetention(ctx, { defaultRetentionMs: -1, log: () => undefined });
            stats.retentionRuns++;
          } else if (step.kind === 'trim') {
            const topic = topics.get(step.topic)!;
            const partition = step.partition % scenario.partitions;
            const head = await env.head(topic.topicId, partition);
            const target = head.logStartOffset + Math.round(((head.nextOffset - head.logStartOffset) * step.fraction) / 100);
            await trimPartition(ctx, topic.name, partition, target);
            stats.trims++;
          } else if (step.kind === 'advance') env.advance(step.ms);
          else for (let g = 0; g < step.gates; g++) await env.idle();
        } catch (error) {
          if (TOLERATED(error)) tolerate(label, error);
          else violate('errors', `${label}: threw ${String((error as Error)?.stack ?? error)}`);
        }
      }
    };

    env.unleash();
    await env.drive(
      Promise.all([
        ...scenario.producers.map((steps, p) => producer(steps, p)),
        ...scenario.readers.map((plan, r) => reader(plan, r)),
        ...scenario.maintenance.map((steps, m) => maintainer(steps, m)),
      ]),
    );

    // Quiescence: no interleaving, no faults; the crashed runs' leases run out; compaction and retention
    // finish; on the compacted topic, rounds of a sentinel write and compaction past delete.retention.ms.
    env.quiesce();
    const quiet = ctxFor('final');
    const finalErrors = async (what: string, work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        violate('errors', `final ${what}: threw ${String((error as Error)?.stack ?? error)}`);
      }
    };
    const compactUntilStable = async () => {
      for (let i = 0; i < 8; i++) {
        const result = await compactLog(quiet, { topics: topicNames, force: true, limits, log: () => undefined });
        const moved = result.retiredObjectsDeleted + result.partitions.reduce((sum, p) => sum + p.batchesWritten + p.release.batchesReleased, 0);
        if (moved === 0) return;
      }
    };
    env.advance(limits.leaseMs + 1);
    await finalErrors('compaction', compactUntilStable);
    await finalErrors('retention', () => enforceRetention(quiet, { defaultRetentionMs: -1 }));
    for (let round = 0; round < 3; round++) {
      const records = Array.from({ length: scenario.partitions }, (_, partition) => ({ key: SENTINEL_KEY, value: `sentinel${round}.${partition}`, partition }));
      await produceCall(quiet, 'compacted', records, `final sentinel ${round}`);
      // Past delete.retention.ms (when it is not a day) and min.compaction.lag.ms, so the round's compaction may drop tombstones and take the sentinel.
      env.advance(Math.max(scenario.deleteRetentionMs < DAY ? scenario.deleteRetentionMs : 0, scenario.minCompactionLagMs) + 1);
      await finalErrors('compaction', compactUntilStable);
    }
    await finalErrors('retention', () => enforceRetention(quiet, { defaultRetentionMs: -1 }));
    await finalErrors('compaction', compactUntilStable);

    // The checks.
    const oracle = new Map<string, Map<number, Produced>>();
    const where = (role: Role, partition: number) => `${role}/${partition}`;
    for (const record of produced) {
      const log = oracle.get(where(record.role, record.partition)) ?? new Map<number, Produced>();
      oracle.set(where(record.role, record.partition), log);
      const earlier = log.get(record.offset);
      if (earlier) violate('monotonic', `offset ${record.offset} of ${where(record.role, record.partition)} was answered to two produce calls: ${earlier.value} and ${record.value}`);
      log.set(record.offset, record);
    }
    checkFetches(fetches, oracle, unknownValues, scenario, violate);
    for (const line of anomalies) violate('reader-no-miss', `fetch logged an anomaly: ${JSON.stringify(line)}`);
    for (const topic of topics.values()) {
      for (let partition = 0; partition < scenario.partitions; partition++) {
        const head = await env.head(topic.topicId, partition);
        const log = oracle.get(where(topic.role, partition)) ?? new Map<number, Produced>();
        const entries = (await env.logItems()).filter((item) => item.pk === `${topic.topicId}#${partition}` && String(item.sk).startsWith('o#')).map(fromIndexItem);
        await checkFinalRead(quiet, topic, partition, head, log, entries, unknownValues, scenario, env.now(), violate);
      }
    }
    stats.orphans = await auditStorage(env, [...topics.values()], scenario.partitions, written, violate);
  } finally {
    setLogSink(undefined);
  }
  return { violations, tolerated, stats };
}

// ---------------------------------------------------------------------------------------------
// Checks

/** Why a reader may not have seen the record at `offset`: undefined when nothing excuses it. */
function excuse(record: Produced | undefined, log: Map<number, Produced>, observation: FetchObservation, scenario: Scenario, unknown: boolean): string | undefined {
  if (record === undefined) return unknown ? 'an unknown produce outcome may sit there' : undefined;
  if (record.offset < observation.logStartAfter) return 'below the log start';
  if (observation.role === 'plain') return undefined;
  for (const later of log.values()) if (later.offset > record.offset && later.key === record.key && later.startPoint < observation.endPoint) return `superseded by ${later.offset}`;
  if (record.value === null && observation.endClock >= record.startClock + scenario.deleteRetentionMs) return 'a tombstone past delete.retention.ms';
  return undefined;
}

function describeFetch(observation: FetchObservation): string {
  const answer = observation.outOfRange
    ? `416 with range ${observation.outOfRange.logStartOffset}..${observation.outOfRange.highWatermark}`
    : `offsets [${observation.records.map((r) => r.offset).join(',')}] next ${observation.nextOffset} hw ${observation.highWatermark} logStart ${observation.logStartOffset}`;
  return `${observation.reader} fetch of ${observation.role}/${observation.partition} from ${observation.offset} (maxRecords ${observation.maxRecords}, points ${observation.startPoint}..${observation.endPoint}): ${answer}; log start after ${observation.logStartAfter}`;
}

function checkFetches(
  fetches: readonly FetchObservation[],
  oracle: Map<string, Map<number, Produced>>,
  unknownValues: ReadonlySet<string>,
  scenario: Scenario,
  violate: (category: Category, message: string) => void,
): void {
  const unknown = unknownValues.size > 0;
  for (const observation of fetches) {
    const log = oracle.get(`${observation.role}/${observation.partition}`) ?? new Map<number, Produced>();
    const seen = new Set<number>();
    let previous = observation.offset - 1;
    for (const record of observation.records) {
      if (record.offset <= previous) violate('reader-order', `${describeFetch(observation)}: offset ${record.offset} after ${previous}`);
      previous = record.offset;
      seen.add(record.offset);
      const expected = log.get(record.offset);
      if (expected === undefined) {
        if (record.value === null || !unknownValues.has(record.value)) violate('reader-content', `${describeFetch(observation)}: offset ${record.offset} holds ${record.key}=${record.value}, which no produce call was answered with`);
      } else if (expected.key !== record.key || expected.value !== record.value) {
        violate('reader-content', `${describeFetch(observation)}: offset ${record.offset} holds ${record.key}=${record.value}, produced as ${expected.key}=${expected.value}`);
      }
    }
    if (observation.outOfRange) {
      const range = observation.outOfRange;
      if (range.logStartOffset <= observation.offset && observation.offset <= range.highWatermark) violate('reader-order', `${describeFetch(observation)}: out of range for an offset inside the range it answered`);
    } else {
      if (observation.records.length > 0 && observation.nextOffset <= previous) violate('reader-order', `${describeFetch(observation)}: nextOffset not past the last record`);
      if (observation.nextOffset > observation.highWatermark) violate('reader-order', `${describeFetch(observation)}: nextOffset past the high watermark`);
      if (observation.nextOffset <= observation.offset && observation.offset < observation.highWatermark) violate('reader-order', `${describeFetch(observation)}: no progress below the high watermark`);
    }
    // What the reader moved over without seeing it.
    const movedTo = observation.outOfRange ? Math.max(observation.offset, observation.outOfRange.logStartOffset) : observation.nextOffset;
    for (let offset = observation.offset; offset < movedTo; offset++) {
      if (seen.has(offset)) continue;
      const record = log.get(offset);
      if (excuse(record, log, observation, scenario, unknown) === undefined) {
        violate('reader-no-miss', `${describeFetch(observation)}: moved past offset ${offset} (${record ? `${record.key}=${record.value}` : 'never committed'}) without it`);
      }
    }
  }
  // The high watermark and log start a fetch answers never go below those of a fetch that ended before it began.
  const byPartition = new Map<string, FetchObservation[]>();
  for (const observation of fetches) {
    const key = `${observation.role}/${observation.partition}`;
    byPartition.set(key, [...(byPartition.get(key) ?? []), observation]);
  }
  for (const list of byPartition.values()) {
    const ended = [...list].sort((a, b) => a.endPoint - b.endPoint);
    for (const later of list) {
      const hw = later.outOfRange ? later.outOfRange.highWatermark : later.highWatermark;
      for (const earlier of ended) {
        if (earlier.endPoint >= later.startPoint) break;
        const earlierHw = earlier.outOfRange ? earlier.outOfRange.highWatermark : earlier.highWatermark;
        if (hw < earlierHw) violate('monotonic', `${describeFetch(later)}: high watermark ${hw} below ${earlierHw} answered earlier to ${describeFetch(earlier)}`);
        if (!later.outOfRange && !earlier.outOfRange && later.logStartOffset < earlier.logStartOffset) {
          violate('monotonic', `${describeFetch(later)}: log start ${later.logStartOffset} below ${earlier.logStartOffset} answered earlier to ${describeFetch(earlier)}`);
        }
      }
    }
  }
}

async function checkFinalRead(
  ctx: SluiceContext,
  topic: TopicInfo,
  partition: number,
  head: PartitionHead,
  log: Map<number, Produced>,
  entries: SegmentIndexEntry[],
  unknownValues: ReadonlySet<string>,
  scenario: Scenario,
  now: number,
  violate: (category: Category, message: string) => void,
): Promise<void> {
  const where = `${topic.role}/${partition} (log start ${head.logStartOffset}, hw ${head.nextOffset})`;
  clearIndexPageCache();
  const records: SeenRecord[] = [];
  let offset: number | undefined;
  try {
    for (let n = 0; n < 500; n++) {
      const result = await fetchRecords(ctx, { topic: topic.name, partition, offset, maxRecords: 1000, maxBytes: 1 << 22 });
      records.push(...result.records.map((record) => ({ offset: record.offset, key: text(record.key), value: text(record.value) })));
      if (result.nextOffset >= result.highWatermark) break;
      if (offset !== undefined && result.nextOffset <= offset) {
        violate('final-content', `${where}: the full read made no progress at ${offset}`);
        break;
      }
      offset = result.nextOffset;
    }
  } catch (error) {
    violate('final-content', `${where}: the full read from the log start threw ${String(error)}`);
    return;
  }
  const present = new Map(records.map((record) => [record.offset, record]));
  for (const record of records) {
    const expected = log.get(record.offset);
    if (record.offset < head.logStartOffset) violate('final-content', `${where}: the full read answered offset ${record.offset}, below the log start`);
    if (expected === undefined ? record.value === null || !unknownValues.has(record.value) : expected.key !== record.key || expected.value !== record.value) {
      violate('final-content', `${where}: offset ${record.offset} reads ${record.key}=${record.value}, produced as ${expected ? `${expected.key}=${expected.value}` : 'nothing'}`);
    }
  }
  const committed = [...log.keys()];
  const highest = committed.length === 0 ? -1 : Math.max(...committed);
  if (unknownValues.size === 0 && head.nextOffset !== highest + 1) violate('final-content', `${where}: high watermark ${head.nextOffset}, but produce calls were answered up to offset ${highest}`);
  if (topic.role === 'plain') {
    for (let o = head.logStartOffset; o < head.nextOffset; o++) if (!present.has(o)) violate('final-content', `${where}: offset ${o} (${log.get(o)?.value}) is missing from the full read`);
    return;
  }
  // Compacted: each key's latest record is there (a tombstone may have gone), nothing superseded is left.
  const latest = new Map<string | null, Produced>();
  for (const record of log.values()) if ((latest.get(record.key)?.offset ?? -1) < record.offset) latest.set(record.key, record);
  for (const record of latest.values()) {
    if (record.offset < head.logStartOffset) continue;
    const read = present.get(record.offset);
    if (record.value !== null && !read) violate('final-content', `${where}: key ${record.key}'s latest record (offset ${record.offset}, ${record.value}) is missing`);
    if (record.value === null && read) {
      const entry = entries.find((e) => e.baseOffset <= record.offset && record.offset <= e.lastOffset && e.objectKey);
      if (entry?.cleanedAt !== undefined && entry.cleanedAt + scenario.deleteRetentionMs <= now) {
        violate('final-content', `${where}: key ${record.key}'s tombstone at ${record.offset} is still there, in an item compacted at ${entry.cleanedAt}, more than delete.retention.ms (${scenario.deleteRetentionMs}) before ${now}`);
      }
    }
  }
  const keysRead = new Map<string | null, number[]>();
  for (const record of records) keysRead.set(record.key, [...(keysRead.get(record.key) ?? []), record.offset]);
  for (const [key, offsets] of keysRead) {
    if (offsets.length > 1 && !(unknownValues.size > 0)) violate('final-content', `${where}: key ${key} is still at offsets ${offsets.join(', ')} after compaction`);
  }
}

/**
 * The storage left after quiescence: every object an index item names exists; each ref
 * item counts exactly the index items naming its object; no index item is left covered or
 * wholly below its log start; no retired marker and no lease is left; every object written
 * is indexed or is an orphan the collector would take (no ref item). Answers the orphans.
 */
async function auditStorage(env: Env, topics: TopicInfo[], partitions: number, written: ReadonlySet<string>, violate: (category: Category, message: string) => void): Promise<number> {
  const now = env.now();
  const items = await env.logItems();
  const objects = new Set((await env.objectKeys()).filter((key) => written.has(key)));
  const named = new Map<string, string[]>();
  for (const topic of topics) {
    for (let partition = 0; partition < partitions; partition++) {
      const pk = `${topic.topicId}#${partition}`;
      const where = `${topic.role}/${partition}`;
      const head = fromHeadItem(items.find((item) => item.pk === pk && item.sk === 'head')) ?? EMPTY_HEAD;
      const entries = items.filter((item) => item.pk === pk && String(item.sk).startsWith('o#')).map(fromIndexItem);
      for (const entry of entries) named.set(entry.objectKey, [...(named.get(entry.objectKey) ?? []), `${where} o#${entry.lastOffset}`]);
      const { live, covered } = splitCovered(entries);
      for (const entry of covered) violate('storage', `${where}: index item ${entry.baseOffset}..${entry.lastOffset} (${entry.objectKey}) is covered by a later one and was never released`);
      for (const entry of live) {
        if (entry.lastOffset < head.logStartOffset) violate('storage', `${where}: index item ${entry.baseOffset}..${entry.lastOffset} (${entry.objectKey}) lies wholly below the log start ${head.logStartOffset} and was never released`);
      }
      const kept = live.filter((entry) => entry.lastOffset >= head.logStartOffset);
      let expected = head.logStartOffset;
      for (const entry of kept) {
        if (entry.baseOffset > expected) violate('storage', `${where}: no index item covers offsets ${expected}..${entry.baseOffset - 1}`);
        expected = Math.max(expected, entry.lastOffset + 1);
      }
      if (expected < head.nextOffset) violate('storage', `${where}: no index item covers offsets ${expected}..${head.nextOffset - 1}`);
      // A crashed run's lease may be left (nothing took the partition since); it must have run out.
      const state = items.find((item) => item.pk === pk && item.sk === 'compaction');
      if (state?.leaseId !== undefined && Number(state.leaseUntil) >= now) violate('storage', `${where}: compaction lease ${String(state.leaseId)} held until ${String(state.leaseUntil)}, past quiescence (${now})`);
    }
  }
  for (const [objectKey, names] of named) if (!objects.has(objectKey)) violate('storage', `object ${objectKey} is named by ${names.join(', ')} but does not exist`);
  const refs = new Map(items.filter((item) => String(item.pk).startsWith('obj#') && item.sk === 'ref' && written.has(String(item.objectKey))).map((item) => [String(item.objectKey), Number(item.batchCount)]));
  for (const [objectKey, count] of refs) {
    const indexed = named.get(objectKey)?.length ?? 0;
    if (count !== indexed) violate('storage', `object ${objectKey}: its ref item counts ${count} batches, ${indexed} index items name it (${(named.get(objectKey) ?? []).join(', ') || 'none'})${objects.has(objectKey) ? '' : '; the object is gone'}`);
  }
  for (const objectKey of named.keys()) if (!refs.has(objectKey)) violate('storage', `object ${objectKey} is named by ${named.get(objectKey)!.join(', ')} but has no ref item`);
  const markers = items.filter((item) => item.pk === 'retired#objects' && written.has(String(item.objectKey)));
  for (const marker of markers) violate('storage', `retired marker of ${String(marker.objectKey)} left after a complete compaction run${objects.has(String(marker.objectKey)) ? ' (the object is still there)' : ''}`);
  let orphans = 0;
  for (const objectKey of objects) if (!named.has(objectKey) && !refs.has(objectKey)) orphans++;
  return orphans;
}
