import { ByteWriter } from '../../format/varint';
import { uuidToBytes } from './uuid';

/**
 * Writes the Kafka protocol's primitive types (the counterpart of KafkaReader) over
 * lib/format's growable big-endian ByteWriter. Values a type cannot hold throw
 * RangeError: that is a bug in the caller, never a client's input.
 */
export class KafkaWriter {
  private readonly out: ByteWriter;

  constructor(initialCapacity = 256) {
    this.out = new ByteWriter(initialCapacity);
  }

  get length(): number {
    return this.out.length;
  }

  /** The bytes written so far, as a view of the internal buffer. */
  view(): Buffer {
    return this.out.view();
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.out.view());
  }

  int8(value: number): this {
    this.out.int8(value);
    return this;
  }

  bool(value: boolean): this {
    this.out.int8(value ? 1 : 0);
    return this;
  }

  int16(value: number): this {
    this.out.int16(value);
    return this;
  }

  int32(value: number): this {
    this.out.int32(value);
    return this;
  }

  uint32(value: number): this {
    this.out.uint32(value);
    return this;
  }

  int64(value: bigint | number): this {
    const bytes = Buffer.allocUnsafe(8);
    bytes.writeBigInt64BE(BigInt(value));
    this.out.bytes(bytes);
    return this;
  }

  /** An unsigned varint of at most 32 bits. */
  uvarint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`unsigned varint must be an integer in 0..2^32-1, got ${value}`);
    const bytes: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
    this.out.bytes(Uint8Array.from(bytes));
    return this;
  }

  varint(value: number): this {
    this.out.varint(value);
    return this;
  }

  varlong(value: bigint | number): this {
    const n = BigInt(value);
    if (n < -(2n ** 63n) || n >= 2n ** 63n) throw new RangeError(`varlong must fit in 64 bits, got ${n}`);
    let raw = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
    const bytes: number[] = [];
    while (raw >= 0x80n) {
      bytes.push(Number(raw & 0x7fn) | 0x80);
      raw >>= 7n;
    }
    bytes.push(Number(raw));
    this.out.bytes(Uint8Array.from(bytes));
    return this;
  }

  uuid(value: string): this {
    this.out.bytes(uuidToBytes(value));
    return this;
  }

  /** The bytes as they are, with no length. */
  raw(bytes: Uint8Array): this {
    this.out.bytes(bytes);
    return this;
  }

  string(value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.out.int16(length);
    this.out.utf8(value, length);
    return this;
  }

  nullableString(value: string | null): this {
    return value === null ? this.int16(-1) : this.string(value);
  }

  compactString(value: string): this {
    const length = Buffer.byteLength(value, 'utf8');
    this.uvarint(length + 1);
    this.out.utf8(value, length);
    return this;
  }

  compactNullableString(value: string | null): this {
    return value === null ? this.uvarint(0) : this.compactString(value);
  }

  stringOf(flexible: boolean, value: string): this {
    return flexible ? this.compactString(value) : this.string(value);
  }

  nullableStringOf(flexible: boolean, value: string | null): this {
    return flexible ? this.compactNullableString(value) : this.nullableString(value);
  }

  bytes(value: Uint8Array): this {
    this.out.int32(value.byteLength);
    this.out.bytes(value);
    return this;
  }

  nullableBytes(value: Uint8Array | null): this {
    return value === null ? this.int32(-1) : this.bytes(value);
  }

  compactBytes(value: Uint8Array): this {
    this.uvarint(value.byteLength + 1);
    this.out.bytes(value);
    return this;
  }

  compactNullableBytes(value: Uint8Array | null): this {
    return value === null ? this.uvarint(0) : this.compactBytes(value);
  }

  bytesOf(flexible: boolean, value: Uint8Array): this {
    return flexible ? this.compactBytes(value) : this.bytes(value);
  }

  nullableBytesOf(flexible: boolean, value: Uint8Array | null): this {
    return flexible ? this.compactNullableBytes(value) : this.nullableBytes(value);
  }

  array<T>(items: readonly T[], write: (writer: KafkaWriter, item: T) => void): this {
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  nullableArray<T>(items: readonly T[] | null, write: (writer: KafkaWriter, item: T) => void): this {
    return items === null ? this.int32(-1) : this.array(items, write);
  }

  compactArray<T>(items: readonly T[], write: (writer: KafkaWriter, item: T) => void): this {
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }

  compactNullableArray<T>(items: readonly T[] | null, write: (writer: KafkaWriter, item: T) => void): this {
    return items === null ? this.uvarint(0) : this.compactArray(items, write);
  }

  arrayOf<T>(flexible: boolean, items: readonly T[], write: (writer: KafkaWriter, item: T) => void): this {
    return flexible ? this.compactArray(items, write) : this.array(items, write);
  }

  nullableArrayOf<T>(flexible: boolean, items: readonly T[] | null, write: (writer: KafkaWriter, item: T) => void): this {
    return flexible ? this.compactNullableArray(items, write) : this.nullableArray(items, write);
  }

  /**
   * A tagged-field section. The gateway writes none of its own (`[]`); the fields are
   * for tests that check unknown tags are skipped. Tags must be given in ascending order.
   */
  taggedFields(fields: readonly { tag: number; data: Uint8Array }[] = []): this {
    this.uvarint(fields.length);
    for (const { tag, data } of fields) {
      this.uvarint(tag);
      this.uvarint(data.byteLength);
      this.out.bytes(data);
    }
    return this;
  }

  /** Overwrites an int32 already written at `offset` (a frame's size, known last). */
  setInt32(offset: number, value: number): this {
    this.out.setInt32(offset, value);
    return this;
  }
}
