import { matchPath, type RouteSpec } from '../../lib/protocol/routes';
import type { MatchedRoute } from './api-gateway-event';

/**
 * Matches request paths against API Gateway route paths with `{name}` parameters, and
 * falls back to the `$default` route as API Gateway does for a request no route matches.
 */
export class RouteTable<T> {
  private readonly routes: { method: string; path: string; routeKey: string; target: T }[] = [];
  private fallback: T | undefined;

  add(route: RouteSpec, target: T): void {
    this.routes.push({ method: route.method, path: route.path, routeKey: `${route.method} ${route.path}`, target });
  }

  /** The target of API Gateway's `$default` route key. */
  setDefault(target: T): void {
    this.fallback = target;
  }

  /** The matching route, else the `$default` route, else nothing. */
  match(method: string, path: string): { route: MatchedRoute; target: T } | undefined {
    for (const candidate of this.routes) {
      if (candidate.method !== method && candidate.method !== 'ANY') continue;
      const params = matchPath(candidate.path, path);
      if (!params) continue;
      const route: MatchedRoute = { routeKey: candidate.routeKey, ...(Object.keys(params).length ? { pathParameters: params } : {}) };
      return { route, target: candidate.target };
    }
    return this.fallback === undefined ? undefined : { route: { routeKey: '$default' }, target: this.fallback };
  }
}
