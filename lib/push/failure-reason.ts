/**
 * The reason a delivery failed, as the lease's `lastError` and the dead letters'
 * `sluice.dlq.error` keep it: it must say which target and why, since it is all an
 * operator sees of a failure that happened in the dispatcher.
 */

/** A target URL as reasons name it: origin and path, no credentials or query (dead letters may have other readers than the subscription). */
export function targetLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url;
  }
}

const GENERIC_NAMES = new Set(['Error', 'TypeError']);
const MAX_CHAIN = 8;

/**
 * Why a request failed, from an error and its `cause` chain. fetch reports every
 * network failure as `TypeError: fetch failed` with the reason in `cause` (a TLS
 * verification error, ECONNREFUSED, ENOTFOUND, UND_ERR_CONNECT_TIMEOUT), so the
 * innermost message and code are the reason: `certificate has expired (CERT_HAS_EXPIRED)`.
 */
export function describeFailure(error: unknown): string {
  let message = '';
  let code: string | undefined;
  const seen = new Set<unknown>();
  for (let current: unknown = error; current != null && !seen.has(current) && seen.size < MAX_CHAIN; current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const text = messageOf(current);
    if (text) message = text;
    const own = (current as { code?: unknown }).code;
    if (typeof own === 'string' && own !== '') code = own;
    else if (current instanceof Error && !GENERIC_NAMES.has(current.name) && text) code = current.name; // e.g. TimeoutError
    if (typeof current !== 'object') break;
  }
  if (!message) return code ?? 'unknown error';
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return typeof error === 'object' ? '' : String(error);
  if (error.message) return error.message;
  // AggregateError (every address of a host refused) has no message of its own.
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) ? [...new Set(errors.map(messageOf).filter(Boolean))].join('; ') : '';
}
