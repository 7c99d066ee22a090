/**
 * Every route of the v1 HTTP API, by the function that serves it. The CDK stack and the
 * local runtime build their routes from this table (through infra/platform-spec.ts), and
 * the catch-all `$default` function uses it to tell an unknown path (404) from a known
 * path asked with the wrong method (405, with `Allow`).
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A route's method: one, or API Gateway's `ANY` (the Durable Streams routes, whose handler tells the methods apart). */
export type RouteMethod = HttpMethod | 'ANY';

export interface RouteSpec {
  readonly method: RouteMethod;
  /** API Gateway route path, with `{name}` path parameters and, last, at most one greedy `{name+}`. */
  readonly path: string;
}

export const ROUTES = {
  'create-topic': { method: 'POST', path: '/v1/topics' },
  'list-topics': { method: 'GET', path: '/v1/topics' },
  'describe-topic': { method: 'GET', path: '/v1/topics/{topic}' },
  'delete-topic': { method: 'DELETE', path: '/v1/topics/{topic}' },
  'alter-topic-config': { method: 'PATCH', path: '/v1/topics/{topic}' },
  'create-partitions': { method: 'POST', path: '/v1/topics/{topic}/partitions' },
  'produce-records': { method: 'POST', path: '/v1/topics/{topic}/records' },
  'fetch-records': { method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/records' },
  'list-offsets': { method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/offsets' },
  'list-topic-offsets': { method: 'GET', path: '/v1/topics/{topic}/offsets' },
  'trim-partition': { method: 'POST', path: '/v1/topics/{topic}/partitions/{partition}/trim' },
  'init-producer': { method: 'POST', path: '/v1/producers' },
  'join-group': { method: 'POST', path: '/v1/groups/{group}/members' },
  'heartbeat-member': { method: 'POST', path: '/v1/groups/{group}/members/{member}/heartbeat' },
  'leave-group': { method: 'DELETE', path: '/v1/groups/{group}/members/{member}' },
  'commit-offsets': { method: 'POST', path: '/v1/groups/{group}/offsets' },
  'get-group-offsets': { method: 'GET', path: '/v1/groups/{group}/offsets' },
  'list-groups': { method: 'GET', path: '/v1/groups' },
  'describe-group': { method: 'GET', path: '/v1/groups/{group}' },
  'delete-group': { method: 'DELETE', path: '/v1/groups/{group}' },
  'reset-group-offsets': { method: 'POST', path: '/v1/groups/{group}/reset-offsets' },
  'delete-group-offsets': { method: 'DELETE', path: '/v1/groups/{group}/offsets/{topic}' },
  'put-subscription': { method: 'PUT', path: '/v1/groups/{group}/subscription' },
  'get-subscription': { method: 'GET', path: '/v1/groups/{group}/subscription' },
  'delete-subscription': { method: 'DELETE', path: '/v1/groups/{group}/subscription' },
  'create-acl': { method: 'POST', path: '/v1/acls' },
  'list-acls': { method: 'GET', path: '/v1/acls' },
  'delete-acl': { method: 'DELETE', path: '/v1/acls/{rule}' },
  'set-quota': { method: 'PUT', path: '/v1/quotas' },
  'list-quotas': { method: 'GET', path: '/v1/quotas' },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** The path's parameters if `path` (a request path, not yet decoded) matches the route path `pattern`. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const wanted = pattern.split('/');
  const parts = path.split('/');
  const greedy = wanted.at(-1)!.endsWith('+}');
  if (greedy ? parts.length < wanted.length : wanted.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i++) {
    const segment = wanted[i]!;
    if (greedy && i === wanted.length - 1) {
      const rest = parts.slice(i).join('/');
      if (rest === '') return undefined;
      params[segment.slice(1, -2)] = rest;
      break;
    }
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

/** The methods the API serves at `path`, in route-table order; empty for a path it does not know. */
export function allowedMethods(path: string): HttpMethod[] {
  const methods: HttpMethod[] = [];
  for (const route of Object.values(ROUTES) as { method: HttpMethod; path: string }[]) {
    if (matchPath(route.path, path) && !methods.includes(route.method)) methods.push(route.method);
  }
  return methods;
}
