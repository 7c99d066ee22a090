/**
 * `work` over every item, at most `limit` at once, answers in the items' order. The
 * admin APIs take a list of any length in one frame (a 16 MiB CreateTopics can name a
 * million topics); one storage call per item all at once would let a single request
 * hold a million promises and calls in flight.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Topics (or resources) an admin request works on at once. */
export const ADMIN_CONCURRENCY = 8;
