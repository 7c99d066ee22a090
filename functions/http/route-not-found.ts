import middy from '@middy/core';
import { MethodNotAllowedError, RouteNotFoundError } from '../../lib/core/errors';
import { isPreflight, isPreflightRoute } from '../../lib/protocol/cors';
import { allowedMethods } from '../../lib/protocol/routes';
import { callerOf } from '../middleware/caller';
import { httpErrors, type HttpEvent, type HttpResult } from '../middleware/http';
import { observability } from '../middleware/observability';

/**
 * The `$default` route: API Gateway sends here every request that matches no route, so
 * an unknown path is a 404 and a wrong method a 405 in the API's own error shape. Deployed
 * with CORS on, it serves the preflight routes too.
 */
async function main(event: HttpEvent): Promise<HttpResult> {
  // The preflight routes (deployed with CORS on) have no authorizer, since browsers send
  // preflights without credentials: a preflight gets an empty 204, to which API Gateway
  // adds the CORS headers; anything else sent there is authenticated below.
  if (isPreflightRoute(event.routeKey) && isPreflight(event.requestContext.http.method, event.headers ?? {})) return { statusCode: 204 };
  // Authenticated like every route: callers without credentials learn nothing more.
  callerOf(event);
  const method = event.requestContext.http.method;
  const allow = allowedMethods(event.rawPath);
  // The path is echoed back, but never at any length.
  const path = event.rawPath.length > 200 ? `${event.rawPath.slice(0, 200)}…` : event.rawPath;
  if (allow.length > 0) throw new MethodNotAllowedError(method, path, allow);
  throw new RouteNotFoundError(method, path);
}

export const handler = middy(main).use(observability()).use(httpErrors());
