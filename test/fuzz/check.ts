import type { WireResponse } from './http';
import type { Expect } from './mutations';

/**
 * What every answer to an invalid request must be: never a 5xx, a 4xx (a 2xx is a
 * bad request accepted), exactly the API's error shape, a `field` on every 400 (the
 * mutated one) and a `limit` where a limit was crossed; 405 with `Allow`; 404
 * ROUTE_NOT_FOUND for unknown paths.
 */
export type FailureKind = 'server-error' | 'accepted' | 'unexpected-status' | 'malformed-error' | 'wrong-field' | 'wrong-limit' | 'auth-leak' | 'state-change' | 'transport';

/** Most severe first: a response's kind is its first problem's. */
export const FAILURE_KINDS: readonly FailureKind[] = ['server-error', 'transport', 'accepted', 'state-change', 'unexpected-status', 'malformed-error', 'auth-leak', 'wrong-field', 'wrong-limit'];

export interface Problem {
  readonly kind: FailureKind;
  readonly message: string;
}

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly retriable: boolean;
  readonly field?: unknown;
  readonly limit?: unknown;
  readonly [key: string]: unknown;
}

const CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/** The error object if the body is exactly `{"error":{code,message,retriable,...}}`, else the reasons it is not. */
export function parseErrorBody(response: WireResponse): { error?: ErrorBody; problems: string[] } {
  const problems: string[] = [];
  if (!/^application\/json\b/i.test(response.headers['content-type'] ?? '')) problems.push(`content-type is ${JSON.stringify(response.headers['content-type'] ?? null)}, not application/json`);
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return { problems: [...problems, `body is not JSON: ${JSON.stringify(response.text.slice(0, 200))}`] };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problems: [...problems, 'body is not an object'] };
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'error') problems.push(`body has keys ${JSON.stringify(keys)}, not just "error"`);
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return { problems: [...problems, '"error" is not an object'] };
  const e = error as Record<string, unknown>;
  if (typeof e.code !== 'string' || !CODE.test(e.code)) problems.push(`code ${JSON.stringify(e.code)} is not a non-empty UPPER_SNAKE string`);
  if (typeof e.message !== 'string') problems.push(`message ${JSON.stringify(e.message)} is not a string`);
  if (typeof e.retriable !== 'boolean') problems.push(`retriable ${JSON.stringify(e.retriable)} is not a boolean`);
  if ('field' in e && (typeof e.field !== 'string' || e.field === '')) problems.push(`field ${JSON.stringify(e.field)} is not a non-empty string`);
  if ('limit' in e && typeof e.limit !== 'number' && typeof e.limit !== 'string') problems.push(`limit ${JSON.stringify(e.limit)} is not a number or string`);
  return { error: e as ErrorBody, problems };
}

export function fieldMatches(actual: string, expect: Expect): boolean {
  if (actual === expect.field) return true;
  const prefix = expect.fieldPrefix;
  return prefix !== undefined && (actual === prefix || actual.startsWith(`${prefix}.`) || actual.startsWith(`${prefix}[`));
}

export interface CheckInput {
  readonly response: WireResponse;
  readonly expect: Expect;
  /** The methods served at the request's path (for a 405's Allow). */
  readonly allowed: readonly string[];
  /** For a caller without rights: the 403 its valid base request gets; the answer must be the same. */
  readonly sameAs403?: ErrorBody;
}

export function checkResponse({ response, expect, allowed, sameAs403 }: CheckInput): Problem[] {
  const problems: Problem[] = [];
  const { status } = response;
  if (status < 500 && expect.tolerated?.includes(status)) return problems;
  if (status >= 500) problems.push({ kind: 'server-error', message: `status ${status}` });
  else if (status < 400) problems.push({ kind: 'accepted', message: `status ${status}: the bad request was accepted` });
  else if (sameAs403 && status !== 403) problems.push({ kind: 'auth-leak', message: `status ${status} to a caller without rights: the body was validated before authorization (expected the 403 of the valid request)` });
  else if (!expect.status.includes(status)) problems.push({ kind: 'unexpected-status', message: `status ${status}, expected ${expect.status.join(' or ')}` });
  if (status < 400 || expect.noBody) return problems;

  const { error, problems: shape } = parseErrorBody(response);
  for (const message of shape) problems.push({ kind: 'malformed-error', message });
  if (!error) return problems;

  if (expect.code && status !== 403 && expect.status.includes(status) && error.code !== expect.code) problems.push({ kind: 'unexpected-status', message: `code ${error.code}, expected ${expect.code}` });
  if (status === 403 && error.code !== 'ACCESS_DENIED' && !(expect.code === error.code && expect.status.includes(403))) {
    problems.push({ kind: 'unexpected-status', message: `403 with code ${error.code}, expected ACCESS_DENIED` });
  }
  if (status === 405) {
    const allow = (response.headers.allow ?? '').split(',').map((m) => m.trim()).filter(Boolean);
    if (!response.headers.allow) problems.push({ kind: 'malformed-error', message: '405 without an Allow header' });
    else if (allow.length !== allowed.length || !allowed.every((m) => allow.includes(m))) problems.push({ kind: 'malformed-error', message: `Allow: ${response.headers.allow}, expected ${allowed.join(', ')}` });
  }
  if (status === 400 && !sameAs403) {
    if (typeof error.field !== 'string' || error.field === '') {
      if (!('field' in error)) problems.push({ kind: 'malformed-error', message: '400 without a field' });
    } else if (expect.field !== undefined && !fieldMatches(error.field, expect)) {
      problems.push({ kind: 'wrong-field', message: `field ${JSON.stringify(error.field)}, expected ${JSON.stringify(expect.field)}${expect.fieldPrefix ? ` (or under ${expect.fieldPrefix})` : ''}` });
    }
    if (expect.limit !== undefined) {
      if (!('limit' in error)) problems.push({ kind: 'malformed-error', message: `400 without a limit (expected ${expect.limit === true ? 'one' : JSON.stringify(expect.limit)})` });
      else if (expect.limit !== true && String(error.limit) !== String(expect.limit)) problems.push({ kind: 'wrong-limit', message: `limit ${JSON.stringify(error.limit)}, expected ${JSON.stringify(expect.limit)}` });
    }
  }
  if (sameAs403 && status === 403 && JSON.stringify(error) !== JSON.stringify(sameAs403)) {
    problems.push({ kind: 'auth-leak', message: `the 403 differs from the valid request's: ${JSON.stringify(error)} vs ${JSON.stringify(sameAs403)}` });
  }
  return problems;
}
