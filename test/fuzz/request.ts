/**
 * A request under construction (a route's valid base, then one mutation), and its
 * exact wire form. Path segments and bodies are built by hand, not by `fetch`/`URL`,
 * so `%2e%2e`, bad percent-encoding and raw number literals such as `1e309` reach the
 * server as written.
 */

/** A JSON token written as is (`1e309`, `-0`), where JSON.stringify would rewrite it. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON (sent as application/json unless a content-type is set), text, or bytes sent with only the headers the draft has. */
export type Body = { readonly json: unknown } | { readonly text: string } | { readonly bytes: Buffer };

export interface Draft {
  /** The route being fuzzed, `METHOD /path/{param}`. */
  readonly routeKey: string;
  method: string;
  readonly pattern: string;
  /** Decoded path parameter values; encoded with `encodeSegment` unless `rawParams` has the segment. */
  params: Record<string, string>;
  rawParams: Record<string, string>;
  /** Decoded query pairs, in order. */
  query: [string, string][];
  /** A whole path (with query) written as is, for unknown paths. */
  rawPath?: string;
  body?: Body;
  headers: Record<string, string>;
}

export interface WireRequest {
  readonly method: string;
  /** Path and query, exactly as sent on the request line. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/** Percent-encodes a path segment or query component; a lone surrogate becomes its (invalid) 3-byte UTF-8 form. */
export function encodeComponent(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(text[i]!);
    }
  }
  return out;
}

/** JSON text of a value that may hold RawJson tokens. */
export function stringifyJson(value: unknown): string {
  const raws: string[] = [];
  const marker = `@@raw${Math.random().toString(36).slice(2)}@@`;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `${marker}${raws.length - 1}`;
    }
    return v;
  });
  if (text === undefined) return '';
  return raws.length === 0 ? text : text.replace(new RegExp(`"${marker}(\\d+)"`, 'g'), (_m, index: string) => raws[Number(index)]!);
}

export function toWire(draft: Draft): WireRequest {
  let path: string;
  if (draft.rawPath !== undefined) {
    path = draft.rawPath;
  } else {
    path = draft.pattern.replace(/\{([^}]+)\}/g, (_m, name: string) => draft.rawParams[name] ?? encodeComponent(draft.params[name] ?? ''));
    if (draft.query.length > 0) path += `?${draft.query.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&')}`;
  }
  const headers = { ...draft.headers };
  let body: Buffer | undefined;
  if (draft.body && 'bytes' in draft.body) {
    body = draft.body.bytes;
  } else if (draft.body) {
    body = Buffer.from('json' in draft.body ? stringifyJson(draft.body.json) : draft.body.text, 'utf8');
    headers['content-type'] ??= 'application/json';
  }
  return { method: draft.method, path, headers, ...(body ? { body } : {}) };
}

export type PathPart = string | number;

/** Sets `value` at `path` in a JSON tree, as an own property even for keys like `__proto__`. */
export function setAt(root: unknown, path: readonly PathPart[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const container = root as Record<PathPart, unknown>;
  Object.defineProperty(container, head!, { value: setAt(container[head!], rest, value), enumerable: true, writable: true, configurable: true });
  return root;
}

export function getAt(root: unknown, path: readonly PathPart[]): unknown {
  let node = root;
  for (const part of path) node = node === null || typeof node !== 'object' ? undefined : (node as Record<PathPart, unknown>)[part];
  return node;
}

/** The API's field naming: `records[0].value`, `config.retention.ms`. */
export function fieldName(path: readonly PathPart[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out;
}

/** A deep copy of plain JSON data. */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** A short printable form of a body: the text, or its start and length when long. */
export function previewBody(body: Buffer | undefined, max = 600): string {
  if (!body) return '(none)';
  const text = body.toString('utf8');
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${body.byteLength} bytes in all)`;
}
