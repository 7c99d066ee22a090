/**
 * A small description language for the API's inputs (docs/http-api.md, "Identifiers"
 * and each route): enough for the generator to know, per field, which values are
 * invalid by construction and which `field` and `limit` a 400 must then carry.
 */

/** A string's rule: length bounds (in characters or UTF-8 bytes) and what it may contain. */
export interface StringRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly unit: 'chars' | 'bytes';
  /** Only these characters (the identifier rule `[a-zA-Z0-9._-]`). */
  readonly charset?: RegExp;
  /** `.` and `..` are refused (Kafka's topic rule). */
  readonly noDots?: boolean;
  /** Control characters (U+0000–U+001F, U+007F–U+009F) are refused. */
  readonly noControl?: boolean;
  /** A lone surrogate is refused. */
  readonly wellFormed?: boolean;
}

const NAME = /^[a-zA-Z0-9._-]+$/;

export const RULES = {
  name: { name: 'name', min: 1, max: 249, unit: 'chars', charset: NAME, noDots: true },
  token128: { name: 'token128', min: 1, max: 128, unit: 'chars', charset: NAME },
  clientId: { name: 'clientId', min: 1, max: 64, unit: 'chars', charset: NAME },
  principal: { name: 'principal', min: 1, max: 1024, unit: 'bytes', noControl: true, wellFormed: true },
  headerKey: { name: 'headerKey', min: 1, max: 256, unit: 'bytes', wellFormed: true },
  /** ACL resource names may be `*` or a prefix; only their length and type are checked here. */
  resourceName: { name: 'resourceName', min: 1, max: 249, unit: 'chars' },
  metadata: { name: 'metadata', min: 0, max: 1024, unit: 'chars' },
  secret: { name: 'secret', min: 16, max: 256, unit: 'chars' },
} as const satisfies Record<string, StringRule>;

export type Spec =
  | { readonly type: 'int'; readonly min: number; readonly max?: number; readonly nullable?: boolean; readonly gaps?: readonly { value: number; limit: number }[] }
  | { readonly type: 'string'; readonly rule: StringRule; readonly nullable?: boolean; readonly resource?: boolean }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'bool' }
  /** A record key, value or header value: utf8 or base64 text, by the body's `encoding`. */
  | { readonly type: 'data'; readonly maxBytes?: number; readonly nullable?: boolean }
  | { readonly type: 'url' }
  | { readonly type: 'arn' }
  | { readonly type: 'object'; readonly fields: Readonly<Record<string, Spec>>; readonly union?: boolean }
  | { readonly type: 'array'; readonly of: Spec; readonly min: number; readonly max: number; readonly union?: boolean }
  /** An object whose keys are data (header maps): no unknown keys, values per `values`. */
  | { readonly type: 'map'; readonly values: Spec; readonly union?: boolean }
  /** Producer sequences: keys are partition numbers, values sequences. */
  | { readonly type: 'sequences' }
  /** Topic config: known keys only, each value a string with its own rule; `nullable` (a config change) also takes null, to remove a key. */
  | { readonly type: 'config'; readonly nullable?: boolean };

export const int = (min: number, max?: number, extra: { nullable?: boolean; gaps?: { value: number; limit: number }[] } = {}): Spec => ({ type: 'int', min, max, ...extra });
export const str = (rule: StringRule, extra: { nullable?: boolean; resource?: boolean } = {}): Spec => ({ type: 'string', rule, ...extra });
export const oneOf = (...values: string[]): Spec => ({ type: 'enum', values });
export const obj = (fields: Record<string, Spec>, extra: { union?: boolean } = {}): Spec => ({ type: 'object', fields, ...extra });
export const arr = (of: Spec, min: number, max: number, extra: { union?: boolean } = {}): Spec => ({ type: 'array', of, min, max, ...extra });

/** A path parameter's rule: an identifier, or a partition number. */
export type ParamSpec = { readonly kind: 'string'; readonly rule: StringRule } | { readonly kind: 'partition' };

/** A query parameter's rule. */
export type QuerySpec =
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'string'; readonly rule: StringRule };

/** Kafka's largest retention.ms, the limit of the `retention.ms` config (a string: past what a JSON number holds). */
export const MAX_RETENTION_MS = '9223372036854775807';
