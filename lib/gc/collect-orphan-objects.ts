import { DeleteObjectsCommand, ListObjectsV2Command, type _Object } from '@aws-sdk/client-s3';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../context';
import { parseSegmentObjectKey } from '../storage/object-keys';
import { objectRefKey } from '../storage/object-ref-item';

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
 * S3 (LastModified) and the collector. See docs/design.md, "Orphan objects".
 */
export const ORPHAN_GRACE_MS = 15 * 60 * 1000;

/**
 * The root of the segment key layout (`segmentObjectKey` in lib/storage/object-keys.ts).
 * Only keys under it are listed, and only those `parseSegmentObjectKey` accepts are
 * ever deleted.
 */
export const SEGMENT_LIST_PREFIX = 'seg/';

/** BatchGetItem reads at most 100 keys per call. */
const BATCH_GET_MAX_KEYS = 100;
/** DeleteObjects deletes at most 1,000 keys per call. */
const DELETE_OBJECTS_MAX_KEYS = 1000;
/** Rounds of retrying unprocessed BatchGet keys before giving up on the run. */
const BATCH_GET_MAX_ROUNDS = 10;

export interface CollectOrphanObjectsOptions {
  /** Objects younger than this (by the later of key time and LastModified) are kept. Default ORPHAN_GRACE_MS. */
  graceMs?: number;
  /** Attempt at most this many deletes in one run, then stop (the result says `complete: false`). */
  maxDeletes?: number;
  /** Stop listing new pages once `ctx.now()` reaches this (epoch ms), e.g. shortly before a Lambda timeout. */
  deadline?: number;
  /** Keys per ListObjectsV2 page, at most 1,000 (S3's default and maximum). */
  pageSize?: number;
  /** Structured log lines: per-key delete failures and early stops. */
  log?: (entry: Record<string, unknown>) => void;
}

export interface DeleteFailure {
  key: string;
  code: string;
  message: string;
}

export interface OrphanCollection {
  /** Keys listed under `seg/`, parseable or not. */
  scanned: number;
  /** Keys deleted: old and without a ref item. */
  deleted: string[];
  /** Keys not deleted because they were younger than the grace period. */
  keptYoung: number;
  /** Keys not deleted because a ref item says they are committed. */
  keptReferenced: number;
  /** Keys under `seg/` that are not segment keys; never touched. */
  skippedUnknownKeys: number;
  /** Orphans S3 refused to delete, with its per-key error. The next run tries again. */
  failed: DeleteFailure[];
  /** False when the run stopped early at `maxDeletes` or `deadline`; the next run carries on. */
  complete: boolean;
}

/**
 * Deletes segment objects that no commit references (invariant 5: an object written
 * but never committed is invisible and is eventually deleted).
 *
 * Lists `seg/` page by page; per page, leaves young objects alone, looks up the ref
 * items of the rest with consistent BatchGets, and deletes the unreferenced ones with
 * DeleteObjects. Idempotent, and safe to run concurrently with itself and with
 * produce: it only ever deletes objects old enough that no commit can still name them.
 */
export async function collectOrphanObjects(ctx: SluiceContext, options: CollectOrphanObjectsOptions = {}): Promise<OrphanCollection> {
  const graceMs = options.graceMs ?? ORPHAN_GRACE_MS;
  if (!(graceMs >= 0)) throw new Error(`graceMs must be at least 0, got ${graceMs}`);
  const maxDeletes = options.maxDeletes ?? Infinity;
  if (!(maxDeletes >= 1)) throw new Error(`maxDeletes must be at least 1, got ${maxDeletes}`);
  const log = options.log ?? (() => undefined);

  const result: OrphanCollection = { scanned: 0, deleted: [], keptYoung: 0, keptReferenced: 0, skippedUnknownKeys: 0, failed: [], complete: true };
  let continuationToken: string | undefined;
  do {
    if (options.deadline !== undefined && ctx.now() >= options.deadline) {
      log({ level: 'INFO', message: 'orphan collection stopped at its deadline', scanned: result.scanned });
      result.complete = false;
      break;
    }
    const page = await ctx.s3.send(
      new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: SEGMENT_LIST_PREFIX, ContinuationToken: continuationToken, MaxKeys: options.pageSize }),
    );
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;

    // Read the clock after listing: an object listed is at least as old as it looks now.
    const now = ctx.now();
    const oldKeys: string[] = [];
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      result.scanned++;
      const writtenAt = writtenAtOf(object);
      if (writtenAt === undefined) result.skippedUnknownKeys++;
      else if (now - writtenAt < graceMs) result.keptYoung++;
      else oldKeys.push(object.Key);
    }

    const referenced = await referencedKeys(ctx, oldKeys);
    result.keptReferenced += referenced.size;
    const orphans = oldKeys.filter((key) => !referenced.has(key));

    const allowance = maxDeletes - result.deleted.length - result.failed.length;
    if (orphans.length > allowance) {
      log({ level: 'INFO', message: 'orphan collection stopped at maxDeletes', maxDeletes });
      result.complete = false;
      continuationToken = undefined;
    }
    for (const chunk of chunks(orphans.slice(0, allowance), DELETE_OBJECTS_MAX_KEYS)) {
      const { deleted, failed } = await deleteObjects(ctx, chunk);
      result.deleted.push(...deleted);
      result.failed.push(...failed);
      for (const failure of failed) log({ level: 'WARN', message: 'could not delete orphan object', key: failure.key, code: failure.code, error: failure.message });
    }
  } while (continuationToken);
  return result;
}

/**
 * When the object was written, as late as either clock says: the producer's time in
 * the key or S3's LastModified. Undefined for a key outside the segment layout.
 */
function writtenAtOf(object: _Object): number | undefined {
  const parsed = parseSegmentObjectKey(object.Key ?? '');
  if (!parsed) return undefined;
  return Math.max(parsed.writtenAt, object.LastModified?.getTime() ?? -Infinity);
}

/** The keys among `keys` that have a ref item (strongly consistent reads). */
async function referencedKeys(ctx: SluiceContext, keys: readonly string[]): Promise<Set<string>> {
  const referenced = new Set<string>();
  for (const chunk of chunks(keys, BATCH_GET_MAX_KEYS)) {
    const objectKeyOfPk = new Map(chunk.map((key) => [objectRefKey(key).pk, key]));
    let pending: Record<string, unknown>[] = chunk.map(objectRefKey);
    for (let round = 0; pending.length > 0; round++) {
      if (round === BATCH_GET_MAX_ROUNDS) {
        // Not knowing is not "unreferenced": fail the run rather than guess.
        throw new Error(`ref item lookups left ${pending.length} key(s) unprocessed after ${BATCH_GET_MAX_ROUNDS} rounds`);
      }
      if (round > 0) await ctx.sleep(Math.min(2000, 50 * 2 ** round));
      const response = await ctx.ddb.send(
        new BatchGetCommand({
          RequestItems: { [ctx.tables.log]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'pk' } },
        }),
      );
      for (const item of response.Responses?.[ctx.tables.log] ?? []) {
        const key = objectKeyOfPk.get(String(item.pk));
        if (key !== undefined) referenced.add(key);
      }
      pending = response.UnprocessedKeys?.[ctx.tables.log]?.Keys ?? [];
    }
  }
  return referenced;
}

async function deleteObjects(ctx: SluiceContext, keys: readonly string[]): Promise<{ deleted: string[]; failed: DeleteFailure[] }> {
  const response = await ctx.s3.send(
    // Quiet: S3 answers only the keys it could not delete.
    new DeleteObjectsCommand({ Bucket: ctx.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
  );
  const failed = (response.Errors ?? []).map((error) => ({
    key: error.Key ?? '',
    code: error.Code ?? 'Unknown',
    message: error.Message ?? '',
  }));
  const failedKeys = new Set(failed.map((failure) => failure.key));
  return { deleted: keys.filter((key) => !failedKeys.has(key)), failed };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
