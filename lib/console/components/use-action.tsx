import { useCallback, useState } from 'preact/hooks';
import { shownError, type ShownError } from '../model/errors';
import { ErrorView } from './error-view';

export interface Action {
  busy: boolean;
  error?: ShownError;
  /** Runs `work` with the form marked busy; a failure is kept as the error to show. True when it succeeded. */
  run(work: () => Promise<void>): Promise<boolean>;
  setError(error: ShownError | undefined): void;
}

/** The state every form that calls the API keeps: busy while its call runs, and the call's error. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ShownError | undefined>();
  const run = useCallback(async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (err) {
      setError(shownError(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}

/** A form's error, on its own line under the form's controls. */
export function FormError({ error, form }: { error: ShownError | undefined; form?: string }) {
  return error ? (
    <div class="form-error" data-form-error={form}>
      <ErrorView error={error} />
    </div>
  ) : null;
}
