import type { RouteSpec } from '../platform-spec';
import type { MatchedRoute } from './api-gateway-event';

/** Matches request paths against API Gateway route paths with `{name}` parameters. */
export class RouteTable<T> {
  private readonly routes: { method: string; segments: string[]; routeKey: string; target: T }[] = [];

  add(route: RouteSpec, target: T): void {
    this.routes.push({ method: route.method, segments: route.path.split('/').slice(1), routeKey: `${route.method} ${route.path}`, target });
  }

  /** Returns the route, or `methodNotAllowed` when the path exists under other methods. */
  match(method: string, path: string): { route: MatchedRoute; target: T } | { methodNotAllowed: boolean } {
    const parts = path.split('/').slice(1);
    let pathExists = false;
    for (const candidate of this.routes) {
      const params = matchSegments(candidate.segments, parts);
      if (!params) continue;
      if (candidate.method !== method) {
        pathExists = true;
        continue;
      }
      const route: MatchedRoute = { routeKey: candidate.routeKey, ...(Object.keys(params).length ? { pathParameters: params } : {}) };
      return { route, target: candidate.target };
    }
    return { methodNotAllowed: pathExists };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i]!;
    const part = parts[i]!;
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (part === '') return undefined;
      params[segment.slice(1, -1)] = part;
    } else if (segment !== part) {
      return undefined;
    }
  }
  return params;
}
