import { gunzipSync } from 'node:zlib';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { emptyBodySchema, PATH_PARAMETERS, type PathParameter } from '../../lib/protocol/requests';
import { parseInput } from '../../lib/core/validate';
import { isWellFormed } from '../../lib/protocol/identifiers';
import { transientStorageCause } from '../../lib/store/storage-errors';
import { InternalError, MethodNotAllowedError, PayloadTooLargeError, ServiceBusyError, SluiceError, UnsupportedContentEncodingError, ValidationError } from '../../lib/core/errors';
import { LIMITS } from '../../lib/protocol/limits';
import { SECURITY_HEADERS } from '../../lib/protocol/cors';
import type { z } from 'zod/mini';
import { log } from './observability';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * `json(statusCode, { ...body, [field]: <the value rawJson encodes> })`, with `rawJson`
 * already rendered (records, rendered faster than JSON.stringify would: recordsJson).
 * The field keeps its place among body's keys.
 */
export function jsonWith(statusCode: number, body: Record<string, unknown>, field: string, rawJson: string): HttpResult {
  const marker = JSON.stringify(`\u0000${field}\u0000`);
  const text = JSON.stringify({ ...body, [field]: JSON.parse(marker) });
  const at = text.indexOf(marker);
  // Another value rendering as the marker would make the place ambiguous: render it all the slow way.
  if (at < 0 || text.indexOf(marker, at + 1) >= 0) return json(statusCode, { ...body, [field]: JSON.parse(rawJson) });
  return { statusCode, headers: { 'content-type': 'application/json' }, body: text.slice(0, at) + rawJson + text.slice(at + marker.length) };
}

export function noContent(): HttpResult {
  return { statusCode: 204 };
}

/**
 * An answer whose body is written as it is produced (server-sent events), for a platform
 * that can stream a response: the local platform (infra/local/http-server.ts). API
 * Gateway's HTTP API cannot, so no deployed handler answers one.
 */
export interface StreamingHttpResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  /** Writes the body through `write` (which resolves once the chunk is taken); stops when `signal` aborts (the client went away). */
  stream(write: (chunk: string) => Promise<void>, signal: AbortSignal): Promise<void>;
}

/**
 * Any error as the SluiceError the API answers: a SluiceError as it is, a storage failure
 * as 503 SERVICE_BUSY, anything else as a logged 500.
 */
export function knownError(error: Error | null | undefined): SluiceError {
  if (error instanceof SluiceError) return error;
  const transient = transientStorageCause(error);
  log({ level: transient ? 'WARN' : 'ERROR', message: transient ? 'storage busy or unreachable' : 'unhandled error', error: String(error), stack: error?.stack });
  return transient ? new ServiceBusyError(transient) : new InternalError();
}

/**
 * The answer middleware every HTTP handler ends with. Turns every error into the API's
 * error body (a SluiceError keeps its status and code; anything else is a logged 500), and
 * puts the browser security headers (lib/protocol/cors.ts) on every answer, error or not:
 * API Gateway adds none of its own, so this is the one place all deployed answers pass.
 */
export function httpErrors(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    after: async (request) => {
      if (request.response) request.response = withSecurityHeaders(request.response);
    },
    onError: async (request) => {
      const known = knownError(request.error);
      request.response = json(known.status, { error: known.toJSON() });
      // A quota refusal says when to come back, as HTTP's Retry-After.
      const retryAfter = (known as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter !== undefined) request.response.headers = { ...request.response.headers, 'retry-after': String(retryAfter) };
      if (known instanceof MethodNotAllowedError) request.response.headers = { ...request.response.headers, allow: known.allow.join(', ') };
      request.response = withSecurityHeaders(request.response);
    },
  };
}

/** An answer (a streamed one too: its `stream` is kept) with the security headers added; the handler's own headers win. */
export function withSecurityHeaders<R extends { headers?: HttpResult['headers'] }>(response: R): R {
  // Only a structured answer has headers to add to; Lambda's bare-string shorthand is left as it is.
  if (typeof response !== 'object' || response === null) return response;
  return { ...response, headers: { ...SECURITY_HEADERS, ...response.headers } };
}

/**
 * The JSON body, decompressed if it came gzip-encoded, size-checked, then validated against
 * `schema`. `fast`, when given, may answer for the common
 * valid body without the schema's walk; it answers undefined for anything else, which the
 * schema then judges (so every refusal is still the schema's).
 */
export function jsonBody<S extends z.core.$ZodType>(event: HttpEvent, schema: S, fast?: (input: unknown) => z.infer<S> | undefined): z.infer<S> {
  const text = bodyText(event);
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so a text this short is within the limit uncounted.
  const size = text.length * 3 <= LIMITS.requestBodyMaxBytes ? 0 : Buffer.byteLength(text, 'utf8');
  if (size > LIMITS.requestBodyMaxBytes) {
    throw new PayloadTooLargeError(`body: must be at most ${LIMITS.requestBodyMaxBytes} bytes, got ${size}`, { field: 'body', limit: LIMITS.requestBodyMaxBytes });
  }
  if (text.trim() === '') throw new ValidationError('body: a JSON body is required', { field: 'body' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError('body: is not valid JSON', { field: 'body' });
  }
  // The walk costs about as much as the parse on a 1,000-record produce; a text with neither the name nor a \u escape
  // (JSON could spell the name with escapes) cannot hold the key, and skips it.
  const reserved = text.includes('__proto__') || text.includes('\\u') ? reservedKeyPath(parsed, '') : undefined;
  if (reserved !== undefined) throw new ValidationError(`${reserved}: is not an allowed key`, { field: reserved });
  return fast?.(parsed) ?? parseInput(schema, parsed);
}

/**
 * The path of a `__proto__` key anywhere in a parsed body. JSON.parse keeps it as an own
 * key, but any object built from it by assignment (a record map, a config map) would
 * drop it silently; it is never a legal name here, so it is refused by name.
 */
function reservedKeyPath(value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (key === '__proto__' && !Array.isArray(value)) return at;
    const inner = reservedKeyPath(child, at);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/**
 * The body as text. A `content-encoding: gzip` body is decompressed (at most the body
 * limit, so a small bomb cannot make a large body); it must arrive as binary, which API
 * Gateway does for a binary content type such as `application/octet-stream`.
 */
function bodyText(event: HttpEvent): string {
  // A text body with no content coding is already the text: its UTF-8 bytes decode back to the
  // same string when it is well-formed (a lone surrogate would come back as U+FFFD), so the
  // round trip through a Buffer, two copies of up to a megabyte, is skipped.
  const raw = event.body ?? '';
  if (!event.isBase64Encoded && contentCoding(event) === 'identity' && isWellFormed(raw)) return raw;
  return requestBodyBytes(event).toString('utf8');
}

/** The body's content coding, `identity` when none is given. */
function contentCoding(event: HttpEvent): string {
  return (event.headers?.['content-encoding'] ?? '').trim().toLowerCase() || 'identity';
}

/**
 * The body's bytes, a `content-encoding: gzip` body decompressed (at most the body limit),
 * any other coding but `identity` refused (415): what every route with a body reads.
 */
export function requestBodyBytes(event: HttpEvent): Buffer {
  const raw = event.body ?? '';
  const encoding = (event.headers?.['content-encoding'] ?? '').trim().toLowerCase();
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (encoding === '' || encoding === 'identity') return bytes;
  if (encoding !== 'gzip') throw new UnsupportedContentEncodingError(encoding);
  try {
    return gunzipSync(bytes, { maxOutputLength: LIMITS.requestBodyMaxBytes + 1 });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(`body: must be at most ${LIMITS.requestBodyMaxBytes} bytes uncompressed`, { field: 'body', limit: LIMITS.requestBodyMaxBytes });
    }
    throw new ValidationError('body: is not valid gzip (send a compressed body with a binary content type, e.g. application/octet-stream, so it arrives intact)', {
      field: 'body',
    });
  }
}

/**
 * A path parameter, URL-decoded and validated by the rule of its name (`PATH_PARAMETERS`)
 * before anything uses it: an overlong name would otherwise reach DynamoDB's key limits.
 */
export function pathParam<K extends PathParameter>(event: HttpEvent, name: K): z.infer<(typeof PATH_PARAMETERS)[K]> {
  const value = event.pathParameters?.[name];
  if (value === undefined) throw new ValidationError(`${name}: path parameter is missing`, { field: name });
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw new ValidationError(`${name}: is not validly URL-encoded`, { field: name });
  }
  return parseInput(PATH_PARAMETERS[name], decoded, name) as z.infer<(typeof PATH_PARAMETERS)[K]>;
}

/** The query parameters, validated; a schema refuses parameters it does not know. */
export function query<S extends z.core.$ZodType>(event: HttpEvent, schema: S): z.infer<S> {
  return parseInput(schema, event.queryStringParameters ?? {});
}

/** For routes without a body: none, or an empty JSON object; anything else is a 400 naming it. */
export function noBody(event: HttpEvent): void {
  if ((event.body ?? '') === '') return;
  jsonBody(event, emptyBodySchema);
}
