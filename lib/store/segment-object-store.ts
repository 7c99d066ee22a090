import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { SluiceContext } from '../core/context';

/**
 * The segment bucket's objects: every S3 call Sluice makes. The key layout is
 * lib/store/object-keys.ts's alone; this module only moves bytes.
 */

/** DeleteObjects deletes at most 1,000 keys per call. */
const DELETE_OBJECTS_MAX_KEYS = 1000;

export async function putSegmentObject(ctx: SluiceContext, key: string, body: Uint8Array): Promise<void> {
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }));
}

/** `length` bytes of the object from `start`; undefined when the object is gone (released by retention and deleted). */
export async function readSegmentRange(ctx: SluiceContext, key: string, start: number, length: number): Promise<Uint8Array | undefined> {
  let object;
  try {
    object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key, Range: `bytes=${start}-${start + length - 1}` }));
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
  return object.Body!.transformToByteArray();
}

/** Deletes one object, ignoring any failure: for an object surely unreferenced, which the orphan collector would find anyway. */
export async function deleteSegmentObjectQuietly(ctx: SluiceContext, key: string): Promise<void> {
  await ctx.s3.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: key })).catch(() => undefined);
}

export interface DeleteFailure {
  key: string;
  code: string;
  message: string;
}

/** Deletes objects, 1,000 per DeleteObjects; answers which went and which S3 refused (with its per-key error). */
export async function deleteSegmentObjects(ctx: SluiceContext, keys: readonly string[]): Promise<{ deleted: string[]; failed: DeleteFailure[] }> {
  const deleted: string[] = [];
  const failed: DeleteFailure[] = [];
  for (let i = 0; i < keys.length; i += DELETE_OBJECTS_MAX_KEYS) {
    const chunk = keys.slice(i, i + DELETE_OBJECTS_MAX_KEYS);
    const response = await ctx.s3.send(
      // Quiet: S3 answers only the keys it could not delete.
      new DeleteObjectsCommand({ Bucket: ctx.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
    );
    const refused = (response.Errors ?? []).map((error) => ({ key: error.Key ?? '', code: error.Code ?? 'Unknown', message: error.Message ?? '' }));
    const refusedKeys = new Set(refused.map((failure) => failure.key));
    deleted.push(...chunk.filter((key) => !refusedKeys.has(key)));
    failed.push(...refused);
  }
  return { deleted, failed };
}

export interface ListedObject {
  key: string;
  /** S3's LastModified, epoch ms, when it said. */
  lastModified: number | undefined;
}

/**
 * One page of the keys under `prefix`, in key order, after `startAfter`. Pages follow
 * each other by StartAfter rather than continuation tokens: the keys are the position.
 */
export async function listSegmentObjects(
  ctx: SluiceContext,
  prefix: string,
  page: { startAfter?: string; maxKeys?: number } = {},
): Promise<{ objects: ListedObject[]; truncated: boolean }> {
  const listed = await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: prefix, StartAfter: page.startAfter, MaxKeys: page.maxKeys }));
  const objects = (listed.Contents ?? [])
    .filter((object) => object.Key)
    .map((object) => ({ key: object.Key!, lastModified: object.LastModified?.getTime() }));
  return { objects, truncated: listed.IsTruncated === true };
}
