import { setTimeout as delay } from 'node:timers/promises';
import { compactLog } from '../../lib/compaction/compact-log';
import { DEFAULT_COMPACTION_LIMITS, type CompactionLimits } from '../../lib/compaction/compact-partition';
import type { SluiceContext } from '../../lib/core/context';
import { partitionForKey } from '../../lib/protocol/partitioner';
import { request } from './api';
import { crashingCompaction, SimulatedCrash, type FaultCounters, type FaultKind } from './faults';
import type { CompactionRun, FinalRead, HistoryEvent, Poll } from './history';
import type { SafetyOptions } from './options';

/**
 * The compacted workload's parts (options.workload === 'compacted'; workload.ts runs them):
 * the topic is created with cleanup.policy=compact and a short delete.retention.ms; the
 * producers write keyed records over a small key space, some of them tombstones; two
 * compactors run compactLog on the topic over and over while producers, tail readers and
 * scanners (readers that go through every partition from offset 0 again and again) run, and
 * the compaction-crash fault kills some of their runs; after the run a final compaction, then
 * the complete final reads. compacted-checker.ts says what the history must show.
 *
 * A record's value is its id, unique across the run; a tombstone's value is null, so every
 * record also carries its id in an `id` header, and reads record the id, the key and whether
 * the value was null.
 */

/** What the compacted workload needs of the run (workload.ts's Run has it). */
export interface CompactedHost {
  readonly options: SafetyOptions;
  readonly url: string;
  readonly topic: string;
  /** The context compaction runs on: the handlers' clients, with the DynamoDB faults installed. */
  readonly ctx: SluiceContext;
  readonly rng: () => number;
  readonly notes: string[];
  readonly counters: FaultCounters;
  readonly producing: boolean;
  readonly consuming: boolean;
  enabled(kind: FaultKind): boolean;
  now(): number;
  record<E extends HistoryEvent>(event: E): E;
  /** One fetch, recorded (workload.ts's poll: compacted runs record ids, keys, tombstones and nextOffset). */
  poll(consumer: string, partition: number, offset: number, maxRecords: number, waitMs: number): Promise<Poll>;
}

export const ID_HEADER = 'id';

/**
 * Compaction as the runs use it: merge at once (no minimum age), in batches of about 512
 * record bytes in objects of about 2 KiB, so a short run rewrites many batches and objects
 * hold several (some counted down, not retired); leases of 20 s, longer than any run should
 * take here (one that does is noted: another run may then have worked on its partitions), and
 * short enough that a lease a run failed to give back (a storage fault at the end) frees its
 * partition within a longer run.
 */
export const SAFETY_COMPACTION_LIMITS: CompactionLimits = { ...DEFAULT_COMPACTION_LIMITS, mergeMinAgeMs: 0, targetBatchBytes: 512, targetObjectBytes: 2048, leaseMs: 20_000 };

/** The topic's configuration: compact only (retention by time and size off), tombstones kept delete.retention.ms. */
export function compactedTopicConfig(options: SafetyOptions): Record<string, string> {
  return { 'cleanup.policy': 'compact', 'delete.retention.ms': String(options.compacted.deleteRetentionMs) };
}

/** `keys` keys spread evenly over the partitions (by the default partitioner), as `k0`, `k1`, ... */
export function compactedKeys(keys: number, partitions: number): string[][] {
  const byPartition: string[][] = Array.from({ length: partitions }, () => []);
  const quota = (p: number) => Math.floor(keys / partitions) + (p < keys % partitions ? 1 : 0);
  let taken = 0;
  for (let i = 0; taken < keys && i < keys * 1000; i++) {
    const key = `k${i}`;
    const p = partitionForKey(Buffer.from(key, 'utf8'), partitions);
    if (byPartition[p]!.length < quota(p)) {
      byPartition[p]!.push(key);
      taken++;
    }
  }
  return byPartition;
}

/** A record of a produce request body: its id as the value (null for a tombstone) and in the `id` header. */
export function compactedRecordJson(record: { key: string; value: string; tombstone?: boolean }): { key: string; value: string | null; headers: { key: string; value: string }[] } {
  return { key: record.key, value: record.tombstone ? null : record.value, headers: [{ key: ID_HEADER, value: record.value }] };
}

/** The fields a compacted poll records, from a fetch's JSON answer (utf8). */
export function compactedReadFields(body: any): { records: [number, string][]; keys: (string | null)[]; tombstones: boolean[]; nextOffset: number } {
  const records = body.records as { offset: number; key: string | null; value: string | null; headers?: { key: string; value: string | null }[] }[];
  return {
    records: records.map((r) => [r.offset, r.value ?? r.headers?.find((h) => h.key === ID_HEADER)?.value ?? `(tombstone at ${r.offset} without an id header)`]),
    keys: records.map((r) => r.key),
    tombstones: records.map((r) => r.value === null),
    nextOffset: body.nextOffset as number,
  };
}

/**
 * Reads every partition from offset 0 to the end, again and again (a pause of 0.1-0.5 s
 * between passes), each pass starting with a `scan` seek: what a consumer rebuilding a table
 * from a compacted topic does, and what the tombstone rule speaks of (a reader from the start
 * that reaches the end within delete.retention.ms sees every tombstone it needs).
 */
export class Scanner {
  passes = 0;

  constructor(
    private readonly host: CompactedHost,
    readonly name: string,
  ) {}

  async loop(): Promise<void> {
    await Promise.all(Array.from({ length: this.host.options.partitions }, (_, p) => this.scanPartition(p)));
  }

  private async scanPartition(partition: number): Promise<void> {
    const host = this.host;
    while (host.consuming) {
      host.record({ type: 'seek', consumer: this.name, partition, offset: 0, time: host.now(), reason: 'scan' });
      let offset = 0;
      for (let failures = 0; host.consuming && failures < 20; ) {
        const p = await host.poll(this.name, partition, offset, 1000, 0);
        if (p.resetTo !== undefined) {
          // Out of range: go on from the log start the answer gave, as the client does (resetPolicy earliest).
          offset = p.resetTo;
          continue;
        }
        if (p.outcome !== 'ok' || p.nextOffset === undefined || p.highWatermark === undefined) {
          await delay(Math.floor(host.rng() * Math.min(1000, 50 * 2 ** ++failures)) + 20);
          continue;
        }
        offset = p.nextOffset;
        if (offset >= p.highWatermark) {
          this.passes++;
          break;
        }
      }
      await delay(100 + Math.floor(host.rng() * 400));
    }
  }
}

/** Compaction crashes due: each fault step adds one, the next compactor run takes it (and gives it back if it never reached the transaction). */
export class CompactionCrashes {
  due = 0;
  /** Runs that outlasted their lease (another run could then take their partitions). */
  overran = 0;

  take(rng: () => number): { stage: 'before' | 'after'; at: number } | undefined {
    if (this.due === 0) return undefined;
    this.due--;
    return { stage: rng() < 0.5 ? 'before' : 'after', at: 1 + Math.floor(rng() * 3) };
  }
}

/** One compactLog run on the topic (forced), recorded; a crash the fault arranged ends it as a dead process would. */
export async function compactOnce(host: CompactedHost, compactor: string, crashes?: CompactionCrashes): Promise<CompactionRun> {
  const crash = crashes?.take(host.rng);
  let crashed = false;
  const ctx = crash ? crashingCompaction(host.ctx, crash, () => (crashed = true)) : host.ctx;
  const start = host.now();
  try {
    const result = await compactLog(ctx, { topics: [host.topic], force: true, limits: SAFETY_COMPACTION_LIMITS });
    if (crash && crashes) crashes.due++; // it never reached the transaction: the next run takes the crash
    const parts = result.partitions;
    return finish({
      outcome: 'ok',
      partitionsCompacted: result.partitionsCompacted,
      partitionsLeased: parts.filter((p) => !p.leased).length,
      recordsDropped: parts.reduce((n, p) => n + p.recordsDropped, 0),
      batchesWritten: parts.reduce((n, p) => n + p.batchesWritten, 0),
      swapsRefused: parts.reduce((n, p) => n + p.swapsRefused, 0),
    });
  } catch (error) {
    if (crashed && error instanceof SimulatedCrash) {
      host.counters.count('compaction-crash');
      host.counters.detail(`compaction-crash.${crash!.stage}`);
      return finish({ outcome: 'error', error: error.message, fault: 'compaction-crash' });
    }
    // A run that met a storage fault (a restart, a throttle the SDK gave up on) before its crash: the next run takes it.
    if (crash && crashes) crashes.due++;
    host.counters.detail('compaction.failed-runs');
    return finish({ outcome: 'error', error: `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`.slice(0, 300) });
  }

  function finish(fields: Omit<CompactionRun, 'type' | 'compactor' | 'start' | 'end'>): CompactionRun {
    const end = host.now();
    if (end - start > SAFETY_COMPACTION_LIMITS.leaseMs && crashes) crashes.overran++;
    return host.record({ type: 'compaction', compactor, start, end, ...fields });
  }
}

/** A compactor: runs compactLog about every `compactEveryMs` (0.5 to 1.5 times it) while the producers write. */
export async function compactorLoop(host: CompactedHost, name: string, crashes: CompactionCrashes): Promise<void> {
  while (host.producing) {
    await compactOnce(host, name, crashes);
    await delay(Math.floor(host.options.compacted.compactEveryMs * (0.5 + host.rng())));
  }
}

/**
 * After the run: compacts until one run has compacted every partition with no swap refused
 * (a crashed run's leases run out first), so the final reads see a log compacted to its end.
 */
export async function finalCompaction(host: CompactedHost): Promise<CompactionRun | undefined> {
  const deadline = host.now() + SAFETY_COMPACTION_LIMITS.leaseMs + 30_000;
  for (;;) {
    const run = await compactOnce(host, 'final');
    if (run.outcome === 'ok' && run.partitionsLeased === 0 && run.swapsRefused === 0) return run;
    if (host.now() > deadline) {
      host.notes.push(`the final compaction did not compact every partition cleanly: last run ${JSON.stringify(run)}`);
      return undefined;
    }
    await delay(500);
  }
}

/** A complete read of every partition to `highWatermarks`, moving over compacted holes by each fetch's nextOffset. */
export async function compactedFinalRead(host: CompactedHost, label: string, highWatermarks: number[]): Promise<FinalRead> {
  const partitions: FinalRead['partitions'] = [];
  for (let partition = 0; partition < highWatermarks.length; partition++) {
    const highWatermark = highWatermarks[partition]!;
    const part: FinalRead['partitions'][number] = { partition, highWatermark, complete: false, records: [], keys: [], tombstones: [] };
    let offset = 0;
    for (let failures = 0, calls = 0; offset < highWatermark && failures < 20 && calls < highWatermark + 40; calls++) {
      const reply = await request(host.url, 'GET', `/v1/topics/${host.topic}/partitions/${partition}/records?offset=${offset}&maxRecords=1000&encoding=utf8`);
      const fields = reply.status === 200 ? compactedReadFields(reply.body) : undefined;
      if (!fields || fields.nextOffset <= offset) {
        failures++;
        await delay(Math.floor(host.rng() * Math.min(1000, 50 * 2 ** failures)) + 20);
        continue;
      }
      part.records.push(...fields.records);
      part.keys!.push(...fields.keys);
      part.tombstones!.push(...fields.tombstones);
      offset = fields.nextOffset;
    }
    part.complete = offset >= highWatermark;
    partitions.push(part);
  }
  return host.record({ type: 'final-read', label, time: host.now(), partitions });
}
