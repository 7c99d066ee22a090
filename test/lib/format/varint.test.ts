import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CorruptRecordError } from '../../../lib/core/errors';
import { ByteReader, ByteWriter, sizeOfVarint, sizeOfVarlong } from '../../../lib/format/varint';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const SAFE = Number.MAX_SAFE_INTEGER;

/** Kafka's varlong via BigInt: zigzag to an unsigned 64-bit value, 7 bits a byte. */
function referenceVarlong(value: number): number[] {
  const n = BigInt(value);
  let z = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return out;
}

function corrupt(pattern: RegExp) {
  return (e: unknown) => e instanceof CorruptRecordError && pattern.test(e.message);
}

const int32Edges = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, INT32_MAX, INT32_MIN, INT32_MAX - 1, INT32_MIN + 1];
const longEdges = [...int32Edges, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 43, -(2 ** 43), 2 ** 52, -(2 ** 52), SAFE, -SAFE, SAFE - 1, -SAFE + 1];

describe('varint (zigzag int32)', () => {
  it('writes the bytes Kafka writes', () => {
    const cases: [number, number[]][] = [
      [0, [0x00]],
      [-1, [0x01]],
      [1, [0x02]],
      [63, [0x7e]],
      [-64, [0x7f]],
      [64, [0x80, 0x01]],
      [INT32_MAX, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
      [INT32_MIN, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [value, bytes] of cases) {
      assert.deepEqual([...new ByteWriter().varint(value).view()], bytes, `varint(${value})`);
      assert.equal(sizeOfVarint(value), bytes.length);
    }
  });

  it('round-trips the edges and any int32, in the size it predicts', () => {
    const check = (value: number) => {
      const bytes = new ByteWriter().varint(value).view();
      assert.equal(bytes.length, sizeOfVarint(value));
      const reader = new ByteReader(bytes);
      assert.equal(reader.varint(), value);
      assert.equal(reader.remaining, 0);
    };
    int32Edges.forEach(check);
    fc.assert(fc.property(fc.integer({ min: INT32_MIN, max: INT32_MAX }), check));
  });

  it('refuses to write what is not an int32', () => {
    for (const value of [INT32_MAX + 1, INT32_MIN - 1, 0.5, NaN]) assert.throws(() => new ByteWriter().varint(value), RangeError);
  });

  it('reports truncated and over-long encodings as corrupt', () => {
    assert.throws(() => new ByteReader(Buffer.from([0x80, 0x80])).varint('key length'), corrupt(/^truncated key length/));
    assert.throws(() => new ByteReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])).varint(), corrupt(/32 bits/));
    assert.throws(() => new ByteReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).varint(), corrupt(/32 bits/));
  });
});

describe('varlong (zigzag, safe integers)', () => {
  it('writes exactly the bytes of a 64-bit reference, edges and all', () => {
    const check = (value: number) => {
      const bytes = [...new ByteWriter().varlong(value).view()];
      assert.deepEqual(bytes, referenceVarlong(value), `varlong(${value})`);
      assert.equal(sizeOfVarlong(value), bytes.length);
    };
    longEdges.forEach(check);
    fc.assert(fc.property(fc.integer({ min: -SAFE, max: SAFE }), check));
  });

  it('round-trips the edges and any safe integer', () => {
    const check = (value: number) => {
      const reader = new ByteReader(new ByteWriter().varlong(value).view());
      assert.equal(reader.varlong(), value);
      assert.equal(reader.remaining, 0);
    };
    longEdges.forEach(check);
    fc.assert(fc.property(fc.integer({ min: -SAFE, max: SAFE }), check));
  });

  it('refuses to write what is not a safe integer', () => {
    for (const value of [SAFE + 1, -SAFE - 1, 1.5, Infinity]) assert.throws(() => new ByteWriter().varlong(value), RangeError);
  });

  it('reports encodings beyond ±(2^53 - 1), over-long or truncated ones as corrupt', () => {
    const of = (value: bigint) => {
      let z = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
      const out: number[] = [];
      while (z >= 0x80n) {
        out.push(Number(z & 0x7fn) | 0x80);
        z >>= 7n;
      }
      return Buffer.from([...out, Number(z)]);
    };
    assert.throws(() => new ByteReader(of(2n ** 53n)).varlong(), corrupt(/outside/));
    assert.throws(() => new ByteReader(of(-(2n ** 53n))).varlong(), corrupt(/outside/));
    assert.throws(() => new ByteReader(of(-(2n ** 63n))).varlong(), corrupt(/outside/));
    assert.throws(() => new ByteReader(Buffer.from([...Array(10).fill(0x80), 0x00])).varlong(), corrupt(/longer than 10 bytes/));
    assert.throws(() => new ByteReader(Buffer.from([0x80])).varlong('timestampDelta'), corrupt(/^truncated timestampDelta/));
  });
});

describe('ByteWriter and ByteReader', () => {
  it('round-trip fixed-width fields, int64 across its safe range', () => {
    const int64s = [0, 1, -1, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, SAFE, -SAFE, 1_700_000_000_000];
    const writer = new ByteWriter(1); // forces growth
    writer.int8(-128).int8(127).int16(-32768).int16(32767).int32(INT32_MIN).int32(INT32_MAX).uint32(0xffffffff);
    for (const v of int64s) writer.int64(v);
    writer.utf8('héllo ✓').bytes(Buffer.from([1, 2, 3]));
    const reader = new ByteReader(writer.view());
    assert.deepEqual(
      [reader.int8(), reader.int8(), reader.int16(), reader.int16(), reader.int32(), reader.int32(), reader.uint32()],
      [-128, 127, -32768, 32767, INT32_MIN, INT32_MAX, 0xffffffff],
    );
    for (const v of int64s) assert.equal(reader.int64(), v);
    assert.equal(reader.utf8(Buffer.byteLength('héllo ✓')), 'héllo ✓');
    assert.deepEqual([...reader.bytes(3)], [1, 2, 3]);
    assert.equal(reader.remaining, 0);
  });

  it('writes int64 as big-endian two’s complement', () => {
    assert.equal(new ByteWriter().int64(-1).view().toString('hex'), 'ffffffffffffffff');
    assert.equal(new ByteWriter().int64(SAFE).view().toString('hex'), '001fffffffffffff');
    assert.equal(new ByteWriter().int64(-SAFE).view().toString('hex'), 'ffe0000000000001');
    assert.equal(new ByteWriter().int64(-SAFE).view().readBigInt64BE(), BigInt(-SAFE));
  });

  it('patches fields written earlier', () => {
    const writer = new ByteWriter().int32(0).uint32(0);
    writer.setInt32(0, -5).setUint32(4, 0xdeadbeef);
    assert.equal(writer.view().toString('hex'), 'fffffffbdeadbeef');
    assert.throws(() => writer.setInt32(6, 1), RangeError);
  });

  it('throws CorruptRecordError naming what was truncated, for every read past the end', () => {
    const reads: [string, (r: ByteReader) => unknown][] = [
      ['int8', (r) => r.int8('a')],
      ['int16', (r) => r.int16('a')],
      ['int32', (r) => r.int32('a')],
      ['uint32', (r) => r.uint32('a')],
      ['int64', (r) => r.int64('a')],
      ['bytes', (r) => r.bytes(9, 'a')],
      ['utf8', (r) => r.utf8(9, 'a')],
    ];
    for (const [name, read] of reads) {
      assert.throws(() => read(new ByteReader(Buffer.alloc(8), 8)), corrupt(/^truncated a: needs \d+ bytes at offset 8, only 0 remain/), name);
    }
    // A reader over a range stops at the range's end, not the buffer's.
    assert.throws(() => new ByteReader(Buffer.alloc(8), 0, 3).int32('b'), corrupt(/^truncated b/));
  });

  it('treats an int64 beyond ±(2^53 - 1) and invalid UTF-8 as corrupt', () => {
    assert.throws(() => new ByteReader(Buffer.from('0020000000000000', 'hex')).int64('ts'), corrupt(/ts at offset 0 is outside/));
    assert.throws(() => new ByteReader(Buffer.from('8000000000000000', 'hex')).int64(), corrupt(/outside/));
    assert.throws(() => new ByteReader(Buffer.from([0xc3, 0x28])).utf8(2, 'header key'), corrupt(/header key at offset 0 is not valid UTF-8/));
  });

  it('reads a leading U+FEFF (byte-order mark) as part of the string, not dropping it', () => {
    const writer = new ByteWriter();
    writer.utf8('\ufeffh').utf8('\ufeff');
    const reader = new ByteReader(writer.view());
    assert.equal(reader.utf8(4, 'header key'), '\ufeffh');
    assert.equal(reader.utf8(3, 'header key'), '\ufeff');
  });
});
