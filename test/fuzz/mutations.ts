import fc from 'fast-check';
import { cloneJson, encodeComponent, fieldName, getAt, RawJson, setAt, stringifyJson, type Draft, type PathPart } from './request';
import { MAX_RETENTION_MS, RULES, type ParamSpec, type QuerySpec, type Spec, type StringRule } from './spec';

/**
 * One change that makes a valid request invalid by construction, with what the API
 * must answer. Generated with fast-check from the route's input description, so each
 * route's table entry stays a few lines.
 */
export type Scope = 'body' | 'query' | 'path' | 'header' | 'method' | 'route';

export interface Expect {
  /** Statuses the answer may have. */
  readonly status: readonly number[];
  /** The error code a 404/405/415 must carry. */
  readonly code?: string;
  /** The `field` a 400 must name: exactly this, or (inside a union) anything under `fieldPrefix`. */
  readonly field?: string;
  readonly fieldPrefix?: string;
  /** A limit was crossed: a 400 must carry `limit` (this value, or any when `true`). */
  readonly limit?: number | string | true;
  /** A 405 must list these methods in `Allow` (filled in from the path when checked). */
  readonly methodNotAllowed?: boolean;
}

export interface Mutation {
  readonly scope: Scope;
  /** The mutation touches the resource the route authorizes on (its name, or a body it cannot be read from). */
  readonly resource: boolean;
  readonly label: string;
  apply(draft: Draft): void;
  readonly expect: Expect;
}

const BAD_REQUEST = [400] as const;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

// ---------------------------------------------------------------------------------
// Invalid values per field rule.

interface MakeContext {
  /** The body's `encoding` (record data is base64 or utf8 text). */
  readonly encoding: string;
  /** The base value at the site. */
  readonly current: unknown;
}

interface Invalid {
  readonly label: string;
  readonly make: (ctx: MakeContext) => unknown;
  readonly limit?: number | string | true;
  readonly status?: readonly number[];
  /** The field a 400 names, when not the mutated path itself. */
  readonly field?: string;
  /** Or anything under this (a map's entries). */
  readonly fieldPrefix?: string;
}

const v = (label: string, value: unknown, extra: Partial<Invalid> = {}): Invalid => ({ label, make: () => value, ...extra });
const lazy = (label: string, make: (ctx: MakeContext) => unknown, extra: Partial<Invalid> = {}): Invalid => ({ label, make, ...extra });
const show = (value: unknown): string => (value instanceof RawJson ? value.text : typeof value === 'string' && value.length > 40 ? `${JSON.stringify(value.slice(0, 20))}… (${value.length} chars)` : stringifyJson(value));

function wrongTypes(nullable: boolean, exclude: 'string' | 'number' | 'boolean' | 'object' | 'array'): fc.Arbitrary<Invalid> {
  const all: [string, unknown][] = [
    ['string', 'x'],
    ['string', '1'],
    ['number', 1],
    ['number', 0],
    ['boolean', true],
    ['boolean', false],
    ['object', {}],
    ['object', { value: 1 }],
    ['array', []],
    ['array', ['x']],
  ];
  const values = all.filter(([type]) => type !== exclude).map(([, value]) => value);
  if (!nullable) values.push(null);
  return fc.constantFrom(...values).map((value) => v(`wrong type ${show(value)}`, value));
}

/** Where a field takes a list or a map (record headers), `[]` and `{}` are both valid: not wrong types. */
function notEmptyContainer(arb: fc.Arbitrary<Invalid>): fc.Arbitrary<Invalid> {
  return arb.filter((i) => {
    const value = i.make({ encoding: 'utf8', current: undefined });
    return !(Array.isArray(value) && value.length === 0) && !(isObject(value) && Object.keys(value).length === 0);
  });
}

// Characters outside [a-zA-Z0-9._-]: separators, quotes, controls, non-ASCII, invisible and bidi marks, a lone surrogate.
const BAD_NAME_CHARS = [' ', '/', '\\', '\u0000', '\n', '\t', '\u007f', 'é', 'ß', 'İ', '😀', '\u200b', '\u202e', '\u00a0', '\ufeff', '\uffff', '\ud800', '%', '*', ':', '#', '?', '"', "'", '<', '>', '+', '=', '@', '~', '!', '$', '&', ',', ';', '^', '`', '{', '|', '}', '[', ']', '(', ')'];
const CONTROL_CHARS = ['\u0000', '\u0001', '\u0008', '\n', '\r', '\t', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f'];
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff', '\udc00\ud800'];

const affix = fc.stringMatching(/^[a-z0-9]{0,6}$/);
const badNameChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BAD_NAME_CHARS) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0, max: 0x10ffff })
      .filter((cp) => (cp < 0xd800 || cp > 0xdfff) && !/^[a-zA-Z0-9._-]$/.test(String.fromCodePoint(cp)))
      .map((cp) => String.fromCodePoint(cp)),
  },
);
const withInside = (inside: fc.Arbitrary<string>) => fc.tuple(affix, inside, affix).map(([a, b, c]) => a + b + c);

/** Strings the rule refuses (not wrong types), each with the limit it crosses, if any. */
function badStrings(rule: StringRule, { empty = true } = {}): fc.Arbitrary<Invalid>[] {
  const families: fc.Arbitrary<Invalid>[] = [];
  if (empty && rule.min >= 1) families.push(fc.constant(v('empty', '', { limit: rule.min })));
  if (rule.min > 1) families.push(fc.constant(lazy(`${rule.min - 1} characters`, () => 'a'.repeat(rule.min - 1), { limit: rule.min })));
  const over = rule.max + 1;
  if (rule.unit === 'chars') {
    families.push(fc.constant(lazy(`${over} characters`, () => 'a'.repeat(over), { limit: rule.max })));
  } else {
    // In bytes: ASCII, and two- and four-byte characters that stay within the limit in UTF-16 units.
    families.push(
      fc.constantFrom(
        lazy(`${over} ASCII bytes`, () => 'a'.repeat(over), { limit: rule.max }),
        lazy(`${Math.floor(rule.max / 2) + 1} × "é" (${2 * (Math.floor(rule.max / 2) + 1)} bytes)`, () => 'é'.repeat(Math.floor(rule.max / 2) + 1), { limit: rule.max }),
        lazy(`${Math.floor(rule.max / 4) + 1} × "😀" (${4 * (Math.floor(rule.max / 4) + 1)} bytes)`, () => '😀'.repeat(Math.floor(rule.max / 4) + 1), { limit: rule.max }),
      ),
    );
  }
  if (rule.charset) families.push(withInside(badNameChar).map((s) => v(`bad character ${JSON.stringify(s)}`, s)));
  if (rule.noDots) families.push(fc.constantFrom('.', '..').map((s) => v(JSON.stringify(s), s)));
  if (rule.noControl) families.push(withInside(fc.constantFrom(...CONTROL_CHARS)).map((s) => v(`control character ${JSON.stringify(s)}`, s)));
  if (rule.wellFormed) families.push(withInside(fc.constantFrom(...LONE_SURROGATES)).map((s) => v(`lone surrogate ${JSON.stringify(s)}`, s)));
  return families;
}

function intInvalids(spec: Extract<Spec, { type: 'int' }>): fc.Arbitrary<Invalid>[] {
  const { min, max } = spec;
  const families = [wrongTypes(Boolean(spec.nullable), 'number')];
  // With gaps (maxRecordAgeSeconds: -1 or 60..), which bound a value below the minimum crosses is not one number.
  families.push(fc.constant(v(`${min - 1} (below ${min})`, min - 1, { limit: spec.gaps ? true : min })));
  if (min > 0) families.push(fc.constant(v(`-0 (below ${min})`, new RawJson('-0'), { limit: min })));
  for (const gap of spec.gaps ?? []) families.push(fc.constant(v(`${gap.value} (in the gap below ${gap.limit})`, gap.value, { limit: gap.limit })));
  const huge = ['1e300', '123456789012345678901234567890'].map((text) => new RawJson(text));
  if (max !== undefined) {
    families.push(fc.constant(v(`${max + 1} (above ${max})`, max + 1 > Number.MAX_SAFE_INTEGER ? new RawJson(String(BigInt(max) + 1n)) : max + 1, { limit: max })));
    families.push(fc.constantFrom(...huge).map((value) => v(`${value.text} (above ${max})`, value, { limit: max })));
  } else {
    // No documented maximum: a huge value is refused, as a 400 or as a resource that cannot exist.
    families.push(fc.constantFrom(...huge).map((value) => v(`${value.text} (huge)`, value, { status: [400, 404, 409] })));
  }
  families.push(
    // (max - 0.5 only where doubles still hold halves: near 2^53 it would round to an integer.)
    fc.constantFrom(min + 0.5, max !== undefined && max < 2 ** 52 ? max - 0.5 : min + 1.25, new RawJson(`${min}.000001`), new RawJson('1e309'), new RawJson('-1e309')).map((value) =>
      v(`not an integer ${show(value)}`, value),
    ),
  );
  return families;
}

function enumInvalids(values: readonly string[]): fc.Arbitrary<Invalid>[] {
  const first = values[0]!;
  const near = [first.toUpperCase(), first.toLowerCase(), first[0]!.toUpperCase() + first.slice(1).toLowerCase(), `${first} `, ` ${first}`, `${first}s`, 'bogus', ''].filter((s) => !values.includes(s));
  return [wrongTypes(false, 'string'), fc.constantFrom(...near).map((s) => v(`not one of ${values.join('|')}: ${JSON.stringify(s)}`, s))];
}

const INVALID_BASE64 = ['!!!!', 'a===', '@@@@', 'ab=c', 'YQ==YQ==', '====', 'YWJj*'];
const BAD_URLS = [
  'http://example.com/hook',
  'http://localhost.example.com/hook',
  'http://127.0.0.2/hook',
  'http://0.0.0.0/hook',
  'ftp://localhost/hook',
  'file:///etc/passwd',
  'javascript:alert(1)',
  '/hook',
  'localhost:8080/hook',
  'https://',
  '',
  'not a url',
  'https://exa mple.com/hook',
  'https://example.com/a b',
  'https://example.com/\thook',
  'https://example.com/\nhook',
  'https://example.com/\u0000',
  'https://example.com/\u007f',
  ' https://example.com/hook',
  'https://example.com/hook ',
];

function dataInvalids(spec: Extract<Spec, { type: 'data' }>): fc.Arbitrary<Invalid>[] {
  const families = [wrongTypes(Boolean(spec.nullable), 'string')];
  // A lone surrogate is invalid in both encodings (not UTF-8, not base64).
  families.push(withInside(fc.constantFrom(...LONE_SURROGATES)).map((s) => v(`lone surrogate ${JSON.stringify(s)}`, s)));
  families.push(
    fc.constantFrom(...INVALID_BASE64).map((s) =>
      lazy(`invalid base64 ${JSON.stringify(s)} (or, as utf8, a lone surrogate)`, (ctx) => (ctx.encoding === 'base64' ? s : `${s}\ud800`)),
    ),
  );
  const max = spec.maxBytes;
  if (max !== undefined) {
    families.push(
      fc.constantFrom('ascii', 'two-byte').map((kind) =>
        lazy(`${max + 1}+ bytes (${kind})`, (ctx) => {
          if (ctx.encoding === 'base64') return Buffer.alloc(max + 1, 0x61).toString('base64');
          return kind === 'ascii' ? 'a'.repeat(max + 1) : 'é'.repeat(Math.floor(max / 2) + 1);
        }, { limit: max }),
      ),
    );
  }
  return families;
}

function configInvalids(): fc.Arbitrary<Invalid & { key?: string }>[] {
  // Each names its key, so the 400 must name `config.<key>`.
  const entry = (key: string, value: unknown, label: string, extra: Partial<Invalid> = {}): Invalid & { key: string } => ({
    ...lazy(label, (ctx) => Object.defineProperty({ ...(ctx.current as object) }, key, { value, enumerable: true, writable: true, configurable: true }), extra),
    key,
  });
  const retention = [
    ['0', undefined],
    ['-2', undefined],
    ['1.5', undefined],
    ['abc', undefined],
    ['', undefined],
    [' 1', undefined],
    ['1e3', undefined],
    ['+1', undefined],
    ['9223372036854775808', MAX_RETENTION_MS],
    ['99999999999999999999', MAX_RETENTION_MS],
  ] as const;
  return [
    wrongTypes(false, 'object'),
    fc
      .constantFrom('retention.mss', 'retention_ms', 'Retention.ms', 'retentionMs', 'cleanup.policy', 'segment.bytes', 'compression', '__proto__', 'x')
      .map((key) => entry(key, '1', `unknown config key ${JSON.stringify(key)}`)),
    fc.constantFrom(...retention).map(([value, limit]) => entry('retention.ms', value, `retention.ms = ${JSON.stringify(value)}`, limit ? { limit } : {})),
    fc.constantFrom(1000, -1, true, null, {}).map((value) => entry('retention.ms', value, `retention.ms = ${show(value)} (not a string)`)),
    fc.constantFrom('createtime', 'Bogus', '', 'CreateTime ').map((value) => entry('message.timestamp.type', value, `message.timestamp.type = ${JSON.stringify(value)}`)),
    fc.constantFrom('lz4', 'snappy', 'GZIP', '').map((value) => entry('compression.type', value, `compression.type = ${JSON.stringify(value)}`)),
  ];
}

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function misspellings(known: readonly string[]): string[] {
  const out = new Set<string>();
  for (const k of known) {
    if (k.length > 1) out.add(k.slice(0, -1));
    out.add(k[0]! + k);
    if (k.length > 1) out.add(k[1]! + k[0]! + k.slice(2));
    out.add(k[0]!.toUpperCase() + k.slice(1));
    out.add(`${k}s`);
    out.add(k.toLowerCase());
    out.add(k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  }
  return [...out].filter((k) => k !== '' && !known.includes(k));
}

/** Keys an object does not know: misspellings of its keys, and junk. */
function unknownKey(known: readonly string[], extra: readonly string[]): fc.Arbitrary<string> {
  const typos = misspellings(known);
  return fc.oneof(
    ...(typos.length ? [{ weight: 3, arbitrary: fc.constantFrom(...typos) }] : []),
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,11}$/).filter((k) => !known.includes(k)) },
    { weight: 1, arbitrary: fc.constantFrom(...extra.filter((k) => !known.includes(k))) },
  );
}

function siteInvalids(site: Site): fc.Arbitrary<Invalid & { key?: string }>[] {
  const { spec } = site;
  switch (spec.type) {
    case 'int':
      return intInvalids(spec);
    case 'string':
      return [wrongTypes(Boolean(spec.nullable), 'string'), ...badStrings(spec.rule)];
    case 'enum':
      return enumInvalids(spec.values);
    case 'bool':
      return [fc.constantFrom<unknown>('true', 'false', 1, 0, null, [], {}).map((value) => v(`wrong type ${show(value)}`, value))];
    case 'data':
      return dataInvalids(spec);
    case 'url':
      return [
        wrongTypes(false, 'string'),
        fc.constantFrom(...BAD_URLS).map((url) => v(`bad URL ${JSON.stringify(url)}`, url)),
        fc.constant(lazy('2049-byte URL', () => `https://example.com/${'a'.repeat(2049 - 20)}`, { limit: 2048 })),
      ];
    case 'arn':
      return [
        wrongTypes(false, 'string'),
        fc.constantFrom('not-an-arn', 'arn:aws:lambda:us-east-1:12345:function:f', 'arn:aws:lambda:us-east-1:123456789012:function:not-allowed-here').map((arn) => v(`function ARN ${arn}`, arn)),
      ];
    case 'object': {
      const families: fc.Arbitrary<Invalid & { key?: string }>[] = [wrongTypes(false, 'object')];
      if (isObject(site.value)) {
        families.push(
          fc.tuple(unknownKey(Object.keys(spec.fields), ['__proto__', 'constructor', 'toString']), fc.constantFrom<unknown>(1, 'x', true, null, {})).map(([key, value]) => ({
            ...lazy(`unknown key ${JSON.stringify(key)}`, (ctx) => Object.defineProperty(cloneJson(ctx.current as object), key, { value, enumerable: true, writable: true, configurable: true })),
            key,
          })),
        );
      }
      return families;
    }
    case 'array': {
      const families = [spec.union ? notEmptyContainer(wrongTypes(false, 'array')) : wrongTypes(false, 'array')];
      if (spec.min >= 1) families.push(fc.constant(v('empty list', [], { limit: spec.min })));
      if (Array.isArray(site.value) && site.value.length > 0) {
        families.push(fc.constant(lazy(`${spec.max + 1} entries`, (ctx) => Array.from({ length: spec.max + 1 }, () => cloneJson((ctx.current as unknown[])[0])), { limit: spec.max })));
      }
      // The 400 names the entry, or (for `{}`) a field inside it.
      const entry = `${fieldName(site.path)}[0]`;
      const entries: unknown[] = spec.of.type === 'string' ? [1, true, null, {}, []] : ['x', 1, true, null, {}];
      families.push(fc.constantFrom(...entries).map((value) => lazy(`entry of wrong type ${show(value)}`, () => [value], { field: entry, fieldPrefix: entry })));
      return families;
    }
    case 'map': {
      const prefix = fieldName(site.path);
      const put = (key: string, value: unknown) => (ctx: MakeContext) =>
        Object.defineProperty(isObject(ctx.current) ? { ...ctx.current } : {}, key, { value, enumerable: true, writable: true, configurable: true });
      return [
        spec.union ? notEmptyContainer(wrongTypes(false, 'object')) : wrongTypes(false, 'object'),
        fc.constantFrom<unknown>(1, true, {}, []).map((value) => lazy(`entry value of wrong type ${show(value)}`, put('k', value), { fieldPrefix: prefix })),
        fc.constantFrom(...LONE_SURROGATES).map((s) => lazy(`entry value with lone surrogate`, put('k', `a${s}`), { fieldPrefix: prefix })),
        fc
          .constantFrom('', '\ud800', 'a'.repeat(257), 'é'.repeat(129))
          .map((key) => lazy(`entry key ${show(key)}`, put(key, null), { fieldPrefix: prefix, ...(key.length > 1 ? { limit: true as const } : {}) })),
      ];
    }
    case 'sequences': {
      const prefix = fieldName(site.path);
      const add = (key: string, value: unknown) => (ctx: MakeContext) => ({ ...(ctx.current as object), [key]: value });
      return [
        wrongTypes(false, 'object'),
        fc.constant(v('no partitions', {}, { fieldPrefix: prefix })),
        fc.constantFrom('x', '-1', '1.5', ' 0', '2147483648').map((key) => lazy(`partition key ${JSON.stringify(key)}`, add(key, 0), { fieldPrefix: prefix })),
        fc.constantFrom<[unknown, number | undefined]>([-1, 0], [2147483648, 2147483647], [1.5, undefined], ['1', undefined], [null, undefined]).map(([value, limit]) =>
          lazy(`sequence ${show(value)}`, add('0', value), { fieldPrefix: prefix, ...(limit === undefined ? {} : { limit }) }),
        ),
      ];
    }
    case 'config':
      return configInvalids();
  }
}

function bodyMutations(spec: Spec, base: unknown): fc.Arbitrary<Mutation>[] {
  const sites: Site[] = [{ path: [], spec, value: base, resource: false }];
  collectSites(spec, base, [], undefined, sites);
  const out: fc.Arbitrary<Mutation>[] = [];
  for (const site of sites) {
    // The root: only unknown keys (whole-body shapes are their own family).
    const invalids = site.path.length === 0 ? siteInvalids(site).slice(1) : siteInvalids(site);
    const at = fieldName(site.path);
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
    unknownKey(names, ['limit', 'page', 'callback', 'X', 'constructor', 'toString', 'a b', 'é', 'offset[]']).map((key) => put(key, '1', `unknown parameter ${key}=1`)),
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
  return want.length === have.length && want.every((segment, i) => (segment.startsWith('{') ? have[i] !== '' : segment === have[i]));
}

export function methodsAt(patterns: readonly { method: string; path: string }[], path: string): string[] {
  return [...new Set(patterns.filter((r) => pathMatches(r.path, path)).map((r) => r.method))];
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
      expect: { status: [405], code: 'METHOD_NOT_ALLOWED', methodNotAllowed: true },
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

export { RULES };
