/**
 * What this container's fetches read from S3 against what they answered, so a test or
 * the bench can hold read amplification to account (S3 bytes per record byte served)
 * without timing anything. Counters only grow; diff two snapshots around the calls of
 * interest.
 */
export interface FetchReadStats {
  /** Fetches that answered (records or empty). */
  fetches: number;
  /** Index Query pages read. */
  indexPages: number;
  /** Ranged S3 GETs sent (one per run of adjacent batches of one object). */
  segmentGets: number;
  /** Bytes those GETs asked for: the stored (possibly compressed) batches. */
  segmentBytesRead: number;
  /** The stored bytes of the batches that held a record the fetch answered. */
  segmentBytesServed: number;
  /** Records answered, and their bytes as `maxBytes` counts them (key, value, headers). */
  recordsServed: number;
  recordBytesServed: number;
}

const totals: FetchReadStats = emptyStats();

export function emptyStats(): FetchReadStats {
  return { fetches: 0, indexPages: 0, segmentGets: 0, segmentBytesRead: 0, segmentBytesServed: 0, recordsServed: 0, recordBytesServed: 0 };
}

/** A copy of the totals so far. */
export function fetchReadStats(): FetchReadStats {
  return { ...totals };
}

/** `later - earlier`, field by field. */
export function diffFetchReadStats(earlier: FetchReadStats, later: FetchReadStats): FetchReadStats {
  const delta = emptyStats();
  for (const field of Object.keys(delta) as (keyof FetchReadStats)[]) delta[field] = later[field] - earlier[field];
  return delta;
}

/** Adds one fetch's figures. */
export function countFetch(stats: FetchReadStats): void {
  for (const field of Object.keys(totals) as (keyof FetchReadStats)[]) totals[field] += stats[field];
}
