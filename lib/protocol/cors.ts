/**
 * Browser access to the HTTP API: the CORS rules and the security headers, in one place
 * for the two servers that apply them. Deployed, API Gateway's HTTP API answers CORS from
 * its `corsPreflight` configuration (infra/constructs/sluice-http-api.ts); locally,
 * infra/local/http-server.ts answers it the same way from these same lists. No
 * dependency: infra and functions both import it.
 */

/** Every method a route uses (lib/protocol/routes.ts) or the Durable Streams protocol does. */
export const CORS_ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Request headers a page may send beyond the CORS-safelisted ones. Lower case, as API
 * Gateway keeps them and browsers compare them.
 */
export const CORS_ALLOWED_HEADERS = [
  // Sluice's own API: bearer tokens (token and JWT auth), JSON or gzip bodies, SSE resumption.
  'authorization',
  'content-type',
  'content-encoding',
  'accept',
  'last-event-id',
  // A SigV4-signing browser client (IAM auth).
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  // The Durable Streams protocol's request headers.
  'stream-ttl',
  'stream-expires-at',
  'stream-seq',
  'stream-closed',
  'stream-forked-from',
  'stream-fork-offset',
  'stream-fork-sub-offset',
  'producer-id',
  'producer-epoch',
  'producer-seq',
  'if-none-match',
] as const;

/**
 * Response headers a page's script may read. Without this list a cross-origin script sees
 * only the safelisted ones (content-type, content-length, cache-control, ...), so a
 * Durable Streams client could not find its next offset.
 */
export const CORS_EXPOSED_HEADERS = [
  // Sluice's own API: a quota refusal's wait, a 405's methods, API Gateway's request id.
  'retry-after',
  'allow',
  'apigw-requestid',
  'content-type',
  // The Durable Streams protocol's response headers.
  'stream-next-offset',
  'stream-cursor',
  'stream-up-to-date',
  'stream-closed',
  'stream-ttl',
  'stream-expires-at',
  'stream-sse-data-encoding',
  'producer-epoch',
  'producer-seq',
  'producer-expected-seq',
  'producer-received-seq',
  'etag',
  'location',
] as const;

/**
 * How long a browser may reuse a preflight answer: Chromium's own cap (2 hours), so no
 * browser asks more often than it must. A shorter one would not make revoking an origin
 * faster: every actual answer carries (or lacks) Access-Control-Allow-Origin itself.
 */
export const CORS_MAX_AGE_SECONDS = 7200;

/**
 * The Durable Streams protocol's browser security headers, on every answer: no MIME
 * sniffing of a stream's bytes into something executable, and readable from any origin
 * by the fetches CORS allows (a page that embeds an answer directly gets it too).
 * Cache-Control is not among them: each route sets its own.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'cross-origin',
};

/**
 * The unauthenticated route a deployed API with CORS adds, for preflights only: API
 * Gateway's `$default` route (which has the authorizer) would otherwise catch every OPTIONS
 * request before its CORS answer, and a preflight never carries credentials. (An `ANY`
 * route gets an `OPTIONS` twin on its own path, for the same reason.) Their function
 * answers a preflight 204 (API Gateway adds the CORS headers) and anything else 401.
 */
export const PREFLIGHT_ROUTE = { method: 'OPTIONS', path: '/{proxy+}' } as const;

/** A route key of those preflight routes: no route of the API itself has OPTIONS. */
export function isPreflightRoute(routeKey: string | undefined): boolean {
  return routeKey?.startsWith(`${PREFLIGHT_ROUTE.method} `) ?? false;
}

/** Any origin: `*`. No credentials go with it, and none are needed: callers send a token, not cookies. */
export const ANY_ORIGIN = '*';

/**
 * The allowed origins from a comma-separated setting (SLUICE_CORS_ORIGINS locally, the
 * `corsOrigins` context deployed): exact origins (`https://app.example.com`,
 * `http://localhost:5173`) or `*` alone. Empty or unset allows none: CORS stays off.
 * Anything else throws, naming `setting`, so a typo fails at startup or synth rather than
 * as a browser's opaque "blocked by CORS policy".
 */
export function parseAllowedOrigins(raw: string | undefined, setting: string): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.includes(ANY_ORIGIN)) {
    if (entries.length > 1) throw new Error(`${setting}: '*' allows every origin and stands alone; got '${raw}'`);
    return [ANY_ORIGIN];
  }
  return [...new Set(entries.map((entry) => exactOrigin(entry, setting)))];
}

function exactOrigin(entry: string, setting: string): string {
  const example = 'an origin such as https://app.example.com or http://localhost:5173 (scheme, host and port only)';
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new Error(`${setting}: '${entry}' is not ${example}, nor '*'`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${setting}: '${entry}' must be http or https, ${example}`);
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/' || entry.endsWith('/')) {
    throw new Error(`${setting}: '${entry}' must be ${example}: no path, query, credentials or trailing slash`);
  }
  if (url.hostname.includes('*')) throw new Error(`${setting}: '${entry}': wildcards in a host are not supported; list each origin, or '*'`);
  // A browser sends the serialized origin (lower-case host, no default port); comparing
  // with anything else would never match.
  if (url.origin !== entry) throw new Error(`${setting}: '${entry}' is not how a browser names that origin; write '${url.origin}'`);
  return url.origin;
}

/**
 * Access-Control-Allow-Origin for a request from `origin`, or undefined when it gets none
 * (no Origin header, or an origin not allowed: the browser then withholds the answer).
 */
export function allowedOriginFor(allowed: readonly string[], origin: string | undefined): string | undefined {
  if (origin === undefined || allowed.length === 0) return undefined;
  if (allowed.includes(ANY_ORIGIN)) return ANY_ORIGIN;
  return allowed.includes(origin) ? origin : undefined;
}

/** A preflight: OPTIONS asking, for a cross-origin request, which method and headers it may use. */
export function isPreflight(method: string, headers: { origin?: string; 'access-control-request-method'?: string }): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

/**
 * The CORS headers of an actual (not preflight) answer to a request from `origin`. Vary:
 * Origin whenever the answer depends on it, so a cache never hands one origin's answer
 * to another.
 */
export function corsAnswerHeaders(allowed: readonly string[], origin: string | undefined): Record<string, string> {
  if (allowed.length === 0) return {};
  const allowOrigin = allowedOriginFor(allowed, origin);
  const vary: Record<string, string> = allowed.includes(ANY_ORIGIN) ? {} : { vary: 'origin' };
  if (allowOrigin === undefined) return vary;
  return { ...vary, 'access-control-allow-origin': allowOrigin, 'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(',') };
}

/**
 * The headers of a preflight's answer (204), as API Gateway's: the full lists whatever
 * was asked, for the browser to check against; none but Vary for an origin not allowed.
 */
export function preflightHeaders(allowed: readonly string[], origin: string | undefined): Record<string, string> {
  const allowOrigin = allowedOriginFor(allowed, origin);
  const vary: Record<string, string> = allowed.includes(ANY_ORIGIN) ? {} : { vary: 'origin' };
  if (allowOrigin === undefined) return vary;
  return {
    ...vary,
    'access-control-allow-origin': allowOrigin,
    'access-control-allow-methods': CORS_ALLOWED_METHODS.join(','),
    'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(','),
    'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
  };
}
