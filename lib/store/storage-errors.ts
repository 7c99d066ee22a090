/**
 * How storage failures are classified, once, for every entry point (HTTP handlers,
 * stream triggers, schedules): a throttle, a storage-side 5xx, a timeout or a refused
 * or dropped connection is "busy or unreachable, try later" once the SDK's own retries
 * are spent, which the API answers as a retriable 503 SERVICE_BUSY rather than a 500.
 */
const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'SlowDown',
  'ServiceUnavailable',
  'InternalServerError',
  'TransactionConflictException',
]);

/** Connection failures to the storage services (Node's codes): transient, as a throttle is. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/**
 * Why an AWS error means "busy or unreachable, try later" once the SDK's own retries are
 * spent (a retriable 503, not a 500): a throttle or a storage-side 5xx by name, a timeout,
 * or a refused or dropped connection. Undefined for anything else.
 */
export function transientStorageCause(error: Error | null | undefined): string | undefined {
  if (!error) return undefined;
  if (THROTTLING.has(error.name) || error.name === 'TimeoutError') return error.name;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && NETWORK_CODES.has(code) ? `unreachable: ${code}` : undefined;
}
