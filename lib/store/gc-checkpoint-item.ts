/**
 * The Log table item that records how far the orphan collector has got in one
 * segment key prefix (`seg/<2 hex>/`). Owned here alone.
 *
 *   pk = gc#<prefix>, e.g. gc#seg/3f/     sk = checkpoint
 *   decidedBefore  every segment object under the prefix whose key's written-at time
 *                  is earlier than this (epoch ms) has been decided: deleted, or kept
 *                  because a ref item named it. The next run lists the prefix with
 *                  StartAfter = <prefix><decidedBefore, 13 digits>.
 *   resets         how many times the checkpoint was moved back (absent: never)
 *   updatedAt      the writer's clock when it last moved
 *
 * `decidedBefore` only moves forward, except through a reset, which also bumps
 * `resets`. Moving forward is conditional on `resets` being what the collector read
 * when its run began, so a run that listed from before a reset cannot advance the
 * checkpoint back over it. Items without `ts` stay out of the `byTime` index, and the
 * Log stream's consumers filter on other sort keys. See docs/design.md, "Orphan objects".
 */
const GC_CHECKPOINT_PREFIX = 'gc#';
export const GC_CHECKPOINT_SORT_KEY = 'checkpoint';

export interface GcCheckpoint {
  /** The key prefix it covers, `seg/<2 hex>/`. */
  prefix: string;
  decidedBefore: number;
  resets: number;
  updatedAt: number;
}

export function gcCheckpointKey(prefix: string): { pk: string; sk: string } {
  return { pk: GC_CHECKPOINT_PREFIX + prefix, sk: GC_CHECKPOINT_SORT_KEY };
}

/** The prefix a checkpoint item's key names, or undefined for another item. */
export function prefixOfGcCheckpointKey(pk: unknown): string | undefined {
  return typeof pk === 'string' && pk.startsWith(GC_CHECKPOINT_PREFIX) ? pk.slice(GC_CHECKPOINT_PREFIX.length) : undefined;
}

export function fromGcCheckpointItem(item: Record<string, unknown> | undefined): GcCheckpoint | undefined {
  const prefix = prefixOfGcCheckpointKey(item?.pk);
  if (!item || prefix === undefined || item.sk !== GC_CHECKPOINT_SORT_KEY) return undefined;
  return { prefix, decidedBefore: Number(item.decidedBefore ?? 0), resets: Number(item.resets ?? 0), updatedAt: Number(item.updatedAt ?? 0) };
}

/**
 * The StartAfter of a listing that resumes at `decidedBefore`: it sorts after every
 * key written before that time and before every key written at or after it (the
 * written-at time is 13 digits, followed by `-`).
 */
export function gcCheckpointStartAfter(prefix: string, decidedBefore: number): string {
  return prefix + String(decidedBefore).padStart(13, '0');
}

/**
 * UpdateItem parts that move the checkpoint forward to `decidedBefore`, only if it is
 * further than the stored one and nobody reset it since the writer read `resetsSeen`.
 */
export function advanceGcCheckpointUpdate(
  decidedBefore: number,
  resetsSeen: number,
  now: number,
): { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> } {
  return {
    UpdateExpression: 'SET decidedBefore = :to, updatedAt = :now',
    ConditionExpression:
      '(attribute_not_exists(decidedBefore) OR decidedBefore < :to) AND ' +
      (resetsSeen === 0 ? '(attribute_not_exists(resets) OR resets = :resets)' : 'resets = :resets'),
    ExpressionAttributeValues: { ':to': decidedBefore, ':resets': resetsSeen, ':now': now },
  };
}

/**
 * UpdateItem parts that move an existing checkpoint back to `decidedBefore` and bump
 * `resets`; a missing checkpoint, or one already at or before that time, is left alone.
 */
export function resetGcCheckpointUpdate(
  decidedBefore: number,
  now: number,
): { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> } {
  return {
    UpdateExpression: 'SET decidedBefore = :to, updatedAt = :now ADD resets :one',
    ConditionExpression: 'decidedBefore > :to',
    ExpressionAttributeValues: { ':to': decidedBefore, ':now': now, ':one': 1 },
  };
}
