import { InvalidArgumentError } from 'commander';

/**
 * `produce --format`: how each input line splits into a record's key, value, headers,
 * partition and timestamp, as rpk's `produce --format` (`%k %v`); kcat's -K (a key
 * separator) is the common case `%k<sep>%v`, kept as its own option.
 *
 * The format is placeholders and the literal text between them. A placeholder's text runs
 * up to the first occurrence of the literal that follows it (so a key cannot contain
 * the separator after it, and the last placeholder takes the rest of the line: a value
 * may contain anything); two placeholders with nothing between them are refused, as no
 * line could say where one ends.
 */

export type FormatField = { kind: 'key' } | { kind: 'value' } | { kind: 'timestamp' } | { kind: 'partition' } | { kind: 'header'; name: string };

export type FormatPart = { literal: Buffer } | { field: FormatField };

/** What one line carried, as bytes (decoding the value is the caller's: --base64). */
export interface ParsedLine {
  key?: Buffer;
  value?: Buffer;
  headers: [string, Buffer][];
  partition?: number;
  timestamp?: number;
}

export class LineFormatError extends Error {}

export const PRODUCE_FORMAT_HELP = `%k key, %v value, %h{name} the value of header <name>, %p partition,
%T timestamp (ms since the epoch), %% a percent sign; \\t a tab, \\\\ a backslash`;

/** Parses a --format string (commander argParser): the parts, or a usage error. */
export function parseFormat(format: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let literal = '';
  const flush = (): void => {
    if (literal !== '') parts.push({ literal: Buffer.from(literal, 'utf8') });
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c === '\\') {
      const next = format[++i];
      if (next === 't') literal += '\t';
      else if (next === '\\') literal += '\\';
      else if (next === 'r') literal += '\r';
      else throw new InvalidArgumentError(`unknown escape "\\${next ?? ''}" (use \\t or \\\\)`);
      continue;
    }
    if (c !== '%') {
      literal += c;
      continue;
    }
    const spec = format[++i];
    let field: FormatField;
    if (spec === '%') {
      literal += '%';
      continue;
    } else if (spec === 'k') field = { kind: 'key' };
    else if (spec === 'v') field = { kind: 'value' };
    else if (spec === 'T') field = { kind: 'timestamp' };
    else if (spec === 'p') field = { kind: 'partition' };
    else if (spec === 'h') {
      const close = format.indexOf('}', i + 1);
      if (format[i + 1] !== '{' || close < 0 || close === i + 2) throw new InvalidArgumentError('%h takes a header name in braces: %h{name}');
      field = { kind: 'header', name: format.slice(i + 2, close) };
      i = close;
    } else throw new InvalidArgumentError(`unknown placeholder "%${spec ?? ''}" (${PRODUCE_FORMAT_HELP.replace(/\n/g, ' ')})`);
    flush();
    const last = parts.at(-1);
    if (last && 'field' in last) throw new InvalidArgumentError('two placeholders need text between them, to tell where one ends');
    const kind = field.kind === 'header' ? `%h{${field.name}}` : `%${spec}`;
    if (parts.some((p) => 'field' in p && (field.kind === 'header' ? p.field.kind === 'header' && p.field.name === field.name : p.field.kind === field.kind))) {
      throw new InvalidArgumentError(`${kind} appears twice`);
    }
    parts.push({ field });
  }
  flush();
  if (!parts.some((p) => 'field' in p)) throw new InvalidArgumentError('has no placeholder: give at least %v');
  return parts;
}

/** Splits one line by the format; throws LineFormatError saying what did not match. */
export function parseLine(parts: readonly FormatPart[], line: Buffer): ParsedLine {
  const parsed: ParsedLine = { headers: [] };
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if ('literal' in part) {
      if (!line.subarray(at, at + part.literal.length).equals(part.literal)) {
        throw new LineFormatError(`expected ${JSON.stringify(part.literal.toString('utf8'))} at byte ${at}`);
      }
      at += part.literal.length;
      continue;
    }
    const next = parts[i + 1] as { literal: Buffer } | undefined;
    let end: number;
    if (!next) end = line.length;
    else {
      end = line.indexOf(next.literal, at);
      if (end < 0) throw new LineFormatError(`no ${JSON.stringify(next.literal.toString('utf8'))} after ${describeField(part.field)}`);
    }
    assign(parsed, part.field, line.subarray(at, end));
    at = end;
  }
  if (at !== line.length) throw new LineFormatError(`unexpected text after the format at byte ${at}`);
  return parsed;
}

function assign(parsed: ParsedLine, field: FormatField, bytes: Buffer): void {
  switch (field.kind) {
    case 'key':
      parsed.key = bytes;
      return;
    case 'value':
      parsed.value = bytes;
      return;
    case 'header':
      parsed.headers.push([field.name, bytes]);
      return;
    case 'partition':
    case 'timestamp': {
      const text = bytes.toString('utf8');
      if (!/^\d+$/.test(text)) throw new LineFormatError(`${describeField(field)} must be a whole number, not ${JSON.stringify(text)}`);
      parsed[field.kind] = Number(text);
      return;
    }
  }
}

function describeField(field: FormatField): string {
  return field.kind === 'header' ? `header ${field.name}` : `the ${field.kind}`;
}
