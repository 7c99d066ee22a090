import type { KafkaReader } from '../wire/reader';
import type { KafkaWriter } from '../wire/writer';
import type { KafkaApi } from './api';

/**
 * A small declarative form of a message's JSON definition (clients/src/main/resources/
 * common/message/*.json in Kafka's sources), for messages whose codec is nothing but its
 * fields: each field has a type, the versions that carry it and the versions where it may
 * be null, exactly as the definition says. The group APIs use it; the older messages
 * keep their hand-written codecs.
 *
 * A field a version lacks is skipped when encoding and decodes as its default (the
 * definition's, or the type's zero: 0, false, '', an empty buffer or array, null where
 * nullable). Flexible versions use the compact forms and end every struct with a tagged
 * field section; the gateway writes no tagged fields and skips those it reads.
 */
export type Primitive = 'int8' | 'int16' | 'int32' | 'int64' | 'bool' | 'string' | 'bytes';

export interface Field {
  readonly name: string;
  readonly type: Primitive | { readonly arrayOf: Primitive | readonly Field[] };
  /** First and last version carrying the field (inclusive; last defaults to every later one). */
  readonly versions: readonly [number, number?];
  /** Versions where null is allowed (a nullable string, bytes or array). */
  readonly nullable?: readonly [number, number?];
  readonly default?: unknown;
}

const inRange = (version: number, range: readonly [number, number?] | undefined): boolean =>
  range !== undefined && version >= range[0] && version <= (range[1] ?? Infinity);

/** A field helper: `field('GroupId', 'string')`, `field('RebalanceTimeoutMs', 'int32', [1], { default: -1 })`. */
export function field(name: string, type: Field['type'], versions: Field['versions'] = [0], options: { nullable?: Field['nullable']; default?: unknown } = {}): Field {
  return { name, type, versions, ...options };
}

export const arrayOf = (items: Primitive | readonly Field[]): { arrayOf: Primitive | readonly Field[] } => ({ arrayOf: items });

function zero(f: Field): unknown {
  if (f.default !== undefined) return f.default;
  // A field a version lacks takes its definition's default, null for every nullable one.
  if (f.nullable !== undefined) return null;
  if (typeof f.type === 'object') return [];
  switch (f.type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    default:
      return 0;
  }
}

/** The smallest encoding of a struct at a version: bounds an array's count before any item is read. */
function minBytes(fields: readonly Field[], version: number, flexible: boolean): number {
  let total = flexible ? 1 : 0;
  for (const f of fields) {
    if (!inRange(version, f.versions)) continue;
    if (typeof f.type === 'object') total += flexible ? 1 : 4;
    else total += { int8: 1, int16: 2, int32: 4, int64: 8, bool: 1, string: flexible ? 1 : 2, bytes: flexible ? 1 : 4 }[f.type];
  }
  return Math.max(1, total);
}

function readPrimitive(reader: KafkaReader, type: Primitive, nullable: boolean, flexible: boolean, what: string): unknown {
  switch (type) {
    case 'int8':
      return reader.int8(what);
    case 'int16':
      return reader.int16(what);
    case 'int32':
      return reader.int32(what);
    case 'int64':
      return Number(reader.int64(what));
    case 'bool':
      return reader.bool(what);
    case 'string':
      return nullable ? reader.nullableStringOf(flexible, what) : reader.stringOf(flexible, what);
    case 'bytes':
      return nullable ? reader.nullableBytesOf(flexible, what) : reader.bytesOf(flexible, what);
  }
}

function writePrimitive(writer: KafkaWriter, type: Primitive, value: unknown, nullable: boolean, flexible: boolean): void {
  switch (type) {
    case 'int8':
      writer.int8(Number(value ?? 0));
      return;
    case 'int16':
      writer.int16(Number(value ?? 0));
      return;
    case 'int32':
      writer.int32(Number(value ?? 0));
      return;
    case 'int64':
      writer.int64(Number(value ?? 0));
      return;
    case 'bool':
      writer.bool(Boolean(value));
      return;
    case 'string':
      // A null where this version cannot say null is written as the empty string, as Kafka's own serializers do for defaults.
      if (nullable) writer.nullableStringOf(flexible, (value as string | null | undefined) ?? null);
      else writer.stringOf(flexible, (value as string | null | undefined) ?? '');
      return;
    case 'bytes':
      if (nullable) writer.nullableBytesOf(flexible, (value as Uint8Array | null | undefined) ?? null);
      else writer.bytesOf(flexible, (value as Uint8Array | null | undefined) ?? Buffer.alloc(0));
      return;
  }
}

export function readStruct(reader: KafkaReader, fields: readonly Field[], version: number, flexible: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (!inRange(version, f.versions)) {
      out[f.name] = zero(f);
      continue;
    }
    const nullable = inRange(version, f.nullable);
    if (typeof f.type === 'object') {
      const items = f.type.arrayOf;
      const read =
        typeof items === 'string' ? (r: KafkaReader) => readPrimitive(r, items, false, flexible, f.name) : (r: KafkaReader) => readStruct(r, items, version, flexible);
      const min = typeof items === 'string' ? 1 : minBytes(items, version, flexible);
      out[f.name] = nullable ? reader.nullableArrayOf(flexible, read, f.name, min) : reader.arrayOf(flexible, read, f.name, min);
    } else {
      out[f.name] = readPrimitive(reader, f.type, nullable, flexible, f.name);
    }
  }
  if (flexible) reader.taggedFields();
  return out;
}

export function writeStruct(writer: KafkaWriter, fields: readonly Field[], version: number, flexible: boolean, value: Record<string, unknown>): void {
  for (const f of fields) {
    if (!inRange(version, f.versions)) continue;
    const nullable = inRange(version, f.nullable);
    const v = value[f.name];
    if (typeof f.type === 'object') {
      const items = f.type.arrayOf;
      const write =
        typeof items === 'string'
          ? (w: KafkaWriter, item: unknown) => writePrimitive(w, items, item, false, flexible)
          : (w: KafkaWriter, item: unknown) => writeStruct(w, items, version, flexible, item as Record<string, unknown>);
      const list = (v as unknown[] | null | undefined) ?? null;
      if (nullable) writer.nullableArrayOf(flexible, list, write);
      else writer.arrayOf(flexible, list ?? [], write);
    } else {
      writePrimitive(writer, f.type, v, nullable, flexible);
    }
  }
  if (flexible) writer.taggedFields();
}

/** A KafkaApi whose four codecs are the request and response schemas. */
export function schemaApi<Request, Response>(spec: {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  flexibleFrom: number;
  request: readonly Field[];
  response: readonly Field[];
}): KafkaApi<Request, Response> {
  const flexible = (version: number) => version >= spec.flexibleFrom;
  return {
    key: spec.key,
    name: spec.name,
    minVersion: spec.minVersion,
    maxVersion: spec.maxVersion,
    flexibleFrom: spec.flexibleFrom,
    decodeRequest: (reader, version) => readStruct(reader, spec.request, version, flexible(version)) as Request,
    encodeRequest: (writer, version, request) => writeStruct(writer, spec.request, version, flexible(version), request as Record<string, unknown>),
    decodeResponse: (reader, version) => readStruct(reader, spec.response, version, flexible(version)) as Response,
    encodeResponse: (writer, version, response) => writeStruct(writer, spec.response, version, flexible(version), response as Record<string, unknown>),
  };
}
