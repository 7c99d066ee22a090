import { InvalidArgumentError } from 'commander';
import type { FetchedRecord } from '../../lib/client/types';
import { isoTime } from './output';

/**
 * How `sluice consume` prints a record: as JSON (lossless: a field that is not UTF-8 comes
 * as base64, marked), as text with the fields asked for, or by a kcat-style format string.
 * Records arrive fetched as base64, so each field's bytes are exact; text and format
 * output write those bytes as they are, so `consume > file` keeps binary values intact.
 */

/** A record fetched as base64, with where it came from. */
export interface PrintableRecord extends FetchedRecord {
  topic: string;
  partition: number;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function bytesOf(b64: string | null): Buffer | null {
  return b64 === null ? null : Buffer.from(b64, 'base64');
}

/** The bytes as text if they are valid UTF-8, else undefined. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A field for JSON: its text when the bytes are UTF-8 (and base64 is not asked for),
 * else its base64 with `base64: true`, so JSON never replaces bytes it cannot carry.
 */
export function jsonField(b64: string | null, forceBase64 = false): { text: string | null; base64: boolean } {
  if (b64 === null) return { text: null, base64: false };
  const text = forceBase64 ? undefined : utf8Text(Buffer.from(b64, 'base64'));
  return text === undefined ? { text: b64, base64: true } : { text, base64: false };
}

/**
 * One record as `consume --json` prints it: `{topic, partition, offset, timestamp, key,
 * value, headers}`. A key, value or header value that is not UTF-8 (or, with `base64Values`,
 * every non-null value) is base64, with `keyEncoding`, `valueEncoding` or the header's own
 * `valueEncoding` set to "base64" beside it; fields that are UTF-8 have no marker.
 */
export function jsonRecord(r: PrintableRecord, options: { base64Values?: boolean } = {}): Record<string, unknown> {
  const key = jsonField(r.key);
  const value = jsonField(r.value, options.base64Values === true);
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: key.text,
    ...(key.base64 && { keyEncoding: 'base64' }),
    value: value.text,
    ...(value.base64 && { valueEncoding: 'base64' }),
    headers: (r.headers ?? []).map((h) => {
      const v = jsonField(h.value);
      return { key: h.key, value: v.text, ...(v.base64 && { valueEncoding: 'base64' }) };
    }),
  };
}

/** Headers as kcat's `%h` prints them: `k1=v1,k2=v2` (a null value: the key alone). */
function headerBytes(headers: FetchedRecord['headers']): Buffer {
  const parts: Buffer[] = [];
  (headers ?? []).forEach((h, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(Buffer.from(h.key));
    if (h.value !== null) parts.push(EQUALS, Buffer.from(h.value, 'base64'));
  });
  return Buffer.concat(parts);
}

const COMMA = Buffer.from(',');
const EQUALS = Buffer.from('=');
const NEWLINE = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);

/** What text mode prints of each record besides the value, in this order (the Kafka console consumer's). */
export interface TextFields {
  timestamp?: boolean;
  partition?: boolean;
  offset?: boolean;
  headers?: boolean;
  key?: boolean;
  /** Between the fields; a tab by default. */
  separator?: string;
  /** The value as base64 rather than its bytes. */
  base64Values?: boolean;
}

/**
 * Text mode: the fields asked for (timestamp as ISO 8601, partition, offset, headers as
 * `k=v,…`, key), each followed by the separator, then the value, then a newline. Keys,
 * values and header values are written as their bytes (a null as nothing).
 */
export function textRenderer(fields: TextFields): (r: PrintableRecord) => Buffer {
  const sep = Buffer.from(fields.separator ?? '\t');
  return (r) => {
    const parts: Buffer[] = [];
    if (fields.timestamp) parts.push(Buffer.from(isoTime(r.timestamp)), sep);
    if (fields.partition) parts.push(Buffer.from(String(r.partition)), sep);
    if (fields.offset) parts.push(Buffer.from(String(r.offset)), sep);
    if (fields.headers) parts.push(headerBytes(r.headers), sep);
    if (fields.key) parts.push(bytesOf(r.key) ?? EMPTY, sep);
    parts.push(fields.base64Values ? Buffer.from(r.value ?? '') : (bytesOf(r.value) ?? EMPTY), NEWLINE);
    return Buffer.concat(parts);
  };
}

// ---------------------------------------------------------------------------
// Format strings, as kcat's -f.

/** The placeholders, by kcat's letters. */
const PLACEHOLDERS = {
  t: 'topic',
  p: 'partition',
  o: 'offset',
  k: 'key',
  K: 'key length in bytes (-1 for null)',
  s: 'value',
  S: 'value length in bytes (-1 for null)',
  h: 'headers as k1=v1,k2=v2',
  T: 'timestamp, ms since the epoch',
} as const;
type Placeholder = keyof typeof PLACEHOLDERS;

/** A format string compiled: literal bytes and placeholders, in order. */
export type RecordFormat = (Buffer | Placeholder)[];

/** For help text: `%t topic, %p partition, …`. */
export const FORMAT_HELP = Object.entries(PLACEHOLDERS)
  .map(([letter, meaning]) => `%${letter} ${meaning}`)
  .join(', ');

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\' };

/**
 * Parses a format string (`--format`): kcat's placeholders (see PLACEHOLDERS), `%%` for a
 * percent sign, and the escapes `\n`, `\r`, `\t`, `\\` and `\xHH` (a byte), since shells
 * make a literal newline awkward. As in kcat nothing is added: end it with `\n` for lines.
 * Anything else after `%` or `\` is refused, so a typo does not print silently wrong.
 */
export function parseRecordFormat(format: string): RecordFormat {
  if (format === '') throw new InvalidArgumentError('must not be empty');
  const parts: RecordFormat = [];
  let literal: number[] = [];
  const flush = (): void => {
    if (literal.length > 0) parts.push(Buffer.from(literal));
    literal = [];
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '%') {
      const next = format[++i];
      if (next === '%') literal.push(0x25);
      else if (next !== undefined && Object.hasOwn(PLACEHOLDERS, next)) {
        flush();
        parts.push(next as Placeholder);
      } else throw new InvalidArgumentError(`unknown placeholder %${next ?? ''}; use ${FORMAT_HELP}, or %% for a percent sign`);
    } else if (c === '\\') {
      const next = format[++i];
      if (next !== undefined && ESCAPES[next] !== undefined) literal.push(ESCAPES[next].charCodeAt(0));
      else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(format.slice(i + 1, i + 3))) {
        literal.push(parseInt(format.slice(i + 1, i + 3), 16));
        i += 2;
      } else throw new InvalidArgumentError(`unknown escape \\${next ?? ''}; use \\n, \\r, \\t, \\\\ or \\xHH`);
    } else {
      // One character (a surrogate pair stays whole) as its UTF-8 bytes.
      const code = format.codePointAt(i)!;
      const char = String.fromCodePoint(code);
      literal.push(...Buffer.from(char));
      i += char.length - 1;
    }
  }
  flush();
  return parts;
}

function length(b64: string | null): string {
  return b64 === null ? '-1' : String(Buffer.byteLength(b64, 'base64'));
}

/** Prints records by a parsed format; `%s` prints the value as base64 with `base64Values`. */
export function formatRenderer(format: RecordFormat, options: { base64Values?: boolean } = {}): (r: PrintableRecord) => Buffer {
  return (r) =>
    Buffer.concat(
      format.map((part) => {
        if (typeof part !== 'string') return part;
        switch (part) {
          case 't':
            return Buffer.from(r.topic);
          case 'p':
            return Buffer.from(String(r.partition));
          case 'o':
            return Buffer.from(String(r.offset));
          case 'k':
            return bytesOf(r.key) ?? EMPTY;
          case 'K':
            return Buffer.from(length(r.key));
          case 's':
            return options.base64Values ? Buffer.from(r.value ?? '') : (bytesOf(r.value) ?? EMPTY);
          case 'S':
            return Buffer.from(length(r.value));
          case 'h':
            return headerBytes(r.headers);
          case 'T':
            return Buffer.from(String(r.timestamp));
        }
      }),
    );
}

/** Bytes a record carries (key and value), as the progress display counts them. */
export function recordBytes(r: FetchedRecord): number {
  return (r.key === null ? 0 : Buffer.byteLength(r.key, 'base64')) + (r.value === null ? 0 : Buffer.byteLength(r.value, 'base64'));
}
