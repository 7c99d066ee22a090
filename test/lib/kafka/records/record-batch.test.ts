import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import snappy from 'snappyjs';
import { crc32c } from '../../../../lib/format/crc32c';
import { KAFKA_COMPRESSIONS, decompressRecords } from '../../../../lib/kafka/records/compression';
import { decodeRecordBatches, encodeRecordBatch, RECORD_BATCH_HEADER_BYTES, type KafkaRecord } from '../../../../lib/kafka/records/record-batch';
import { KafkaDecodeError } from '../../../../lib/kafka/wire/decode-error';

const records: KafkaRecord[] = [
  { offset: 40, timestamp: 1_700_000_000_000, key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }] },
  { offset: 41, timestamp: 1_700_000_000_005, key: null, value: null, headers: [{ key: 'n', value: null }] },
  { offset: 42, timestamp: 1_699_999_999_999, key: Buffer.alloc(0), value: Buffer.from('€'.repeat(500)), headers: [] },
];

/** The CRC recomputed after a test changed bytes past it, so the change reaches the field decoders. */
function resign(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
  return batch;
}

describe('Kafka RecordBatch v2 codec', () => {
  for (const compression of KAFKA_COMPRESSIONS) {
    it(`round-trips records with ${compression} compression`, () => {
      const bytes = encodeRecordBatch({ records, compression, partitionLeaderEpoch: 7 });
      const [batch, ...rest] = decodeRecordBatches(bytes);
      assert.equal(rest.length, 0);
      assert.equal(batch!.compression, compression);
      assert.equal(batch!.baseOffset, 40);
      assert.equal(batch!.lastOffsetDelta, 2);
      assert.equal(batch!.partitionLeaderEpoch, 7);
      assert.equal(batch!.baseTimestamp, 1_699_999_999_999);
      assert.equal(batch!.maxTimestamp, 1_700_000_000_005);
      assert.equal(batch!.producerId, -1);
      assert.deepEqual(batch!.records, records);
    });
  }

  it('lays out the header as the spec says', () => {
    const bytes = encodeRecordBatch({ records: records.slice(0, 1), compression: 'gzip', timestampType: 'LogAppendTime', producerId: 9, producerEpoch: 2, baseSequence: 5, partitionLeaderEpoch: 3 });
    assert.equal(bytes.readBigInt64BE(0), 40n); // baseOffset
    assert.equal(bytes.readInt32BE(8), bytes.length - 12); // batchLength: the bytes after it
    assert.equal(bytes.readInt32BE(12), 3); // partitionLeaderEpoch
    assert.equal(bytes.readInt8(16), 2); // magic
    assert.equal(bytes.readUInt32BE(17), crc32c(bytes.subarray(21))); // CRC-32C of attributes..end
    assert.equal(bytes.readInt16BE(21), 0x01 | 0x08); // gzip, LogAppendTime
    assert.equal(bytes.readInt32BE(23), 0); // lastOffsetDelta
    assert.equal(bytes.readBigInt64BE(27), 1_700_000_000_000n);
    assert.equal(bytes.readBigInt64BE(35), 1_700_000_000_000n);
    assert.equal(bytes.readBigInt64BE(43), 9n);
    assert.equal(bytes.readInt16BE(51), 2);
    assert.equal(bytes.readInt32BE(53), 5);
    assert.equal(bytes.readInt32BE(57), 1); // records count
  });

  it('encodes a record as varints: length, attributes, deltas, key, value, headers', () => {
    const bytes = encodeRecordBatch({ records: [{ offset: 0, timestamp: 10, key: Buffer.from('a'), value: Buffer.from('bc'), headers: [{ key: 'h', value: null }] }] });
    // length 12 (zigzag 24), attributes 0, timestampDelta 0, offsetDelta 0, key len 1 'a', value len 2 'bc', 1 header: key len 1 'h', value -1.
    assert.deepEqual([...bytes.subarray(RECORD_BATCH_HEADER_BYTES)], [24, 0, 0, 0, 2, 0x61, 4, 0x62, 0x63, 2, 2, 0x68, 1]);
  });

  it('carries offset gaps inside a batch and a lastOffsetDelta past its last record, as compaction leaves them', () => {
    const gapped = [records[0]!, { ...records[1]!, offset: 44 }, { ...records[2]!, offset: 47 }];
    const bytes = encodeRecordBatch({ records: gapped, lastOffsetDelta: 9 });
    assert.equal(bytes.readInt32BE(23), 9); // lastOffsetDelta: the batch covers 40..49
    const [batch] = decodeRecordBatches(bytes);
    assert.equal(batch!.baseOffset, 40);
    assert.equal(batch!.lastOffsetDelta, 9);
    assert.deepEqual(batch!.records, gapped);
    // A base offset below the first record's: its offsetDelta is not 0.
    const [based] = decodeRecordBatches(encodeRecordBatch({ records: gapped, baseOffset: 38 }));
    assert.equal(based!.baseOffset, 38);
    assert.equal(based!.lastOffsetDelta, 9);
    assert.deepEqual(based!.records.map((r) => r.offset), [40, 44, 47]);
  });

  it('encodes a batch with no records (all compacted away) as Kafka writes an empty header', () => {
    const bytes = encodeRecordBatch({ records: [], baseOffset: 100, lastOffsetDelta: 24, partitionLeaderEpoch: 0 });
    assert.equal(bytes.length, RECORD_BATCH_HEADER_BYTES);
    assert.equal(bytes.readBigInt64BE(0), 100n);
    assert.equal(bytes.readInt32BE(8), RECORD_BATCH_HEADER_BYTES - 12);
    assert.equal(bytes.readUInt32BE(17), crc32c(bytes.subarray(21)));
    assert.equal(bytes.readInt16BE(21), 0); // no compression, CreateTime
    assert.equal(bytes.readInt32BE(23), 24);
    assert.equal(bytes.readBigInt64BE(27), -1n); // NO_TIMESTAMP
    assert.equal(bytes.readBigInt64BE(35), -1n);
    assert.equal(bytes.readInt32BE(57), 0);
    const [batch, ...rest] = decodeRecordBatches(bytes);
    assert.equal(rest.length, 0);
    assert.deepEqual({ baseOffset: batch!.baseOffset, lastOffsetDelta: batch!.lastOffsetDelta, records: batch!.records }, { baseOffset: 100, lastOffsetDelta: 24, records: [] });
  });

  it('refuses offsets that do not increase from the base, and a lastOffsetDelta short of the last record or past int32', () => {
    assert.throws(() => encodeRecordBatch({ records: [] }), RangeError);
    assert.throws(() => encodeRecordBatch({ records: [], baseOffset: 5 }), RangeError);
    assert.throws(() => encodeRecordBatch({ records: [records[1]!, records[0]!] }), RangeError);
    assert.throws(() => encodeRecordBatch({ records: [records[0]!, { ...records[1]!, offset: 40 }] }), RangeError);
    assert.throws(() => encodeRecordBatch({ records, baseOffset: 41 }), RangeError);
    assert.throws(() => encodeRecordBatch({ records, lastOffsetDelta: 1 }), RangeError);
    assert.throws(() => encodeRecordBatch({ records, lastOffsetDelta: 2 ** 31 }), RangeError);
    assert.throws(() => encodeRecordBatch({ records: [records[0]!, { ...records[1]!, offset: 40 + 2 ** 31 }] }), RangeError);
    assert.equal(encodeRecordBatch({ records, lastOffsetDelta: 2 ** 31 - 1 }).readInt32BE(23), 2 ** 31 - 1);
  });

  it('reads several batches one after another', () => {
    const a = encodeRecordBatch({ records: records.slice(0, 2) });
    const b = encodeRecordBatch({ records: records.slice(2), compression: 'snappy' });
    assert.deepEqual(decodeRecordBatches(Buffer.concat([a, b])).map((batch) => batch.records.length), [2, 1]);
  });

  it('skips a cut-off last batch only when told to (a fetch answer)', () => {
    const a = encodeRecordBatch({ records: records.slice(0, 2) });
    const b = encodeRecordBatch({ records: records.slice(2) });
    const cut = Buffer.concat([a, b.subarray(0, 30)]);
    assert.throws(() => decodeRecordBatches(cut), KafkaDecodeError);
    assert.equal(decodeRecordBatches(cut, { allowPartialTail: true }).length, 1);
  });

  it('refuses a batch whose CRC does not match', () => {
    const bytes = encodeRecordBatch({ records });
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    assert.throws(() => decodeRecordBatches(bytes), (e: unknown) => e instanceof KafkaDecodeError && e.code === 'checksum-mismatch');
  });

  it('refuses magic 0 and 1 and unknown codecs', () => {
    const old = encodeRecordBatch({ records });
    old.writeInt8(1, 16);
    assert.throws(() => decodeRecordBatches(old), (e: unknown) => e instanceof KafkaDecodeError && e.code === 'unsupported-format');
    const codec = encodeRecordBatch({ records });
    codec.writeInt16BE(5, 21);
    assert.throws(() => decodeRecordBatches(resign(codec)), (e: unknown) => e instanceof KafkaDecodeError && e.code === 'unsupported-format');
  });

  it('refuses a records count the bytes cannot hold, before reading any', () => {
    const bytes = encodeRecordBatch({ records });
    bytes.writeInt32BE(0x7fffffff, 57);
    assert.throws(() => decodeRecordBatches(resign(bytes)), (e: unknown) => e instanceof KafkaDecodeError && e.code === 'invalid-length');
  });

  it('reads raw snappy as well as the xerial framing', () => {
    const body = encodeRecordBatch({ records }).subarray(RECORD_BATCH_HEADER_BYTES);
    assert.deepEqual(decompressRecords(Buffer.from(snappy.compress(body)), 'snappy', 1 << 20, 0), body);
    const xerial = encodeRecordBatch({ records, compression: 'snappy' }).subarray(RECORD_BATCH_HEADER_BYTES);
    assert.equal(xerial.subarray(0, 8).toString('latin1'), '\x82SNAPPY\x00');
    assert.deepEqual(decompressRecords(xerial, 'snappy', 1 << 20, 0), body);
  });

  it('bounds what compressed records may inflate to', () => {
    const big = Buffer.alloc(1 << 20);
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const bytes = encodeRecordBatch({ records: [{ offset: 0, timestamp: 0, key: null, value: big, headers: [] }], compression });
      assert.throws(
        () => decodeRecordBatches(bytes, { maxDecompressedBytes: 64 * 1024 }),
        (e: unknown) => e instanceof KafkaDecodeError && e.code === 'corrupt-compression',
        compression,
      );
    }
  });

  it('refuses a raw snappy literal whose 4-byte length is negative as a signed int (snappyjs would step backwards forever)', () => {
    // Declared length 10, then a literal tag with a 4-byte length of 0xfffffff0.
    const block = Buffer.from([10, 0xfc, 0xf0, 0xff, 0xff, 0xff]);
    assert.throws(() => decompressRecords(block, 'snappy', 1 << 20, 0), KafkaDecodeError);
  });

  it('refuses raw snappy copies from before the output start and elements past the declared length', () => {
    assert.throws(() => decompressRecords(Buffer.from([4, 0x01 | (0 << 2), 0x05]), 'snappy', 1 << 20, 0), KafkaDecodeError);
    assert.throws(() => decompressRecords(Buffer.from([1, 0x04, 0x61, 0x62]), 'snappy', 1 << 20, 0), KafkaDecodeError);
    assert.deepEqual(decompressRecords(Buffer.from([2, 0x04, 0x61, 0x62]), 'snappy', 1 << 20, 0), Buffer.from('ab'));
  });

  it('calls garbage in a compressed batch corrupt', () => {
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const bytes = encodeRecordBatch({ records, compression });
      bytes.fill(0x5a, RECORD_BATCH_HEADER_BYTES + 4);
      assert.throws(() => decodeRecordBatches(resign(bytes)), (e: unknown) => e instanceof KafkaDecodeError, compression);
    }
  });

  const recordArb = fc.record({
    timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
    key: fc.option(fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b))),
    value: fc.option(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b))),
    headers: fc.array(fc.record({ key: fc.string({ minLength: 1, maxLength: 10 }), value: fc.option(fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b))) }), { maxLength: 3 }),
  });

  it('round-trips any records (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 20 }), fc.constantFrom(...KAFKA_COMPRESSIONS), fc.nat(1e9), (rs, compression, base) => {
        const input = rs.map((r, i) => ({ ...r, headers: r.headers.map((h) => ({ ...h })), offset: base + i }));
        const [batch] = decodeRecordBatches(encodeRecordBatch({ records: input, compression }));
        assert.deepEqual(batch!.records, input);
      }),
      { numRuns: 200 },
    );
  });

  const onlyDecodeErrors = (bytes: Uint8Array) => {
    try {
      decodeRecordBatches(bytes, { maxDecompressedBytes: 1 << 20 });
    } catch (error) {
      if (!(error instanceof KafkaDecodeError)) throw error;
    }
  };

  it('fuzz: random bytes only ever fail with KafkaDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), onlyDecodeErrors), { numRuns: 2000 });
  });

  it('fuzz: mutated valid batches (CRC re-signed, so the field decoders see them) only ever fail with KafkaDecodeError', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...KAFKA_COMPRESSIONS),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (rs, compression, edits, cutAt) => {
          const bytes = encodeRecordBatch({ records: rs.map((r, i) => ({ ...r, offset: i })), compression });
          // Past the CRC field: every edit lands in what the CRC covers (or the length fields).
          for (const [at, value] of edits) bytes[8 + (at % (bytes.length - 8))] = value;
          if (bytes.length > 21) resign(bytes);
          onlyDecodeErrors(bytes);
          onlyDecodeErrors(bytes.subarray(0, cutAt % (bytes.length + 1)));
        },
      ),
      { numRuns: 1500 },
    );
  });
});
