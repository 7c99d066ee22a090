/**
 * How the message browser shows a record. Records are fetched base64 (lossless) and judged
 * here: bytes that are valid UTF-8 without control characters are text, pretty-printed
 * when they parse as a JSON object or array; anything else is binary, shown as hex or
 * base64 as the user chooses. Pure, so it is tested without a browser
 * (test/lib/console/model/record-view.test.ts).
 */
import type { FetchedRecord } from '../../client/index';

export type BinaryFormat = 'hex' | 'base64';

/** A key, value or header value as shown. */
export type Payload =
  | { kind: 'null' }
  | { kind: 'text'; text: string }
  /** `text` is the JSON pretty-printed; `raw` as sent. */
  | { kind: 'json'; text: string; raw: string }
  | { kind: 'binary'; bytes: Uint8Array };

export interface RecordView {
  partition: number;
  offset: number;
  timestamp: number;
  key: Payload;
  value: Payload;
  headers: { key: string; value: Payload }[];
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Lowercase hex, a space between bytes, so long values wrap and stay readable. */
export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

// C0 controls and DEL, except tab, line feed and carriage return: valid UTF-8, but not text a person wrote.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Judges raw bytes: JSON (object or array), text, or binary. */
export function classifyBytes(bytes: Uint8Array): Payload {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { kind: 'binary', bytes };
  }
  if (CONTROL.test(text)) return { kind: 'binary', bytes };
  const trimmed = text.trim();
  // Only objects and arrays: a bare number or word is text, and shown as sent.
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(trimmed), null, 2), raw: text };
    } catch {
      // Not JSON after all: text.
    }
  }
  return { kind: 'text', text };
}

/** A base64 field of a fetched record (null stays null). */
export function classifyBase64(base64: string | null): Payload {
  return base64 === null ? { kind: 'null' } : classifyBytes(base64ToBytes(base64));
}

/** A record fetched with `encoding: 'base64'`, as the browser shows it. */
export function recordView(partition: number, record: FetchedRecord): RecordView {
  return {
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: classifyBase64(record.key),
    value: classifyBase64(record.value),
    headers: record.headers.map((h) => ({ key: h.key, value: classifyBase64(h.value) })),
  };
}

/** The text a payload is shown as; `null` for a null (the view shows it as a muted "null"). */
export function payloadText(payload: Payload, binary: BinaryFormat): string | null {
  switch (payload.kind) {
    case 'null':
      return null;
    case 'text':
    case 'json':
      return payload.text;
    case 'binary':
      return binary === 'hex' ? bytesToHex(payload.bytes) : bytesToBase64(payload.bytes);
  }
}

/**
 * Whether a record matches the browser's text filter: case-insensitive, over the key, the
 * value (as shown, and as sent for JSON) and each header's name and value. An empty filter matches all.
 */
export function matchesFilter(view: RecordView, filter: string, binary: BinaryFormat): boolean {
  const needle = filter.trim().toLowerCase();
  if (!needle) return true;
  const texts: (string | null)[] = [payloadText(view.key, binary), payloadText(view.value, binary)];
  if (view.value.kind === 'json') texts.push(view.value.raw);
  for (const h of view.headers) texts.push(h.key, payloadText(h.value, binary));
  return texts.some((t) => t !== null && t.toLowerCase().includes(needle));
}

export interface NameValue {
  name: string;
  value: string;
}

/**
 * `name=value` lines (record headers, topic config): blank lines are skipped, the first `=`
 * splits, so a value may hold more. A line without one, or with an empty name, is refused by number.
 */
export function parseNameValueLines(text: string): { pairs: NameValue[] } | { error: string } {
  const pairs: NameValue[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at <= 0 || !line.slice(0, at).trim()) return { error: `line ${i + 1} is not name=value: ${line}` };
    pairs.push({ name: line.slice(0, at).trim(), value: line.slice(at + 1) });
  }
  return { pairs };
}
