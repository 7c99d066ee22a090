import fc from 'fast-check';
import { cloneJson, RawJson, stringifyJson } from './request';
import { MAX_RETENTION_MS, type Spec, type StringRule } from './spec';

/**
 * Values a field's rule refuses, by construction: wrong types, strings past each
 * length bound or with characters the rule forbids, numbers past each bound, bad
 * URLs and base64, unknown keys. Each says which `limit` a 400 must then carry.
 */

export interface MakeContext {
  /** The body's `encoding` (record data is base64 or utf8 text). */
  readonly encoding: string;
  /** The base value at the site. */
  readonly current: unknown;
}

export interface Invalid {
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
export function badStrings(rule: StringRule, { empty = true } = {}): fc.Arbitrary<Invalid>[] {
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

export function enumInvalids(values: readonly string[]): fc.Arbitrary<Invalid>[] {
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

function configInvalids(nullable = false): fc.Arbitrary<Invalid & { key?: string }>[] {
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
      .constantFrom('retention.mss', 'retention_ms', 'Retention.ms', 'retentionMs', 'cleanup.policies', 'segment.bytes', 'compression', '__proto__', 'x')
      .map((key) => entry(key, '1', `unknown config key ${JSON.stringify(key)}`)),
    fc.constantFrom(...retention).map(([value, limit]) => entry('retention.ms', value, `retention.ms = ${JSON.stringify(value)}`, limit ? { limit } : {})),
    // In a config change null removes the key, so it is valid there.
    fc.constantFrom<unknown>(1000, -1, true, ...(nullable ? [] : [null]), {}).map((value) => entry('retention.ms', value, `retention.ms = ${show(value)} (not a string)`)),
    fc.constantFrom('createtime', 'Bogus', '', 'CreateTime ').map((value) => entry('message.timestamp.type', value, `message.timestamp.type = ${JSON.stringify(value)}`)),
    fc.constantFrom('lz4', 'snappy', 'GZIP', '').map((value) => entry('compression.type', value, `compression.type = ${JSON.stringify(value)}`)),
    fc.constantFrom('Compact', 'compact,', 'delete,delete', 'compact, delete', '').map((value) => entry('cleanup.policy', value, `cleanup.policy = ${JSON.stringify(value)}`)),
    fc.constantFrom('-1', '1.5', 'x', '').map((value) => entry('delete.retention.ms', value, `delete.retention.ms = ${JSON.stringify(value)}`)),
    fc.constantFrom('1.5', '-0.1', '2', 'half').map((value) => entry('min.cleanable.dirty.ratio', value, `min.cleanable.dirty.ratio = ${JSON.stringify(value)}`)),
  ];
}


export function isObject(value: unknown): value is Record<string, unknown> {
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
export function unknownKey(known: readonly string[], extra: readonly string[]): fc.Arbitrary<string> {
  const typos = misspellings(known);
  return fc.oneof(
    ...(typos.length ? [{ weight: 3, arbitrary: fc.constantFrom(...typos) }] : []),
    { weight: 2, arbitrary: fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,11}$/).filter((k) => !known.includes(k)) },
    { weight: 1, arbitrary: fc.constantFrom(...extra.filter((k) => !known.includes(k))) },
  );
}

/** Every family of invalid values for a field of this description (`current` is the base request's value there). */
export function invalidValues(spec: Spec, current: unknown, path: string): fc.Arbitrary<Invalid & { key?: string }>[] {
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
        fc.constantFrom(
          lazy('2049-byte URL', () => `https://example.com/${'a'.repeat(2049 - 20)}`, { limit: 2048 }),
          lazy('URL of 1,035 characters, 2,050 bytes', () => `https://example.com/${'é'.repeat(1015)}`, { limit: 2048 }),
        ),
      ];
    case 'arn':
      return [
        wrongTypes(false, 'string'),
        fc.constantFrom('not-an-arn', 'arn:aws:lambda:us-east-1:12345:function:f', 'arn:aws:lambda:us-east-1:123456789012:function:not-allowed-here').map((arn) => v(`function ARN ${arn}`, arn)),
      ];
    case 'object': {
      const families: fc.Arbitrary<Invalid & { key?: string }>[] = [wrongTypes(false, 'object')];
      if (isObject(current)) {
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
      if (Array.isArray(current) && current.length > 0) {
        families.push(fc.constant(lazy(`${spec.max + 1} entries`, (ctx) => Array.from({ length: spec.max + 1 }, () => cloneJson((ctx.current as unknown[])[0])), { limit: spec.max })));
      }
      // The 400 names the entry, or (for `{}`) a field inside it.
      const entry = `${path}[0]`;
      // Each list holds only values the entry's rule refuses: 1 is a fine entry of a list of integers (partitions).
      const entries: unknown[] = spec.of.type === 'string' ? [1, true, null, {}, []] : spec.of.type === 'int' ? ['x', true, null, {}, []] : ['x', 1, true, null, {}];
      families.push(fc.constantFrom(...entries).map((value) => lazy(`entry of wrong type ${show(value)}`, () => [value], { field: entry, fieldPrefix: entry })));
      return families;
    }
    case 'map': {
      const prefix = path;
      const put = (key: string, value: unknown) => (ctx: MakeContext) =>
        Object.defineProperty(isObject(ctx.current) ? { ...ctx.current } : {}, key, { value, enumerable: true, writable: true, configurable: true });
      return [
        spec.union ? notEmptyContainer(wrongTypes(false, 'object')) : wrongTypes(false, 'object'),
        fc.constantFrom<unknown>(1, true, {}, []).map((value) => lazy(`entry value of wrong type ${show(value)}`, put('k', value), { fieldPrefix: prefix })),
        fc.constantFrom(...LONE_SURROGATES).map((s) => lazy(`entry value with lone surrogate`, put('k', `a${s}`), { fieldPrefix: prefix })),
        fc.constantFrom(...INVALID_BASE64).map((s) =>
          lazy(`entry value invalid base64 ${JSON.stringify(s)} (or, as utf8, a lone surrogate)`, (ctx) => put('k', ctx.encoding === 'base64' ? s : `${s}\ud800`)(ctx), { fieldPrefix: prefix }),
        ),
        fc
          .constantFrom('', '\ud800', 'a'.repeat(257), 'é'.repeat(129))
          .map((key) => lazy(`entry key ${show(key)}`, put(key, null), { fieldPrefix: prefix, ...(key.length > 1 ? { limit: true as const } : {}) })),
      ];
    }
    case 'sequences': {
      const prefix = path;
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
      return configInvalids(spec.nullable);
  }
}
