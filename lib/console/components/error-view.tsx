import type { ShownError } from '../model/errors';

/** An API error as the console shows it: code, message and the field it names. */
export function ErrorView({ error, onRetry }: { error: ShownError; onRetry?: () => void }) {
  return (
    <div class="error" role="alert" data-error-code={error.code}>
      <strong class="error-code">{error.code}</strong>
      {error.status !== undefined && <span class="error-status"> (HTTP {error.status})</span>}
      <span class="error-message">: {error.message}</span>
      {error.field !== undefined && (
        <span class="error-field" data-error-field={error.field}>
          {' '}
          (field <code>{error.field}</code>)
        </span>
      )}
      {onRetry && (
        <button type="button" class="link" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
