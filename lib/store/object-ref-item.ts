/**
 * The Log table item that marks a segment object as committed. Owned here alone.
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

type ConditionalWrite = { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> };

/**
 * Releasing one of the object's batches while others remain: `batchCount` counts the
 * object's index items that still exist, so it goes down by one in the same transaction
 * that deletes one of them (under `attribute_exists`, so no batch is released twice).
 * Refused when the item is gone or this would be the last batch: the last one is
 * released by deleting the ref item instead (`releaseLastBatchCondition`).
 */
export function releaseBatchUpdate(): ConditionalWrite & { UpdateExpression: string } {
  return {
    UpdateExpression: 'SET batchCount = batchCount - :one',
    ConditionExpression: 'batchCount > :one',
    ExpressionAttributeValues: { ':one': 1 },
  };
}

/**
 * Deleting the ref item along with the object's last batch: only while at most that one
 * batch is counted (or the item is already gone, which makes a rerun a no-op). Put it in
 * a transaction with a check that the last index item still exists, so a stale read of
 * the count can never retire an object another batch still references.
 */
export function releaseLastBatchCondition(): ConditionalWrite {
  return { ConditionExpression: 'attribute_not_exists(pk) OR batchCount <= :one', ExpressionAttributeValues: { ':one': 1 } };
}
