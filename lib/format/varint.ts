import { ByteReader as ContractByteReader, MAX_VARINT_BYTES, MAX_VARLONG_BYTES } from '../protocol/byte-reader';

/**
 * Kafka's variable-length integers (varint, varlong: zigzag-mapped, 7 bits a byte; see
 * lib/protocol/byte-reader.ts) and a pair of byte cursors over big-endian data: the
 * writer here (Buffer-based, on the produce path), the reader the contract's.
 *
 * Writers throw RangeError for values they cannot represent: that is a bug in the
 * caller. Readers throw CorruptRecordError for bytes that are not a valid encoding,
 * since they come from storage.
 */

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const TWO_32 = 2 ** 32;

function checkInt(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${what} must be an integer in ${min}..${max}, got ${value}`);
  }
}

/** Bytes `value` takes as a varint. */
export function sizeOfVarint(value: number): number {
  checkInt(value, INT32_MIN, INT32_MAX, 'varint');
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (v >= 0x80) {
    v >>>= 7;
    size++;
  }
  return size;
}

/** Bytes `value` takes as a varlong. */
export function sizeOfVarlong(value: number): number {
  checkInt(value, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'varlong');
  // The zigzag value is 2q + sign with q = |value| - sign; it needs 1 byte for its low
  // 7 bits (6 bits of q) and then one per further 7 bits of q / 64.
  let rest = Math.floor((value < 0 ? -value - 1 : value) / 64);
  let size = 1;
  while (rest > 0) {
    rest = Math.floor(rest / 128);
    size++;
  }
  return size;
}

/** A growable big-endian byte buffer. */
export class ByteWriter {
  private buffer: Buffer;
  private position = 0;

  constructor(initialCapacity = 256) {
    this.buffer = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.position;
  }

  /** The bytes written so far, as a view (not a copy) of the internal buffer. */
  view(): Buffer {
    return this.buffer.subarray(0, this.position);
  }

  /** Forgets what was written, keeping the allocation, so the writer can be reused. */
  reset(): void {
    this.position = 0;
  }

  private ensure(bytes: number): void {
    const needed = this.position + bytes;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  int8(value: number): this {
    checkInt(value, -128, 127, 'int8');
    this.ensure(1);
    this.buffer.writeInt8(value, this.position);
    this.position += 1;
    return this;
  }

  int16(value: number): this {
    checkInt(value, -32768, 32767, 'int16');
    this.ensure(2);
    this.buffer.writeInt16BE(value, this.position);
    this.position += 2;
    return this;
  }

  int32(value: number): this {
    checkInt(value, INT32_MIN, INT32_MAX, 'int32');
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.position);
    this.position += 4;
    return this;
  }

  uint32(value: number): this {
    checkInt(value, 0, TWO_32 - 1, 'uint32');
    this.ensure(4);
    this.buffer.writeUInt32BE(value, this.position);
    this.position += 4;
    return this;
  }

  /** A 64-bit two's-complement integer; the value must be a safe integer. */
  int64(value: number): this {
    checkInt(value, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'int64');
    const high = Math.floor(value / TWO_32);
    this.ensure(8);
    this.buffer.writeInt32BE(high, this.position);
    this.buffer.writeUInt32BE(value - high * TWO_32, this.position + 4);
    this.position += 8;
    return this;
  }

  varint(value: number): this {
    checkInt(value, INT32_MIN, INT32_MAX, 'varint');
    this.ensure(MAX_VARINT_BYTES);
    let v = ((value << 1) ^ (value >> 31)) >>> 0;
    while (v >= 0x80) {
      this.buffer[this.position++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[this.position++] = v;
    return this;
  }

  varlong(value: number): this {
    checkInt(value, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'varlong');
    this.ensure(MAX_VARLONG_BYTES);
    // zigzag(value) = 2q + sign, where sign = 1 for negatives and q = |value| - sign.
    // For |value| near 2^53 that sum is not exactly representable as a double, so
    // emit its low 7 bits (6 bits of q plus the sign) and then q / 64, 7 bits a byte.
    const sign = value < 0 ? 1 : 0;
    const q = sign ? -value - 1 : value;
    let rest = Math.floor(q / 64);
    const low = (q - rest * 64) * 2 + sign;
    this.buffer[this.position++] = rest > 0 ? low | 0x80 : low;
    while (rest > 0) {
      const next = Math.floor(rest / 128);
      const group = rest - next * 128;
      this.buffer[this.position++] = next > 0 ? group | 0x80 : group;
      rest = next;
    }
    return this;
  }

  bytes(data: Uint8Array): this {
    this.ensure(data.byteLength);
    this.buffer.set(data, this.position);
    this.position += data.byteLength;
    return this;
  }

  /** Writes a JS string as UTF-8 (lone surrogates become U+FFFD, as Buffer does). */
  utf8(text: string, byteLength = Buffer.byteLength(text, 'utf8')): this {
    this.ensure(byteLength);
    this.buffer.write(text, this.position, byteLength, 'utf8');
    this.position += byteLength;
    return this;
  }

  /** Overwrites an int32 already written at `offset`, for lengths known only later. */
  setInt32(offset: number, value: number): this {
    checkInt(value, INT32_MIN, INT32_MAX, 'int32');
    if (offset < 0 || offset + 4 > this.position) throw new RangeError(`setInt32 at ${offset} is outside the ${this.position} bytes written`);
    this.buffer.writeInt32BE(value, offset);
    return this;
  }

  /** Overwrites a uint32 already written at `offset`, for checksums known only later. */
  setUint32(offset: number, value: number): this {
    checkInt(value, 0, TWO_32 - 1, 'uint32');
    if (offset < 0 || offset + 4 > this.position) throw new RangeError(`setUint32 at ${offset} is outside the ${this.position} bytes written`);
    this.buffer.writeUInt32BE(value, offset);
    return this;
  }
}

/**
 * The contract's cursor (lib/protocol/byte-reader.ts, which the client reads batches
 * with), over a Buffer: the server's callers take its views as Buffers (`toString`, `equals`).
 */
export class ByteReader extends ContractByteReader {
  /** Reads `bytes[start, end)`; the bytes are not copied. */
  constructor(bytes: Uint8Array, start = 0, end = bytes.byteLength) {
    super(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), start, end);
  }

  /** `length` bytes as a Buffer view (not a copy) of the underlying bytes. */
  override bytes(length: number, what = 'bytes'): Buffer {
    return super.bytes(length, what) as Buffer;
  }
}
