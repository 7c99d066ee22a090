/**
 * A small per-container cache: entries live at most `ttlMs` (by the clock the caller
 * passes, normally ctx.now), and at most `maxEntries` are kept, the least recently used
 * going first. It bounds how stale a read may be (the TTL is the time a change made
 * elsewhere takes to reach this container) and how much memory a container spends on
 * it, whatever the number of topics or principals it sees.
 */
export interface TtlCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
}

interface Entry<V> {
  value: V;
  loadedAt: number;
}

export class TtlCache<K, V> {
  // A Map iterates in insertion order; re-inserting on each hit keeps the least recently used first.
  private readonly entries = new Map<K, Entry<V>>();

  constructor(private readonly options: TtlCacheOptions) {}

  /** The entry as a hit, or `undefined` when it is absent or older than the TTL (and then dropped). */
  lookup(key: K, now: number): { value: V } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    // A clock that went backwards (now < loadedAt) also drops the entry: its age is unknown.
    if (now - entry.loadedAt > this.options.ttlMs || now < entry.loadedAt) return undefined;
    this.entries.set(key, entry);
    return { value: entry.value };
  }

  set(key: K, value: V, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, loadedAt: now });
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
  }

  /** The cached value, else what `load` answers (cached from `now` on; a failed load caches nothing). */
  async get(key: K, now: number, load: () => Promise<V>): Promise<V> {
    const hit = this.lookup(key, now);
    if (hit) return hit.value;
    const value = await load();
    this.set(key, value, now);
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
