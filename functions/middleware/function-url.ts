import type { Context } from 'aws-lambda';
import { MethodNotAllowedError, RouteNotFoundError } from '../../lib/core/errors';
import type { HttpEvent, HttpResult, StreamingHttpResult } from './http';

/**
 * A Lambda function URL's request as the route handlers take it. A function URL sends
 * payload format 2.0, the HTTP API's event shape, but for its one `$default` route: no
 * `pathParameters`, no route key. Routing it here to a module's `streamHandler`, with the
 * path parameters filled in as API Gateway fills them (still URL-encoded; `pathParam`
 * decodes them), lets the same handler code serve the HTTP API, the local platform and
 * the function URL (functions/http/stream-reads.ts).
 */

/** What a handler module exports for a platform that can stream a response. */
export type StreamHandler = (event: HttpEvent, context: Context) => Promise<HttpResult | StreamingHttpResult>;

export interface StreamRoute {
  /** A route path as API Gateway writes it: `{name}` matches one segment; a last `{name+}` matches the rest (at least one segment). */
  readonly path: string;
  readonly methods: readonly string[];
  readonly handler: StreamHandler;
}

/** The parameters of `path` matched against `pattern`, or undefined when it does not match. */
export function matchRoutePath(pattern: string, path: string): Record<string, string> | undefined {
  const wanted = pattern.split('/');
  const parts = path.split('/');
  const params: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i++) {
    const segment = wanted[i]!;
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.startsWith('{') && segment.endsWith('+}') && i === wanted.length - 1) {
      const rest = parts.slice(i).join('/');
      if (rest === '') return undefined;
      params[segment.slice(1, -2)] = rest;
      return params;
    }
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (part === '') return undefined;
      params[segment.slice(1, -1)] = part;
    } else if (segment !== part) {
      return undefined;
    }
  }
  return wanted.length === parts.length ? params : undefined;
}

/**
 * The route serving the request and the event as it would have reached that route through
 * the HTTP API (`routeKey`, `pathParameters`); 404 ROUTE_NOT_FOUND or 405 METHOD_NOT_ALLOWED
 * (with Allow) otherwise, as the HTTP API's `$default` route answers.
 */
export function routeFunctionUrlEvent(routes: readonly StreamRoute[], event: HttpEvent): { route: StreamRoute; event: HttpEvent } {
  const method = event.requestContext.http.method;
  const path = event.rawPath;
  const allow: string[] = [];
  for (const route of routes) {
    const pathParameters = matchRoutePath(route.path, path);
    if (!pathParameters) continue;
    if (!route.methods.includes(method)) {
      allow.push(...route.methods.filter((m) => !allow.includes(m)));
      continue;
    }
    const routeKey = `${method} ${route.path}`;
    return {
      route,
      event: {
        ...event,
        routeKey,
        requestContext: { ...event.requestContext, routeKey },
        ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
      },
    };
  }
  // The path is echoed back, but never at any length.
  const echoed = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  if (allow.length > 0) throw new MethodNotAllowedError(method, echoed, allow);
  throw new RouteNotFoundError(method, echoed);
}
