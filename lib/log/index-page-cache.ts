import { TtlCache } from '../core/ttl-cache';
import type { SegmentIndexEntry } from '../store/segment-index-store';

/**
 * The index entries a container last read for each partition, so a reader going through
 * a partition in order makes one index Query per page (16 batches), not one per fetch:
 * the fetch then reads the head beside the batches' GETs instead of before them.
 *
 * Safe to serve because what an index item says stays true while its object exists: an
 * item is deleted by retention (which first moves the head's log start past it, and fetch
 * checks the offset against the head it reads) or with its topic (whose id changes), and
 * compaction replaces items only by ones that hold the same records less superseded ones,
 * retiring the old objects afterwards. A fetch that finds a batch's object gone forgets
 * the partition's page and reads the index again (fetch-records.ts). The TTL bounds how
 * long a container keeps entries at all.
 */
export const INDEX_PAGE_CACHE_MS = 60_000;
/** Partitions whose page a container keeps (a page is at most 16 entries of about 300 bytes). */
export const INDEX_PAGE_CACHE_ENTRIES = 1024;

const pages = new TtlCache<string, readonly SegmentIndexEntry[]>({ ttlMs: INDEX_PAGE_CACHE_MS, maxEntries: INDEX_PAGE_CACHE_ENTRIES });

const keyOf = (topicId: string, partition: number) => `${topicId}#${partition}`;

/** The cached entries from the one holding `offset` on (contiguous, in offset order), if the partition's page holds it. */
export function cachedEntriesFrom(topicId: string, partition: number, offset: number, now: number): SegmentIndexEntry[] | undefined {
  const hit = pages.lookup(keyOf(topicId, partition), now);
  if (!hit) return undefined;
  const i = hit.value.findIndex((entry) => entry.baseOffset <= offset && offset <= entry.lastOffset);
  return i < 0 ? undefined : hit.value.slice(i);
}

/** Keeps a page of committed index entries (as a Query answered them: contiguous, in offset order). */
export function rememberEntries(topicId: string, partition: number, entries: readonly SegmentIndexEntry[], now: number): void {
  if (entries.length > 0) pages.set(keyOf(topicId, partition), entries, now);
}

/** Forgets the partition's page: it named an object that is gone. */
export function forgetEntries(topicId: string, partition: number): void {
  pages.delete(keyOf(topicId, partition));
}

/** Forgets every page (tests). */
export function clearIndexPageCache(): void {
  pages.clear();
}
