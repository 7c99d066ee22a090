/**
 * The S3 key layout, owned here alone.
 *
 *   seg/<2 hex chars>/<written-at ms, 13 digits>-<object id>.slc
 *
 * The two leading hex characters come from the random object id, so writes spread
 * evenly over 256 prefixes and S3's per-prefix request rates are not a ceiling. The
 * written-at time inside each prefix lets the orphan collector list objects by age.
 */
export const SEGMENT_ROOT = 'seg/';

export function segmentObjectKey(objectId: string, writtenAt: number): string {
  const hex = objectId.replace(/[^0-9a-f]/gi, '').toLowerCase();
  if (hex.length < 2) throw new Error(`Object id '${objectId}' needs at least two hex characters`);
  return `${SEGMENT_ROOT}${hex.slice(0, 2)}/${String(writtenAt).padStart(13, '0')}-${objectId}.slc`;
}

export interface ParsedSegmentKey {
  prefix: string;
  writtenAt: number;
  objectId: string;
}

export function parseSegmentObjectKey(key: string): ParsedSegmentKey | undefined {
  const match = /^seg\/([0-9a-f]{2})\/(\d{13})-(.+)\.slc$/.exec(key);
  if (!match) return undefined;
  return { prefix: match[1]!, writtenAt: Number(match[2]), objectId: match[3]! };
}

/** The 256 prefixes segment keys are written under, `seg/00/` … `seg/ff/`. */
export const SEGMENT_PREFIXES: readonly string[] = Array.from({ length: 256 }, (_, i) => `${SEGMENT_ROOT}${i.toString(16).padStart(2, '0')}/`);

/** The segment key prefix (`seg/<2 hex>/`) an object key lives under, or undefined for a key outside the layout. */
export function segmentPrefixOf(objectKey: string): string | undefined {
  const parsed = parseSegmentObjectKey(objectKey);
  return parsed ? `${SEGMENT_ROOT}${parsed.prefix}/` : undefined;
}
