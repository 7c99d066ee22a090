import fc from 'fast-check';
import { badStrings, enumInvalids, invalidValues, isObject, unknownKey } from './invalid-values';
import { cloneJson, encodeComponent, fieldName, getAt, setAt, stringifyJson, type Draft, type PathPart } from './request';
import type { ParamSpec, QuerySpec, Spec } from './spec';

/**
 * One change that makes a valid request invalid by construction, with what the API
 * must answer. Generated with fast-check from the route's input description, so each
 * route's table entry stays a few lines.
 */
export type Scope = 'body' | 'query' | 'path' | 'header' | 'method' | 'route';

export interface Expect {
  /** Statuses the answer may have. */
  readonly status: readonly number[];
  /** The error code a 404/405/415 must carry (a 405 also needs `Allow`: see check.ts). */
  readonly code?: string;
  /** The `field` a 400 must name: exactly this, or (inside a union) anything under `fieldPrefix`. */
  readonly field?: string;
  readonly fieldPrefix?: string;
  /** A limit was crossed: a 400 must carry `limit` (this value, or any when `true`). */
  readonly limit?: number | string | true;
  /** Junk the route may ignore (a Durable Streams cursor): these statuses are fine too, as long as nothing changes. */
  readonly tolerated?: readonly number[];
  /** The answer has no body (HEAD): its status is all there is to check. */
  readonly noBody?: boolean;
}

export interface Mutation {
  readonly scope: Scope;
  /** The mutation touches the resource the route authorizes on (its name, or a body it cannot be read from). */
  readonly resource: boolean;
  readonly label: string;
  apply(draft: Draft): void;
  readonly expect: Expect;
  /** A body checked before authorization, as every route's size limit is: a caller without rights may get its 4xx rather than the 403. */
  readonly beforeAuth?: boolean;
}

const BAD_REQUEST = [400] as const;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

// ---------------------------------------------------------------------------------
// Body sites: every field of the description that the base request can hold.

interface Site {
  readonly path: PathPart[];
  readonly spec: Spec;
  readonly value: unknown;
  /** Inside a union: a 400 may name the union's field instead of the exact one. */
  readonly unionRoot?: string;
  readonly resource: boolean;
}

function collectSites(spec: Spec, value: unknown, path: PathPart[], unionRoot: string | undefined, out: Site[]): void {
  const here = spec.type === 'string' ? Boolean(spec.resource) : false;
  // A union's own errors (and its entries') may be reported at the union.
  const selfRoot = unionRoot ?? ('union' in spec && spec.union ? fieldName(path) : undefined);
  if (path.length > 0) out.push({ path, spec, value, unionRoot: selfRoot, resource: here });
  const root = unionRoot ?? ('union' in spec && spec.union && path.length > 0 ? fieldName(path) : undefined);
  if (spec.type === 'object' && isObject(value)) {
    for (const [key, child] of Object.entries(spec.fields)) collectSites(child, value[key], [...path, key], root, out);
  } else if (spec.type === 'array' && Array.isArray(value) && value.length > 0) {
    collectSites(spec.of, value[0], [...path, 0], root, out);
  }
}

function bodyMutations(spec: Spec, base: unknown): fc.Arbitrary<Mutation>[] {
  const sites: Site[] = [{ path: [], spec, value: base, resource: false }];
  collectSites(spec, base, [], undefined, sites);
  const out: fc.Arbitrary<Mutation>[] = [];
  for (const site of sites) {
    // The root: only unknown keys (whole-body shapes are their own family).
    const at = fieldName(site.path);
    const all = invalidValues(site.spec, site.value, at);
    const invalids = site.path.length === 0 ? all.slice(1) : all;
    for (const family of invalids) {
      out.push(
        family.map((invalid): Mutation => {
          const key = 'key' in invalid ? invalid.key : undefined;
          const field = invalid.field ?? (key === undefined ? at : fieldName([...site.path, key]));
          return {
            scope: 'body',
            resource: site.resource,
            label: `${at || 'body'}: ${invalid.label}`,
            apply: (draft) => {
              const json = cloneJson((draft.body as { json: unknown }).json);
              const encoding = String((json as Record<string, unknown>).encoding ?? 'utf8');
              const value = invalid.make({ encoding, current: getAt(json, site.path) });
              draft.body = { json: setAt(json, site.path, value) };
            },
            expect: {
              status: invalid.status ?? BAD_REQUEST,
              field,
              ...(invalid.fieldPrefix !== undefined || site.unionRoot !== undefined ? { fieldPrefix: site.unionRoot ?? invalid.fieldPrefix } : {}),
              ...(invalid.limit === undefined ? {} : { limit: invalid.limit }),
            },
          };
        }),
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Whole bodies and headers.

const NOT_OBJECTS = ['null', '[]', '"x"', '1', 'true', '[{}]', '-0', '""', '[1,2]', '"{}"'];
const BAD_JSON = ['{', '{"a":', '{"name":"x",}', "{'name':'x'}", 'nul', '{"a":1}}', 'NaN', 'undefined', '{"a":01}', '{"a":"\\x"}', '{"a" 1}', '{,}', '\u0000'];

function wholeBodyMutations(bodyRequired: boolean, resource: boolean): fc.Arbitrary<Mutation>[] {
  const text = (label: string, make: (draft: Draft) => string): Mutation => ({
    scope: 'body',
    resource,
    label,
    apply: (draft) => {
      draft.body = { text: make(draft) };
    },
    expect: { status: BAD_REQUEST, field: 'body' },
  });
  const baseText = (draft: Draft) => stringifyJson((draft.body as { json: unknown } | undefined)?.json ?? {});
  const families = [
    fc.constantFrom(...NOT_OBJECTS).map((body) => text(`body is not an object: ${body}`, () => body)),
    fc.constantFrom(...BAD_JSON).map((body) => text(`invalid JSON ${JSON.stringify(body)}`, () => body)),
    fc.nat().map((n) =>
      text(`invalid JSON: the base body cut short (${n})`, (draft) => {
        const whole = baseText(draft);
        return whole.slice(0, 1 + (n % Math.max(1, whole.length - 1)));
      }),
    ),
    fc.constantFrom('x', '{}', ']', ' 1').map((tail) => text(`invalid JSON: the base body then ${JSON.stringify(tail)}`, (draft) => baseText(draft) + tail)),
    fc.constant(text('body nested 3000 lists deep', () => '['.repeat(3000) + ']'.repeat(3000))),
  ];
  if (bodyRequired) families.push(fc.constantFrom('', '   ', '\n').map((body) => text(`no body ${JSON.stringify(body)}`, () => body)));
  const encoding = fc.constantFrom('br', 'deflate', 'compress', 'x-bogus', 'gzip, br').map(
    (coding): Mutation => ({
      scope: 'header',
      resource: true,
      label: `content-encoding: ${coding}`,
      apply: (draft) => {
        draft.headers['content-encoding'] = coding;
      },
      expect: { status: [415], code: 'UNSUPPORTED_CONTENT_ENCODING' },
    }),
  );
  const notGzip = fc.constant<Mutation>({
    scope: 'header',
    resource: true,
    label: 'content-encoding: gzip on a plain body',
    apply: (draft) => {
      draft.headers['content-encoding'] = 'gzip';
    },
    expect: { status: BAD_REQUEST, field: 'body' },
  });
  return [...families, encoding, notGzip];
}

// ---------------------------------------------------------------------------------
// Path parameters, query parameters, methods and paths.

const BAD_ENCODINGS = ['%', '%G1', 'a%2', '%E0%A4', '%ED%A0%80', '%C0%AF', '%FF', '%80', 'abc%', '%%'];
// (Encoded dots are only invalid where `.` and `..` are: the dot-segment family below.)
const ENCODED_SPECIALS = ['%00', '%2F', 'a%2Fb', '%20', 'a%20b', '%C3%A9', '%F0%9F%98%80', '%0A', '%7F', '%C2%85', '%E2%80%AE', '%3F', '%23', '%5C', '%2A'];
const BAD_PARTITIONS: [string, number | undefined][] = [
  ['-1', 0],
  ['2147483648', 2147483647],
  ['99999999999999999999', 2147483647],
  ['1.5', undefined],
  ['abc', undefined],
  ['1e3', undefined],
  ['0x1', undefined],
  ['+1', undefined],
  ['%201', undefined],
  ['1%00', undefined],
  ['1%20', undefined],
  ['%ED%A0%80', undefined],
];

function pathMutations(name: string, spec: ParamSpec): fc.Arbitrary<Mutation>[] {
  const raw = (segment: string, label: string, extra: Partial<Expect> = {}): Mutation => ({
    scope: 'path',
    resource: true,
    label: `path {${name}} = ${label}`,
    apply: (draft) => {
      draft.rawParams[name] = segment;
    },
    expect: { status: BAD_REQUEST, field: name, ...extra },
  });
  if (spec.kind === 'partition') {
    return [fc.constantFrom(...BAD_PARTITIONS).map(([segment, limit]) => raw(segment, segment, limit === undefined ? {} : { limit }))];
  }
  const families = [
    fc.constantFrom(...BAD_ENCODINGS).map((segment) => raw(segment, `bad percent-encoding ${segment}`)),
    fc.constantFrom(...ENCODED_SPECIALS).map((segment) => raw(segment, segment)),
    fc.constant(raw('', 'empty', { status: [400, 404] })),
  ];
  // (An empty segment is its own case above: it is no longer this route's path.)
  for (const family of badStrings(spec.rule, { empty: false })) {
    families.push(family.map((invalid) => raw(encodeComponent(String(invalid.make({ encoding: 'utf8', current: undefined }))), invalid.label, invalid.limit === undefined ? {} : { limit: invalid.limit })));
  }
  if (spec.rule.noDots) families.push(fc.constantFrom('.', '..', '%2e', '%2E%2e', '.%2E', '%2e.').map((segment) => raw(segment, `dot segment ${segment}`)));
  return families;
}

function queryMutations(known: Readonly<Record<string, QuerySpec>>): fc.Arbitrary<Mutation>[] {
  const names = Object.keys(known);
  const put = (name: string, value: string, label: string, extra: Partial<Expect> = {}): Mutation => ({
    scope: 'query',
    resource: false,
    label: `query ${label}`,
    apply: (draft) => {
      draft.query = [...draft.query.filter(([k]) => k !== name), [name, value]];
    },
    expect: { status: BAD_REQUEST, field: name, ...extra },
  });
  const families = [
    unknownKey(names, ['limit', 'page', 'callback', 'X', 'constructor', 'toString', '__proto__', 'a b', 'é', 'offset[]']).map((key) => put(key, '1', `unknown parameter ${key}=1`)),
  ];
  for (const [name, spec] of Object.entries(known)) {
    if (spec.kind === 'int') {
      const values: [string, number | undefined][] = [
        [String(spec.min - 1), spec.min],
        [String(BigInt(spec.max) + 1n), spec.max],
        ['99999999999999999999', spec.max],
        ['1.5', undefined],
        ['abc', undefined],
        ['', undefined],
        ['1e309', undefined],
        ['0x10', undefined],
        [' 5', undefined],
        ['5 ', undefined],
        ['+5', undefined],
        ['1e3', undefined],
      ];
      families.push(fc.constantFrom(...values).map(([value, limit]) => put(name, value, `${name}=${JSON.stringify(value)}`, limit === undefined ? {} : { limit })));
      // Given twice: API Gateway joins the values with a comma ("1,2"), which is no integer.
      families.push(
        fc.constant<Mutation>({
          scope: 'query',
          resource: false,
          label: `query ${name} given twice`,
          apply: (draft) => {
            draft.query = [...draft.query.filter(([k]) => k !== name), [name, String(spec.min)], [name, String(spec.min + 1)]];
          },
          expect: { status: BAD_REQUEST, field: name },
        }),
      );
    } else if (spec.kind === 'enum') {
      families.push(enumInvalids(spec.values)[1]!.map((i) => put(name, String(i.make({ encoding: 'utf8', current: undefined })), `${name}: ${i.label}`)));
    } else {
      for (const family of badStrings(spec.rule)) {
        families.push(family.map((i) => put(name, String(i.make({ encoding: 'utf8', current: undefined })), `${name}: ${i.label}`, i.limit === undefined ? {} : { limit: i.limit })));
      }
    }
  }
  return families;
}

/** Matches a concrete request path (undecoded) against a route path with `{param}`s. */
export function pathMatches(pattern: string, path: string): boolean {
  const want = pattern.split('/');
  const have = path.split('/');
  // A greedy last parameter (`{proxy+}`) takes one or more segments.
  if (/^\{[^}]+\+\}$/.test(want[want.length - 1] ?? '')) {
    const fixed = want.slice(0, -1);
    return have.length > fixed.length && fixed.every((segment, i) => (segment.startsWith('{') ? have[i] !== '' : segment === have[i])) && have.slice(fixed.length).join('/') !== '';
  }
  return want.length === have.length && want.every((segment, i) => (segment.startsWith('{') ? have[i] !== '' : segment === have[i]));
}

/** The methods an `ANY` route's handler serves (the Durable Streams protocol's, its 405's Allow). */
export const ANY_ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'] as const;

export function methodsAt(patterns: readonly { method: string; path: string }[], path: string): string[] {
  return [...new Set(patterns.filter((r) => pathMatches(r.path, path)).flatMap((r) => (r.method === 'ANY' ? [...ANY_ROUTE_METHODS] : [r.method])))];
}

function methodMutations(routeMethods: readonly string[]): fc.Arbitrary<Mutation>[] {
  const others = METHODS.filter((m) => !routeMethods.includes(m));
  if (others.length === 0) return [];
  return [
    fc.constantFrom(...others).map((method) => ({
      scope: 'method' as const,
      resource: false,
      label: `method ${method}`,
      apply: (draft: Draft) => {
        draft.method = method;
      },
      // The checker compares Allow with the methods served at the request's path.
      expect: { status: [405], code: 'METHOD_NOT_ALLOWED' },
    })),
  ];
}

function unknownPathMutation(routes: readonly { method: string; path: string }[]): fc.Arbitrary<Mutation> {
  type Variant = (segments: string[]) => string[];
  const misspell = (s: string) => [s.slice(0, -1), `${s}s`, s.toUpperCase(), `${s}_`, `${s}%20`];
  const variants: fc.Arbitrary<[string, Variant]> = fc.oneof(
    fc.constantFrom('x', 'records', 'members', 'heartbeat', '0', 'subscription', 'offsets', '..').map((extra): [string, Variant] => [`append /${extra}`, (s) => [...s, extra]]),
    fc.constant<[string, Variant]>(['trailing slash', (s) => [...s, '']]),
    fc.nat().map((n): [string, Variant] => [`double slash (${n})`, (s) => { const at = 1 + (n % (s.length - 1)); return [...s.slice(0, at), '', ...s.slice(at)]; }]),
    fc.constantFrom('v2', 'V1', 'v1.0', 'api', 'v0').map((version): [string, Variant] => [`version ${version}`, (s) => ['', version, ...s.slice(2)]]),
    fc.tuple(fc.nat(), fc.nat()).map(([n, m]): [string, Variant] => [`misspelt segment (${n},${m})`, (s) => {
      const literals = s.map((seg, i) => [seg, i] as const).filter(([seg, i]) => i > 1 && /^[a-z]+$/.test(seg));
      if (literals.length === 0) return ['', 'v1', 'nope'];
      const [seg, i] = literals[n % literals.length]!;
      const options = misspell(seg);
      return s.map((x, j) => (j === i ? options[m % options.length]! : x));
    }]),
    fc.constant<[string, Variant]>(['last segment dropped', (s) => (s.length > 3 ? s.slice(0, -1) : ['', 'v1'])]),
    fc.constantFrom('/', '/v1', '/v1/', '/favicon.ico', '/v1/topics/x/partitions', '/v1/groups/g/members/m/heartbeat/x', '/v1/acls/r/x', '//', '/v1/quotas/alice').map((p): [string, Variant] => [`path ${p}`, () => p.split('/')]),
  );
  return variants.map(([label, variant]) => ({
    scope: 'route' as const,
    resource: false,
    label: `unknown path: ${label}`,
    apply: (draft: Draft) => {
      const base = draft.pattern.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeComponent(draft.params[name] ?? ''));
      let path = variant(base.split('/')).join('/') || '/';
      if (!path.startsWith('/')) path = `/${path}`;
      if (routes.some((r) => pathMatches(r.path, path))) path = '/v1/no-such-route';
      // Locally, GET and HEAD of `/` and `/console/…` are the web console's (infra/console/serve-console.ts), not the API's.
      if (['GET', 'HEAD'].includes(draft.method) && (path === '/' || path === '/console' || path.startsWith('/console/'))) path = '/v1/no-such-route';
      draft.rawPath = path;
    },
    expect: { status: [404], code: 'ROUTE_NOT_FOUND' },
  }));
}

// ---------------------------------------------------------------------------------

export interface RouteInputs {
  readonly method: string;
  readonly path: string;
  readonly params?: Readonly<Record<string, ParamSpec>>;
  readonly query?: Readonly<Record<string, QuerySpec>>;
  readonly body?: Spec;
  /** The body may be left out (init-producer). */
  readonly bodyOptional?: boolean;
  /** The body names the resource authorized on (create-topic's `name`). */
  readonly resourceInBody?: boolean;
}

/** Every family of mutations of one route and base body shape; each family is one fast-check arbitrary. */
export function mutationFamilies(route: RouteInputs, baseBody: unknown, routes: readonly { method: string; path: string }[]): fc.Arbitrary<Mutation>[] {
  const families: fc.Arbitrary<Mutation>[] = [];
  const pathMethods = routes.filter((r) => r.path === route.path).map((r) => r.method);
  families.push(...methodMutations(pathMethods), unknownPathMutation(routes), ...queryMutations(route.query ?? {}));
  for (const [name, spec] of Object.entries(route.params ?? {})) families.push(...pathMutations(name, spec));
  if (route.body) {
    families.push(...wholeBodyMutations(!route.bodyOptional, Boolean(route.resourceInBody)));
    families.push(...bodyMutations(route.body, baseBody));
  }
  return families;
}

