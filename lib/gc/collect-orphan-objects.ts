import type { SluiceContext } from '../core/context';
import { advanceGcCheckpoint, gcCheckpointStartAfter, readGcCheckpoints, type GcCheckpoint } from '../store/gc-checkpoint-store';
import { parseSegmentObjectKey, SEGMENT_PREFIXES, SEGMENT_ROOT } from '../store/object-keys';
import { referencedObjectKeys } from '../store/object-ref-store';
import { deleteSegmentObjects, listSegmentObjects, type DeleteFailure } from '../store/segment-object-store';

export { SEGMENT_PREFIXES, type DeleteFailure };

/**
 * How old a segment object must be before the collector may delete it for having
 * no ref item. 15 minutes is safe because only the produce invocation that wrote an
 * object ever commits it, and that invocation cannot outlive its timeout: produce
 * runs behind API Gateway with a 29 s timeout, the commit is awaited (never left
 * running after the handler returns), and the SDK's retries of the transaction
 * happen inside that lifetime. On top of that, AWS refuses a signed request that
 * reaches it more than about five minutes after it was signed, so even a
 * transaction request stuck in the network cannot land later. So an object with
 * no ref item 29 s + 5 min after it was written can never gain one; the rest of
 * the margin absorbs clock skew between the producer (the key's written-at time),
 * S3 (LastModified) and the collector. The same bound says when an object can no
 * longer *appear*: its PUT is part of that invocation too, so no object whose key
 * says it was written more than the grace period ago can show up in a listing
 * started now. See docs/design.md, "Orphan objects".
 */
export const ORPHAN_GRACE_MS = 15 * 60 * 1000;

/**
 * The root of the segment key layout (lib/store/object-keys.ts). Only keys under it are
 * listed, and only those `parseSegmentObjectKey` accepts are ever deleted. The collector
 * lists each of its 256 prefixes (`SEGMENT_PREFIXES`, `seg/00/` … `seg/ff/`) on its own.
 */
export const SEGMENT_LIST_PREFIX = SEGMENT_ROOT;

/** Prefixes collected at once. */
const DEFAULT_CONCURRENCY = 8;

const HOUR_MS = 60 * 60 * 1000;

/** With `idleBackoff`, the longest wait between listings of a prefix whose checkpoint has not moved, in hours. */
export const IDLE_BACKOFF_MAX_HOURS = 16;

/**
 * Hours between listings of a prefix whose checkpoint last moved `idleMs` ago (its
 * `updatedAt`; a listing that finds any key moves it): every hour while it moved within
 * the last two, then doubling with the idle time (2 h idle: every 2 hours, 4 h: every 4,
 * …) up to IDLE_BACKOFF_MAX_HOURS.
 */
export function listingPeriodHours(idleMs: number): number {
  let period = 1;
  while (period < IDLE_BACKOFF_MAX_HOURS && idleMs >= 2 * period * HOUR_MS) period *= 2;
  return period;
}

/**
 * Whether an hourly run at `now` lists the `index`th prefix: always without a checkpoint,
 * else in the hours whose number (since the epoch), plus the index to spread the prefixes
 * over the hours, is a multiple of its listing period.
 */
export function prefixIsDue(checkpoint: GcCheckpoint | undefined, index: number, now: number): boolean {
  if (!checkpoint) return true;
  return (Math.floor(now / HOUR_MS) + index) % listingPeriodHours(now - checkpoint.updatedAt) === 0;
}

export interface CollectOrphanObjectsOptions {
  /** Objects younger than this (by the later of key time and LastModified) are kept. Default ORPHAN_GRACE_MS. */
  graceMs?: number;
  /** Attempt at most this many deletes in one run, then stop (the result says `complete: false`). */
  maxDeletes?: number;
  /** Stop listing new pages once `ctx.now()` reaches this (epoch ms), e.g. shortly before a Lambda timeout. */
  deadline?: number;
  /** Keys per ListObjectsV2 page, at most 1,000 (S3's default and maximum). */
  pageSize?: number;
  /** Prefixes listed at once. Default 8. */
  concurrency?: number;
  /** Structured log lines: per-key delete failures, checkpoint write failures and early stops. */
  log?: (entry: Record<string, unknown>) => void;
  /**
   * List a prefix whose checkpoint has not moved for a while less often (`prefixIsDue`),
   * and give an empty prefix a checkpoint, so that an idle bucket costs about 256 LISTs
   * per IDLE_BACKOFF_MAX_HOURS instead of 256 per run; the hourly schedule runs so.
   * Default false: every prefix, every run.
   */
  idleBackoff?: boolean;
}

export interface OrphanCollection {
  /** Keys listed under `seg/<xx>/` after the prefixes' checkpoints, parseable or not. */
  scanned: number;
  /** Keys deleted: old and without a ref item. */
  deleted: string[];
  /** Keys not deleted because they were younger than the grace period. */
  keptYoung: number;
  /** Keys not deleted because a ref item says they are committed. */
  keptReferenced: number;
  /** Keys under `seg/<xx>/` that are not segment keys; never touched. */
  skippedUnknownKeys: number;
  /** Orphans S3 refused to delete, with its per-key error. The next run tries again. */
  failed: DeleteFailure[];
  /** Prefixes whose checkpoint this run moved forward. */
  checkpointsAdvanced: number;
  /** Checkpoint writes that failed (logged); the next run lists those prefixes from their old checkpoints. */
  checkpointFailures: number;
  /** False when the run stopped early at `maxDeletes` or `deadline`; the next run carries on. */
  complete: boolean;
  /** Prefixes this run listed (256 without `idleBackoff`). */
  prefixesListed: number;
}

interface Settings {
  idleBackoff: boolean;
  graceMs: number;
  maxDeletes: number;
  deadline: number | undefined;
  pageSize: number | undefined;
  log: (entry: Record<string, unknown>) => void;
}

/** What the prefixes being collected at once share. */
interface Run {
  readonly result: OrphanCollection;
  /** Deletes attempted so far, against `maxDeletes`. */
  attemptedDeletes: number;
  /** Set at `maxDeletes`, at the deadline, or when a prefix failed: list no further pages. */
  halted: boolean;
}

/**
 * Deletes segment objects that no commit references (invariant 5: an object written
 * but never committed is invisible and is eventually deleted).
 *
 * Incremental: for each prefix `seg/<xx>/` a checkpoint (lib/store/gc-checkpoint-item.ts)
 * records the written-at time before which every object has been decided, and the
 * listing starts there (keys are time-ordered within a prefix). Per page, leaves young
 * objects alone, looks up the ref items of the rest with consistent BatchGets, and
 * deletes the unreferenced ones with DeleteObjects. A prefix's listing stops after the
 * page that holds its first young object; its checkpoint then moves forward, by a
 * conditional write, to the earliest object the run left undecided (young, over
 * `maxDeletes`, or refused by S3), to the last key listed when the run stopped
 * between pages, and never past the time before which no new object can appear.
 * Idempotent, and safe to run concurrently with itself and with produce: it only
 * ever deletes objects old enough that no commit can still name them, and a
 * checkpoint never moves backwards.
 */
export async function collectOrphanObjects(ctx: SluiceContext, options: CollectOrphanObjectsOptions = {}): Promise<OrphanCollection> {
  const graceMs = options.graceMs ?? ORPHAN_GRACE_MS;
  if (!(graceMs >= 0)) throw new Error(`graceMs must be at least 0, got ${graceMs}`);
  const maxDeletes = options.maxDeletes ?? Infinity;
  if (!(maxDeletes >= 1)) throw new Error(`maxDeletes must be at least 1, got ${maxDeletes}`);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  const settings: Settings = { idleBackoff: options.idleBackoff ?? false, graceMs, maxDeletes, deadline: options.deadline, pageSize: options.pageSize, log: options.log ?? (() => undefined) };

  const result: OrphanCollection = {
    scanned: 0,
    deleted: [],
    keptYoung: 0,
    keptReferenced: 0,
    skippedUnknownKeys: 0,
    failed: [],
    checkpointsAdvanced: 0,
    checkpointFailures: 0,
    complete: true,
    prefixesListed: 0,
  };
  const run: Run = { result, attemptedDeletes: 0, halted: false };
  if (pastDeadline(ctx, settings, run)) return result;

  const checkpoints = await readGcCheckpoints(ctx, SEGMENT_PREFIXES);
  const startedAt = ctx.now();
  const prefixes = settings.idleBackoff ? SEGMENT_PREFIXES.filter((prefix, index) => prefixIsDue(checkpoints.get(prefix), index, startedAt)) : SEGMENT_PREFIXES;
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!run.halted && next < prefixes.length) {
      const prefix = prefixes[next++]!;
      result.prefixesListed++;
      try {
        await collectPrefix(ctx, prefix, checkpoints.get(prefix), settings, run);
      } catch (error) {
        // Let the other prefixes stop at their next page, write their checkpoints, then fail.
        run.halted = true;
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, prefixes.length) }, worker));
  if (failure) throw failure.error;
  return result;
}

/**
 * Collects one prefix from its checkpoint on, then moves the checkpoint over what it
 * decided.
 */
async function collectPrefix(ctx: SluiceContext, prefix: string, seen: GcCheckpoint | undefined, settings: Settings, run: Run): Promise<void> {
  const { result } = run;
  // Read before listing: an object whose key time is before this can no longer appear
  // (ORPHAN_GRACE_MS), so a listing that starts now sees every one there will ever be.
  const appearedBy = Math.floor(ctx.now() - settings.graceMs);
  let startAfter = seen === undefined ? undefined : gcCheckpointStartAfter(prefix, seen.decidedBefore);
  /** Written-at time of the earliest object listed and left undecided. */
  let firstUndecided = Infinity;
  /** Written-at time of the last segment key listed. */
  let lastListed: number | undefined;
  let exhausted = false;

  for (;;) {
    if (run.halted || pastDeadline(ctx, settings, run)) break;
    const page = await listSegmentObjects(ctx, prefix, { startAfter, maxKeys: settings.pageSize });
    // Read the clock after listing: an object listed is at least as old as it looks now.
    const now = ctx.now();
    const contents = page.objects;
    const old: { key: string; writtenAt: number }[] = [];
    let young = false;
    for (const object of contents) {
      result.scanned++;
      const parsed = parseSegmentObjectKey(object.key);
      if (!parsed) {
        result.skippedUnknownKeys++;
        continue;
      }
      lastListed = parsed.writtenAt;
      // As late as either clock says: the producer's time in the key or S3's LastModified.
      if (now - Math.max(parsed.writtenAt, object.lastModified ?? -Infinity) < settings.graceMs) {
        result.keptYoung++;
        young = true;
        firstUndecided = Math.min(firstUndecided, parsed.writtenAt);
      } else {
        old.push({ key: object.key, writtenAt: parsed.writtenAt });
      }
    }

    const referenced = await referencedObjectKeys(ctx, old.map((object) => object.key));
    result.keptReferenced += referenced.size;
    const orphans = old.filter((object) => !referenced.has(object.key));

    // Reserved before the next await, so prefixes collected at once share the allowance.
    const allowance = Math.max(0, settings.maxDeletes - run.attemptedDeletes);
    const attempt = orphans.slice(0, allowance);
    run.attemptedDeletes += attempt.length;
    if (orphans.length > allowance) {
      if (!run.halted) settings.log({ level: 'INFO', message: 'orphan collection stopped at maxDeletes', maxDeletes: settings.maxDeletes });
      run.halted = true;
      result.complete = false;
      firstUndecided = Math.min(firstUndecided, orphans[allowance]!.writtenAt);
    }
    const { deleted, failed } = await deleteSegmentObjects(
      ctx,
      attempt.map((object) => object.key),
    );
    result.deleted.push(...deleted);
    result.failed.push(...failed);
    for (const failure of failed) {
      settings.log({ level: 'WARN', message: 'could not delete orphan object', key: failure.key, code: failure.code, error: failure.message });
      firstUndecided = Math.min(firstUndecided, parseSegmentObjectKey(failure.key)?.writtenAt ?? -Infinity);
    }

    if (!page.truncated || contents.length === 0) {
      exhausted = true;
      break;
    }
    // Keys are time-ordered within the prefix: what follows a young object is younger still.
    if (young) break;
    startAfter = contents[contents.length - 1]!.key;
  }

  // Nothing listed, nothing learned (and an empty prefix costs the same from its start); except that with idleBackoff an
  // empty prefix gets a checkpoint once, so that its idle time can be told and it is listed less often.
  if (lastListed === undefined && !(settings.idleBackoff && seen === undefined && exhausted)) return;
  // Every key written before the last one listed was listed, and before `firstUndecided` decided.
  const decidedBefore = Math.min(firstUndecided, appearedBy, exhausted || lastListed === undefined ? Infinity : lastListed);
  if (!(decidedBefore > (seen?.decidedBefore ?? -1)) || !Number.isFinite(decidedBefore)) return;
  try {
    if (await advanceGcCheckpoint(ctx, prefix, seen, decidedBefore)) result.checkpointsAdvanced++;
  } catch (error) {
    // The decisions stand; the next run only lists more.
    result.checkpointFailures++;
    settings.log({ level: 'WARN', message: 'could not advance orphan collection checkpoint', prefix, decidedBefore, error: String(error) });
  }
}

function pastDeadline(ctx: SluiceContext, settings: Settings, run: Run): boolean {
  if (settings.deadline === undefined || ctx.now() < settings.deadline) return false;
  if (!run.halted) settings.log({ level: 'INFO', message: 'orphan collection stopped at its deadline', scanned: run.result.scanned });
  run.halted = true;
  run.result.complete = false;
  return true;
}
