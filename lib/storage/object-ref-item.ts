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
