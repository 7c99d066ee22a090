import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { shownError, type ShownError } from '../model/errors';

export interface Loaded<T> {
  data?: T;
  error?: ShownError;
  loading: boolean;
  /** Loads again, keeping the shown data until the new answer comes. */
  reload(): void;
}

/**
 * Runs `load` when `deps` change (and on `reload`), and every `refreshMs` if given; an
 * answer that arrives after a newer load started is dropped, so a slow old answer never
 * overwrites a newer one.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], refreshMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ShownError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    const run = ++latest.current;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(abort.signal).then(
      (data) => run === latest.current && setState({ data, loading: false }),
      (error) => run === latest.current && !abort.signal.aborted && setState((s) => ({ data: s.data, error: shownError(error), loading: false })),
    );
    return () => abort.abort();
    // The caller names what the load depends on, as with useEffect.
  }, [...deps, tick]);
  useEffect(() => {
    if (!refreshMs) return;
    const timer = setInterval(reload, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, reload]);
  return { ...state, reload };
}
