import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SluiceContext } from '../core/context';
import { batchDeleteAll, batchGetAll } from './batch-operations';
import type { TransactItem } from './transact-write';

/**
 * The Log table item that marks a segment object as committed, and every expression on
 * it. Owned here alone.
 *
 * The produce commit writes it in the same transaction that assigns the object's
 * offsets, so "a ref item exists" is exactly "some commit references this object".
 * The orphan collector deletes old objects that have none.
 */
const OBJECT_REF_PREFIX = 'obj#';
export const OBJECT_REF_SORT_KEY = 'ref';

export interface ObjectRef {
  objectKey: string;
  committedAt: number;
  /** How many partition batches of the object the commit indexed. */
  batchCount: number;
}

export function objectRefKey(objectKey: string): { pk: string; sk: string } {
  return { pk: OBJECT_REF_PREFIX + objectKey, sk: OBJECT_REF_SORT_KEY };
}

export function toObjectRefItem(ref: ObjectRef): Record<string, unknown> {
  return { ...objectRefKey(ref.objectKey), ...ref };
}

export function fromObjectRefItem(item: Record<string, unknown> | undefined): ObjectRef | undefined {
  if (!item) return undefined;
  return { objectKey: String(item.objectKey), committedAt: Number(item.committedAt), batchCount: Number(item.batchCount) };
}

/** A produce commit's ref item; its condition fails when the object was committed already. */
export function objectRefPut(ctx: SluiceContext, ref: ObjectRef): TransactItem {
  return { Put: { TableName: ctx.tables.log, Item: toObjectRefItem(ref), ConditionExpression: 'attribute_not_exists(pk)' } };
}

/**
 * Compaction's count of one more swapped batch of an object it wrote, whose first swap
 * created the ref item (`objectRefPut`): only while the ref item exists, so a batch is
 * never indexed to an object retention may already have retired.
 */
export function objectRefCountUp(ctx: SluiceContext, objectKey: string): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.log,
      Key: objectRefKey(objectKey),
      UpdateExpression: 'SET batchCount = batchCount + :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/**
 * Releasing one of the object's batches while others remain: `batchCount` counts the
 * object's index items that still exist, so it goes down by one in the same transaction
 * that deletes one of them (under `attribute_exists`, so no batch is released twice).
 * Refused when the item is gone or this would be the last batch: the last one is
 * released by deleting the ref item instead (`objectRefDeleteLast`).
 */
export function objectRefCountDown(ctx: SluiceContext, objectKey: string): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.log,
      Key: objectRefKey(objectKey),
      UpdateExpression: 'SET batchCount = batchCount - :one',
      ConditionExpression: 'batchCount > :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/**
 * Deleting the ref item along with the object's last batch: only while at most that one
 * batch is counted (or the item is already gone, which makes a rerun a no-op). Put it in
 * a transaction with a check that the last index item still exists, so a stale read of
 * the count can never retire an object another batch still references.
 */
export function objectRefDeleteLast(ctx: SluiceContext, objectKey: string): TransactItem {
  return {
    Delete: {
      TableName: ctx.tables.log,
      Key: objectRefKey(objectKey),
      ConditionExpression: 'attribute_not_exists(pk) OR batchCount <= :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/** Whether some commit references the object (a strongly consistent read). */
export async function isObjectReferenced(ctx: SluiceContext, objectKey: string): Promise<boolean> {
  const ref = await ctx.ddb.send(new GetCommand({ TableName: ctx.tables.log, Key: objectRefKey(objectKey), ConsistentRead: true }));
  return ref.Item !== undefined;
}

/** The keys among `objectKeys` that have a ref item (strongly consistent; unknown is an error, never "unreferenced"). */
export async function referencedObjectKeys(ctx: SluiceContext, objectKeys: readonly string[]): Promise<Set<string>> {
  const objectKeyOfPk = new Map(objectKeys.map((key) => [objectRefKey(key).pk, key]));
  const found = await batchGetAll(ctx, objectKeys.map((key) => ({ table: ctx.tables.log, key: objectRefKey(key) })), { projection: 'pk' });
  return new Set(found.map(({ item }) => objectKeyOfPk.get(String(item.pk))).filter((key): key is string => key !== undefined));
}

/** `batchCount` of each object's ref item (strongly consistent); absent when it has none. */
export async function readBatchCounts(ctx: SluiceContext, objectKeys: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { item } of await batchGetAll(ctx, objectKeys.map((key) => ({ table: ctx.tables.log, key: objectRefKey(key) })))) {
    const ref = fromObjectRefItem(item);
    if (ref) counts.set(ref.objectKey, ref.batchCount);
  }
  return counts;
}

/** Deletes the objects' ref items (unconditionally); answers how many keys were sent. */
export function deleteObjectRefs(ctx: SluiceContext, objectKeys: readonly string[]): Promise<number> {
  return batchDeleteAll(ctx, ctx.tables.log, objectKeys.map(objectRefKey));
}
