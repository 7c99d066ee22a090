import { decodeUtf8 } from '../../format/utf8';
import { KafkaDecodeError } from './decode-error';
import { uuidFromBytes } from './uuid';

/**
 * A cursor over one Kafka frame (the bytes after the 4-byte size), reading the
 * protocol's primitive types (kafka.apache.org/protocol, "Protocol Primitive Types"):
 * big-endian fixed-width integers, zigzag varint/varlong, unsigned varint, the classic
 * (int16/int32 length) and compact (unsigned varint length + 1) strings, bytes and
 * arrays, uuids and tagged-field sections.
 *
 * Every read is bounded by the frame: a length larger than what is left is refused
 * before anything is allocated, so a hostile length costs nothing. Every failure is a
 * KafkaDecodeError; nothing else is thrown.
 */
export class KafkaReader {
  private readonly buffer: Buffer;
  private pos: number;
  private readonly end: number;

  /** Reads `bytes[start, end)`; nothing is copied. */
  constructor(bytes: Uint8Array, start = 0, end = bytes.byteLength) {
    if (start < 0 || end > bytes.byteLength || start > end) throw new RangeError(`KafkaReader range ${start}..${end} is outside 0..${bytes.byteLength}`);
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  get position(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(bytes: number, what: string): number {
    if (bytes > this.end - this.pos) throw new KafkaDecodeError('truncated', `${what} needs ${bytes} bytes, ${this.end - this.pos} remain`, this.pos);
    const at = this.pos;
    this.pos += bytes;
    return at;
  }

  /** Checks a decoded length: -1 is null where allowed, anything past the frame is refused. */
  private length(length: number, at: number, what: string, nullable: boolean, bytesEach = 1): number | null {
    if (length === -1 && nullable) return null;
    if (length < 0) throw new KafkaDecodeError('invalid-length', `${what} has length ${length}`, at);
    if (length * bytesEach > this.end - this.pos) {
      throw new KafkaDecodeError('length-exceeds-frame', `${what} claims ${length} ${bytesEach === 1 ? 'bytes' : 'items'}, only ${this.end - this.pos} bytes remain`, at);
    }
    return length;
  }

  skip(bytes: number, what = 'bytes'): void {
    this.need(bytes, what);
  }

  int8(what = 'int8'): number {
    return this.buffer.readInt8(this.need(1, what));
  }

  /** A boolean byte: 0 is false, anything else true (as Kafka reads it). */
  bool(what = 'bool'): boolean {
    return this.buffer[this.need(1, what)] !== 0;
  }

  int16(what = 'int16'): number {
    return this.buffer.readInt16BE(this.need(2, what));
  }

  int32(what = 'int32'): number {
    return this.buffer.readInt32BE(this.need(4, what));
  }

  uint32(what = 'uint32'): number {
    return this.buffer.readUInt32BE(this.need(4, what));
  }

  /** A 64-bit two's-complement integer, exactly. */
  int64(what = 'int64'): bigint {
    return this.buffer.readBigInt64BE(this.need(8, what));
  }

  /** An unsigned varint of at most 32 bits (1 to 5 bytes). */
  uvarint(what = 'unsigned varint'): number {
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.buffer[this.need(1, what)]!;
      if (i === 4 && byte > 0x0f) throw new KafkaDecodeError('invalid-varint', `${what} does not fit in 32 bits`, start);
      value += (byte & 0x7f) * 2 ** (7 * i);
      if (byte < 0x80) return value;
    }
    throw new KafkaDecodeError('invalid-varint', `${what} is longer than 5 bytes`, start);
  }

  /** A zigzag varint (signed 32 bits). */
  varint(what = 'varint'): number {
    const raw = this.uvarint(what);
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }

  /** A zigzag varlong (signed 64 bits, 1 to 10 bytes), exactly. */
  varlong(what = 'varlong'): bigint {
    const start = this.pos;
    let raw = 0n;
    for (let i = 0; i < 10; i++) {
      const byte = this.buffer[this.need(1, what)]!;
      if (i === 9 && byte > 0x01) throw new KafkaDecodeError('invalid-varint', `${what} does not fit in 64 bits`, start);
      raw |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if (byte < 0x80) return (raw >> 1n) ^ -(raw & 1n);
    }
    throw new KafkaDecodeError('invalid-varint', `${what} is longer than 10 bytes`, start);
  }

  uuid(what = 'uuid'): string {
    const at = this.need(16, what);
    return uuidFromBytes(this.buffer.subarray(at, at + 16));
  }

  private text(length: number, what: string): string {
    const at = this.need(length, what);
    try {
      return decodeUtf8(this.buffer.subarray(at, at + length));
    } catch {
      throw new KafkaDecodeError('invalid-utf8', `${what} is not valid UTF-8`, at);
    }
  }

  private raw(length: number, what: string): Buffer {
    const at = this.need(length, what);
    return this.buffer.subarray(at, at + length);
  }

  /** STRING: int16 length, then UTF-8. */
  string(what = 'string'): string {
    const at = this.pos;
    return this.text(this.length(this.int16(what), at, what, false)!, what);
  }

  /** NULLABLE_STRING: int16 length (-1 is null), then UTF-8. */
  nullableString(what = 'string'): string | null {
    const at = this.pos;
    const length = this.length(this.int16(what), at, what, true);
    return length === null ? null : this.text(length, what);
  }

  /** COMPACT_STRING: unsigned varint length + 1, then UTF-8. */
  compactString(what = 'string'): string {
    const at = this.pos;
    const length = this.length(this.uvarint(what) - 1, at, what, false)!;
    return this.text(length, what);
  }

  /** COMPACT_NULLABLE_STRING: unsigned varint length + 1 (0 is null), then UTF-8. */
  compactNullableString(what = 'string'): string | null {
    const at = this.pos;
    const length = this.length(this.uvarint(what) - 1, at, what, true);
    return length === null ? null : this.text(length, what);
  }

  /** The string form of a flexible or classic version. */
  stringOf(flexible: boolean, what = 'string'): string {
    return flexible ? this.compactString(what) : this.string(what);
  }

  nullableStringOf(flexible: boolean, what = 'string'): string | null {
    return flexible ? this.compactNullableString(what) : this.nullableString(what);
  }

  /** BYTES: int32 length, then the bytes (a view, not a copy). */
  bytes(what = 'bytes'): Buffer {
    const at = this.pos;
    return this.raw(this.length(this.int32(what), at, what, false)!, what);
  }

  nullableBytes(what = 'bytes'): Buffer | null {
    const at = this.pos;
    const length = this.length(this.int32(what), at, what, true);
    return length === null ? null : this.raw(length, what);
  }

  compactBytes(what = 'bytes'): Buffer {
    const at = this.pos;
    return this.raw(this.length(this.uvarint(what) - 1, at, what, false)!, what);
  }

  compactNullableBytes(what = 'bytes'): Buffer | null {
    const at = this.pos;
    const length = this.length(this.uvarint(what) - 1, at, what, true);
    return length === null ? null : this.raw(length, what);
  }

  bytesOf(flexible: boolean, what = 'bytes'): Buffer {
    return flexible ? this.compactBytes(what) : this.bytes(what);
  }

  nullableBytesOf(flexible: boolean, what = 'bytes'): Buffer | null {
    return flexible ? this.compactNullableBytes(what) : this.nullableBytes(what);
  }

  private items<T>(count: number, read: (reader: KafkaReader, index: number) => T): T[] {
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(read(this, i));
    return items;
  }

  /**
   * ARRAY: int32 count, then the items. `minItemBytes` (the smallest encoding of one
   * item, at least 1) bounds the count by what is left before any item is read.
   */
  array<T>(read: (reader: KafkaReader, index: number) => T, what = 'array', minItemBytes = 1): T[] {
    const at = this.pos;
    return this.items(this.length(this.int32(what), at, what, false, Math.max(1, minItemBytes))!, read);
  }

  nullableArray<T>(read: (reader: KafkaReader, index: number) => T, what = 'array', minItemBytes = 1): T[] | null {
    const at = this.pos;
    const count = this.length(this.int32(what), at, what, true, Math.max(1, minItemBytes));
    return count === null ? null : this.items(count, read);
  }

  /** COMPACT_ARRAY: unsigned varint count + 1, then the items. */
  compactArray<T>(read: (reader: KafkaReader, index: number) => T, what = 'array', minItemBytes = 1): T[] {
    const at = this.pos;
    return this.items(this.length(this.uvarint(what) - 1, at, what, false, Math.max(1, minItemBytes))!, read);
  }

  compactNullableArray<T>(read: (reader: KafkaReader, index: number) => T, what = 'array', minItemBytes = 1): T[] | null {
    const at = this.pos;
    const count = this.length(this.uvarint(what) - 1, at, what, true, Math.max(1, minItemBytes));
    return count === null ? null : this.items(count, read);
  }

  arrayOf<T>(flexible: boolean, read: (reader: KafkaReader, index: number) => T, what = 'array', minItemBytes = 1): T[] {
    return flexible ? this.compactArray(read, what, minItemBytes) : this.array(read, what, minItemBytes);
  }

  nullableArrayOf<T>(flexible: boolean, read: (reader: KafkaReader, index: number) => T, what = 'array', minItemBytes = 1): T[] | null {
    return flexible ? this.compactNullableArray(read, what, minItemBytes) : this.nullableArray(read, what, minItemBytes);
  }

  /**
   * A tagged-field section: an unsigned varint count, then per field its tag, its size
   * (unsigned varints) and its bytes. Known tags are handed to `onTag` with a reader
   * bounded to the field; whatever it leaves, and every unknown tag, is skipped.
   */
  taggedFields(onTag?: (tag: number, field: KafkaReader) => void, what = 'tagged fields'): void {
    const at = this.pos;
    const count = this.length(this.uvarint(what), at, what, false, 2)!;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint(`${what}: tag`);
      const sizeAt = this.pos;
      const size = this.length(this.uvarint(`${what}: size`), sizeAt, `${what}: tag ${tag}`, false)!;
      const fieldStart = this.pos;
      this.pos += size;
      onTag?.(tag, new KafkaReader(this.buffer, fieldStart, fieldStart + size));
    }
  }
}
