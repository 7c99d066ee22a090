import { CorruptRecordError } from './sluice-error';
import { decodeUtf8 } from './utf8';

const TWO_32 = 2 ** 32;
/** The most bytes a varint (32-bit) and a varlong (64-bit) take. */
export const MAX_VARINT_BYTES = 5;
export const MAX_VARLONG_BYTES = 10;

/**
 * A cursor over big-endian bytes read from storage, with Kafka's variable-length
 * integers (lib/format/varint.ts writes them):
 *
 * - varint: a 32-bit signed integer, zigzag-mapped (0, -1, 1, -2, … → 0, 1, 2, 3, …) and
 *   written 7 bits per byte, least significant group first, high bit set on every byte
 *   but the last; 1 to 5 bytes.
 * - varlong: the same for 64-bit integers, 1 to 10 bytes. JavaScript numbers hold
 *   integers exactly only up to ±(2^53 - 1), so this supports that range and computes
 *   with arithmetic, never 32-bit bit operations (which would cut the value to 32 bits).
 *
 * Every read checks bounds and throws CorruptRecordError('truncated …') naming what it
 * was reading, never a RangeError: the bytes come from storage. Plain Uint8Array and
 * DataView, so the client (and a browser) can read batches with it.
 */
export class ByteReader {
  private readonly data: Uint8Array;
  private readonly view: DataView;
  private pos: number;
  private readonly end: number;

  /** Reads `bytes[start, end)`; the bytes are not copied. */
  constructor(bytes: Uint8Array, start = 0, end = bytes.byteLength) {
    if (start < 0 || end > bytes.byteLength || start > end) throw new RangeError(`ByteReader range ${start}..${end} is outside 0..${bytes.byteLength}`);
    this.data = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  /** The next position to read, relative to the start of the bytes given. */
  get position(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(bytes: number, what: string): number {
    if (bytes > this.end - this.pos) {
      throw new CorruptRecordError(`truncated ${what}: needs ${bytes} bytes at offset ${this.pos}, only ${this.end - this.pos} remain`, {
        offset: this.pos,
      });
    }
    const at = this.pos;
    this.pos += bytes;
    return at;
  }

  int8(what = 'int8'): number {
    return this.view.getInt8(this.need(1, what));
  }

  int16(what = 'int16'): number {
    return this.view.getInt16(this.need(2, what));
  }

  int32(what = 'int32'): number {
    return this.view.getInt32(this.need(4, what));
  }

  uint32(what = 'uint32'): number {
    return this.view.getUint32(this.need(4, what));
  }

  /** A 64-bit two's-complement integer; one outside ±(2^53 - 1) is corrupt. */
  int64(what = 'int64'): number {
    const at = this.need(8, what);
    const value = this.view.getInt32(at) * TWO_32 + this.view.getUint32(at + 4);
    if (!Number.isSafeInteger(value)) throw new CorruptRecordError(`${what} at offset ${at} is outside ±(2^53 - 1)`, { offset: at });
    return value;
  }

  varint(what = 'varint'): number {
    const start = this.pos;
    let raw = 0;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const byte = this.data[this.need(1, what)]!;
      if (i === MAX_VARINT_BYTES - 1 && byte > 0x0f) {
        throw new CorruptRecordError(`${what} at offset ${start} does not fit in 32 bits`, { offset: start });
      }
      raw = (raw | ((byte & 0x7f) << (7 * i))) >>> 0;
      if (byte < 0x80) return (raw >>> 1) ^ -(raw & 1);
    }
    throw new CorruptRecordError(`${what} at offset ${start} does not fit in 32 bits`, { offset: start });
  }

  varlong(what = 'varlong'): number {
    const start = this.pos;
    const first = this.data[this.need(1, what)]!;
    const sign = first & 1;
    let q = (first & 0x7f) >>> 1;
    let more = first >= 0x80;
    // q accumulates |value| - sign; groups after the first carry 7 bits each, from bit 6.
    let scale = 64;
    const limit = Number.MAX_SAFE_INTEGER - sign;
    for (let count = 1; more; count++) {
      if (count === MAX_VARLONG_BYTES) throw new CorruptRecordError(`${what} at offset ${start} is longer than ${MAX_VARLONG_BYTES} bytes`, { offset: start });
      const byte = this.data[this.need(1, what)]!;
      q += (byte & 0x7f) * scale;
      if (q > limit) throw new CorruptRecordError(`${what} at offset ${start} is outside ±(2^53 - 1)`, { offset: start });
      scale *= 128;
      more = byte >= 0x80;
    }
    return sign ? -q - 1 : q;
  }

  /** `length` bytes as a view (not a copy) of the underlying bytes, of their class: a Buffer's view is a Buffer. */
  bytes(length: number, what = 'bytes'): Uint8Array {
    const at = this.need(length, what);
    return this.data.subarray(at, at + length);
  }

  /** `length` bytes of strict UTF-8; invalid UTF-8 is corrupt. */
  utf8(length: number, what = 'string'): string {
    const at = this.need(length, what);
    try {
      return decodeUtf8(this.data.subarray(at, at + length));
    } catch {
      throw new CorruptRecordError(`${what} at offset ${at} is not valid UTF-8`, { offset: at });
    }
  }

  skip(length: number, what = 'bytes'): void {
    this.need(length, what);
  }
}
