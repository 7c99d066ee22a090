import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KafkaDecodeError, type KafkaDecodeErrorCode } from '../../../../lib/kafka/wire/decode-error';
import { KafkaReader } from '../../../../lib/kafka/wire/reader';
import { kafkaTopicId, uuidFromBytes, uuidToBytes, ZERO_UUID } from '../../../../lib/kafka/wire/uuid';
import { KafkaWriter } from '../../../../lib/kafka/wire/writer';

const bytes = (...values: number[]) => Buffer.from(values);
const written = (write: (w: KafkaWriter) => void) => {
  const w = new KafkaWriter();
  write(w);
  return w.toBuffer();
};
const decodeError = (code: KafkaDecodeErrorCode) => (e: unknown) => e instanceof KafkaDecodeError && e.code === code;

describe('KafkaWriter / KafkaReader primitives', () => {
  it('writes fixed-width integers big-endian and reads them back', () => {
    const buf = written((w) => w.int8(-2).int16(-300).int32(-70000).uint32(0xfffffffe).int64(-(2n ** 63n)).int64(42).bool(true).bool(false));
    assert.deepEqual([...buf.subarray(0, 3)], [0xfe, 0xfe, 0xd4]);
    const r = new KafkaReader(buf);
    assert.equal(r.int8(), -2);
    assert.equal(r.int16(), -300);
    assert.equal(r.int32(), -70000);
    assert.equal(r.uint32(), 0xfffffffe);
    assert.equal(r.int64(), -(2n ** 63n));
    assert.equal(r.int64(), 42n);
    assert.equal(r.bool(), true);
    assert.equal(r.bool(), false);
    assert.equal(r.remaining, 0);
  });

  it('writes unsigned varints 7 bits a byte, least significant first (the spec examples)', () => {
    const cases: [number, number[]][] = [
      [0, [0x00]],
      [1, [0x01]],
      [127, [0x7f]],
      [128, [0x80, 0x01]],
      [300, [0xac, 0x02]],
      [0xffffffff, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [value, expected] of cases) {
      assert.deepEqual([...written((w) => w.uvarint(value))], expected, `uvarint ${value}`);
      assert.equal(new KafkaReader(bytes(...expected)).uvarint(), value);
    }
  });

  it('zigzags varints and varlongs (0, -1, 1, -2 → 0, 1, 2, 3)', () => {
    assert.deepEqual([...written((w) => w.varint(0).varint(-1).varint(1).varint(-2))], [0, 1, 2, 3]);
    assert.deepEqual([...written((w) => w.varlong(-(2n ** 63n)))], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (i, l) => {
        const r = new KafkaReader(written((w) => w.varint(i).varlong(l)));
        assert.equal(r.varint(), i);
        assert.equal(r.varlong(), l);
        assert.equal(r.remaining, 0);
      }),
    );
  });

  it('round-trips classic and compact strings, bytes and arrays, null included', () => {
    fc.assert(
      fc.property(fc.option(fc.string({ unit: 'grapheme' }), { nil: null }), fc.option(fc.uint8Array(), { nil: null }), fc.option(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { nil: null }), (s, b, a) => {
        const buf = written((w) => {
          for (const flexible of [false, true]) {
            w.nullableStringOf(flexible, s).stringOf(flexible, s ?? '');
            w.nullableBytesOf(flexible, b).bytesOf(flexible, b ?? new Uint8Array());
            w.nullableArrayOf(flexible, a, (x, v) => x.int32(v)).arrayOf(flexible, a ?? [], (x, v) => x.int32(v));
          }
        });
        const r = new KafkaReader(buf);
        for (const flexible of [false, true]) {
          assert.equal(r.nullableStringOf(flexible), s);
          assert.equal(r.stringOf(flexible), s ?? '');
          const nb = r.nullableBytesOf(flexible);
          assert.deepEqual(nb === null ? null : [...nb], b === null ? null : [...b]);
          assert.deepEqual([...r.bytesOf(flexible)], [...(b ?? [])]);
          assert.deepEqual(r.nullableArrayOf(flexible, (x) => x.int32(), 'a', 4), a);
          assert.deepEqual(r.arrayOf(flexible, (x) => x.int32(), 'a', 4), a ?? []);
        }
        assert.equal(r.remaining, 0);
      }),
    );
  });

  it('encodes compact forms as length + 1 (0 is null) and classic nulls as -1', () => {
    assert.deepEqual([...written((w) => w.compactString('ab').compactNullableString(null).compactArray([7], (x, v) => x.int8(v)))], [3, 0x61, 0x62, 0, 2, 7]);
    assert.deepEqual([...written((w) => w.nullableString(null).nullableBytes(null).nullableArray(null, () => undefined))], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  });

  it('reads tagged fields: known tags through a bounded reader, unknown ones skipped', () => {
    const buf = written((w) =>
      w
        .taggedFields([
          { tag: 0, data: bytes(0, 0, 0, 9) },
          { tag: 5, data: bytes(1, 2, 3) },
          { tag: 300, data: bytes() },
        ])
        .int8(77),
    );
    const seen: [number, number][] = [];
    const r = new KafkaReader(buf);
    r.taggedFields((tag, field) => {
      if (tag === 0) seen.push([tag, field.int32()]);
      else seen.push([tag, field.remaining]);
    });
    assert.deepEqual(seen, [
      [0, 9],
      [5, 3],
      [300, 0],
    ]);
    assert.equal(r.int8(), 77);
    // A handler that reads past its field fails inside the field, not past it.
    assert.throws(() => new KafkaReader(written((w) => w.taggedFields([{ tag: 1, data: bytes(1) }]).int32(5))).taggedFields((_t, f) => f.int32()), decodeError('truncated'));
  });

  it('maps uuids to and from their 16 bytes; a Sluice topic id maps to itself, anything else to a stable hash', () => {
    const id = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    assert.equal(uuidFromBytes(uuidToBytes(id)), id);
    assert.equal(new KafkaReader(written((w) => w.uuid(id))).uuid(), id);
    assert.equal(kafkaTopicId(id.toUpperCase()), id);
    assert.equal(kafkaTopicId('topic-1'), kafkaTopicId('topic-1'));
    assert.notEqual(kafkaTopicId('topic-1'), kafkaTopicId('topic-2'));
    assert.notEqual(kafkaTopicId(ZERO_UUID), ZERO_UUID);
    assert.match(kafkaTopicId('topic-1'), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('KafkaReader on short and hostile input', () => {
  it('reports truncation as KafkaDecodeError(truncated)', () => {
    assert.throws(() => new KafkaReader(bytes(0)).int16(), decodeError('truncated'));
    assert.throws(() => new KafkaReader(bytes(0, 0, 0)).int32(), decodeError('truncated'));
    assert.throws(() => new KafkaReader(bytes(0x80)).uvarint(), decodeError('truncated'));
    assert.throws(() => new KafkaReader(bytes(0, 0, 0, 0, 0, 0, 0)).int64(), decodeError('truncated'));
    assert.throws(() => new KafkaReader(bytes(1, 2)).uuid(), decodeError('truncated'));
  });

  it('refuses a length larger than the frame before allocating (a 2 GiB string, a 2^31 - 1 item array)', () => {
    assert.throws(() => new KafkaReader(bytes(0x7f, 0xff, 0x61)).string(), decodeError('length-exceeds-frame'));
    assert.throws(() => new KafkaReader(bytes(0x7f, 0xff, 0xff, 0xff)).bytes(), decodeError('length-exceeds-frame'));
    assert.throws(() => new KafkaReader(bytes(0x7f, 0xff, 0xff, 0xff, 0)).array((r) => r.int8()), decodeError('length-exceeds-frame'));
    assert.throws(() => new KafkaReader(bytes(0xff, 0xff, 0xff, 0xff, 0x0f)).compactArray((r) => r.int8()), decodeError('length-exceeds-frame'));
    // Counts are bounded by the smallest item: 3 int32s cannot fit in 8 bytes.
    assert.throws(() => new KafkaReader(bytes(0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0)).array((r) => r.int32(), 'ids', 4), decodeError('length-exceeds-frame'));
    assert.throws(() => new KafkaReader(bytes(1, 7, 0x7f)).taggedFields(), decodeError('length-exceeds-frame'));
  });

  it('refuses negative lengths other than null, and null where none is allowed', () => {
    assert.throws(() => new KafkaReader(bytes(0xff, 0xfe)).nullableString(), decodeError('invalid-length'));
    assert.throws(() => new KafkaReader(bytes(0xff, 0xff)).string(), decodeError('invalid-length'));
    assert.throws(() => new KafkaReader(bytes(0)).compactString(), decodeError('invalid-length'));
    assert.throws(() => new KafkaReader(bytes(0xff, 0xff, 0xff, 0xff)).array(() => 0), decodeError('invalid-length'));
  });

  it('refuses over-long varints and invalid UTF-8', () => {
    assert.throws(() => new KafkaReader(bytes(0x80, 0x80, 0x80, 0x80, 0x10)).uvarint(), decodeError('invalid-varint'));
    assert.throws(() => new KafkaReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80)).uvarint(), decodeError('invalid-varint'));
    assert.throws(() => new KafkaReader(Buffer.alloc(11, 0x80)).varlong(), decodeError('invalid-varint'));
    assert.throws(() => new KafkaReader(bytes(0, 2, 0xc3, 0x28)).string(), decodeError('invalid-utf8'));
  });
});
