/** Pauses and backoff of the local stream trigger: sleeps that a set of wakers can cut short. */

const MAX_POLL_BACKOFF_MS = 5000;

/** The pause after `failures` consecutive failed polls: 250 ms doubling, capped at 5 s. */
export function backoff(failures: number): number {
  return Math.min(MAX_POLL_BACKOFF_MS, 250 * 2 ** Math.max(0, failures - 1));
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A sleep whose waker is in `sleepers` until it ends; calling the waker ends it early. */
export function sleepIn(sleepers: Set<() => void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      sleepers.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    sleepers.add(done);
  });
}
