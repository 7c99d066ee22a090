import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CorruptRecordError } from '../../../lib/core/errors';
import {
  BATCH_FORMAT_VERSION,
  BATCH_HEADER_BYTES,
  type BatchProducer,
  decodeBatch,
  decodeBatchAt,
  decodeBatchWithHeader,
  encodeBatch,
  type EncodeBatchOptions,
} from '../../../lib/format/batch-codec';
import { COMPRESSIONS } from '../../../lib/format/compression';
import { crc32c } from '../../../lib/format/crc32c';
import type { LogRecord } from '../../../lib/records/log-record';

const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
// Duplicate header keys come often from the small set; the rest is any Unicode.
const headerKey = fc.oneof(fc.constantFrom('', 'a', 'trace-id', 'ключ'), fc.string({ unit: 'binary', maxLength: 12 }));
const record: fc.Arbitrary<LogRecord> = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.array(fc.record({ key: headerKey, value: fc.option(bytes, { nil: null }) }), { maxLength: 5 }),
  // Any order: timestamps need not increase within a batch, so deltas may be negative.
  timestamp: fc.integer({ min: 0, max: 2 ** 43 }),
});
const producer: fc.Arbitrary<BatchProducer> = fc.record({
  producerId: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  producerEpoch: fc.integer({ min: 0, max: 32767 }),
  baseSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
const options: fc.Arbitrary<EncodeBatchOptions> = fc.record(
  {
    compression: fc.constantFrom(...COMPRESSIONS),
    producer,
    timestampType: fc.constantFrom('CreateTime' as const, 'LogAppendTime' as const),
  },
  { requiredKeys: [] },
);

/** fast-check builds null-prototype objects; deepEqual wants plain ones. */
function plain(records: readonly LogRecord[]): LogRecord[] {
  return records.map((r) => ({ ...r, headers: r.headers.map((h) => ({ ...h })) }));
}

function corrupt(pattern: RegExp) {
  return (e: unknown) => e instanceof CorruptRecordError && pattern.test(e.message);
}

/** Recomputes the CRC after a test edits the bytes it covers, to reach the checks behind it. */
function withCrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(17)), 13);
  return batch;
}

const one: LogRecord[] = [
  { key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [], timestamp: 1000 },
  { key: null, value: Buffer.from('v2'), headers: [{ key: 'h', value: null }], timestamp: 1001 },
];

describe(`batch codec (format version ${BATCH_FORMAT_VERSION})`, () => {
  it('decodes what it encodes: bytes, nulls, empties, duplicate headers, any timestamps, every compression, with and without producer', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), options, (records, opts) => {
        const encoded = encodeBatch(records, opts);
        const { header, records: decoded } = decodeBatchWithHeader(encoded);
        assert.deepEqual(decoded, plain(records));
        assert.deepEqual(decodeBatch(encoded), plain(records));
        const timestamps = records.map((r) => r.timestamp);
        assert.deepEqual(header, {
          version: 1,
          batchLength: encoded.length - 12,
          compression: opts.compression ?? 'none',
          timestampType: opts.timestampType ?? 'CreateTime',
          lastOffsetDelta: records.length - 1,
          firstTimestamp: records.length ? records[0]!.timestamp : -1,
          maxTimestamp: records.length ? Math.max(...timestamps) : -1,
          producer: opts.producer ? { ...opts.producer } : null,
          recordCount: records.length,
        });
      }),
      { numRuns: 200 },
    );
  });

  it('lays out the header as specified, byte for byte', () => {
    const encoded = encodeBatch(one, { producer: { producerId: 42, producerEpoch: 3, baseSequence: 7 }, timestampType: 'LogAppendTime' });
    const recordsHex =
      // record 0: length 10, attributes 0, timestampDelta 0, offsetDelta 0, key "k1", value "v1", no headers
      '14' + '00' + '00' + '00' + '04' + '6b31' + '04' + '7631' + '00' +
      // record 1: length 11, attributes 0, timestampDelta +1, offsetDelta 1, key null, value "v2", 1 header "h" = null
      '16' + '00' + '02' + '02' + '01' + '04' + '7632' + '02' + '02' + '68' + '01';
    const expected =
      '0000000000000000' + // baseOffset 0
      (45 + recordsHex.length / 2).toString(16).padStart(8, '0') + // batchLength
      '01' + // magic
      encoded.subarray(13, 17).toString('hex') + // crc, checked below
      '0008' + // attributes: no compression, LogAppendTime
      '00000001' + // lastOffsetDelta
      (1000).toString(16).padStart(16, '0') + // firstTimestamp
      (1001).toString(16).padStart(16, '0') + // maxTimestamp
      '000000000000002a' + // producerId 42
      '0003' + // producerEpoch
      '00000007' + // baseSequence
      '00000002' + // recordCount
      recordsHex;
    assert.equal(encoded.toString('hex'), expected);
    assert.equal(encoded.readUInt32BE(13), crc32c(encoded.subarray(17)));
    assert.equal(BATCH_HEADER_BYTES, 57);
  });

  it('writes the Kafka codec and "no producer" values into the header', () => {
    assert.equal(encodeBatch(one, { compression: 'gzip' }).readInt16BE(17), 1);
    assert.equal(encodeBatch(one, { compression: 'zstd' }).readInt16BE(17), 4);
    const plainBatch = encodeBatch(one);
    assert.equal(plainBatch.readInt16BE(17), 0);
    assert.equal(plainBatch.readBigInt64BE(39), -1n);
    assert.equal(plainBatch.readInt16BE(47), -1);
    assert.equal(plainBatch.readInt32BE(49), -1);
  });

  it('encodes an empty batch, with -1 timestamps', () => {
    const { header, records } = decodeBatchWithHeader(encodeBatch([]));
    assert.deepEqual(records, []);
    assert.equal(header.recordCount, 0);
    assert.equal(header.lastOffsetDelta, -1);
    assert.equal(header.firstTimestamp, -1);
    assert.equal(header.maxTimestamp, -1);
  });

  it('refuses to encode timestamps it could not store', () => {
    for (const timestamp of [-1, 1.5, 2 ** 53]) {
      assert.throws(() => encodeBatch([{ key: null, value: null, headers: [], timestamp }]), RangeError);
    }
  });

  it('detects any single flipped bit, except in baseOffset, which the CRC does not cover (as in Kafka) and the reader ignores', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 5 }),
        options,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 0, max: 7 }),
        (records, opts, where, bit) => {
          const encoded = encodeBatch(records, opts);
          const index = Math.floor(where * encoded.length);
          encoded[index]! ^= 1 << bit;
          if (index < 8) {
            assert.deepEqual(decodeBatch(encoded), plain(records));
          } else {
            assert.throws(() => decodeBatch(encoded), CorruptRecordError, `flipped bit ${bit} of byte ${index}`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('detects a flip in every byte of one batch', () => {
    const encoded = encodeBatch(one, { compression: 'gzip' });
    for (let index = 8; index < encoded.length; index++) {
      const copy = Buffer.from(encoded);
      copy[index]! ^= 0x10;
      assert.throws(() => decodeBatch(copy), CorruptRecordError, `byte ${index}`);
    }
  });

  it('rejects any truncation, and bytes past the batch', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 5 }), options, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (records, opts, where) => {
        const encoded = encodeBatch(records, opts);
        const cut = Math.floor(where * encoded.length);
        assert.throws(() => decodeBatch(encoded.subarray(0, cut)), corrupt(/truncated/i), `cut to ${cut} of ${encoded.length}`);
      }),
      { numRuns: 300 },
    );
    const encoded = encodeBatch(one);
    assert.throws(() => decodeBatch(Buffer.concat([encoded, Buffer.from([0])])), corrupt(/1 bytes after the \d+ its batchLength covers/));
  });

  it('names expected and actual CRC on a mismatch', () => {
    const encoded = encodeBatch(one);
    const stored = encoded.readUInt32BE(13);
    encoded[encoded.length - 1]! ^= 0xff;
    const actual = crc32c(encoded.subarray(17));
    assert.throws(
      () => decodeBatch(encoded),
      corrupt(new RegExp(`CRC-32C mismatch: expected 0x${stored.toString(16).padStart(8, '0')}, computed 0x${actual.toString(16).padStart(8, '0')}`)),
    );
  });

  it('names an unknown version, and reads version-0 (JSON) batches as one', () => {
    const encoded = encodeBatch(one);
    encoded[12] = 9;
    assert.throws(() => decodeBatch(encoded), corrupt(/Unknown batch format version 9/));
    const v0 = Buffer.concat([Buffer.from([0]), Buffer.from(JSON.stringify([{ k: null, v: 'YQ==', h: [], t: 1 }]))]);
    assert.throws(() => decodeBatch(v0), corrupt(/Unknown batch format version/));
  });

  it('rejects a batchLength too small to hold the header', () => {
    const encoded = encodeBatch([]);
    encoded.writeInt32BE(44, 8);
    assert.throws(() => decodeBatch(encoded.subarray(0, 56)), corrupt(/Batch length 44 is shorter than the 45-byte header/));
  });

  it('rejects record counts that do not match the records, even under a valid CRC', () => {
    const fewer = Buffer.from(encodeBatch(one));
    fewer.writeInt32BE(1, 53);
    fewer.writeInt32BE(0, 19);
    assert.throws(() => decodeBatch(withCrc(fewer)), corrupt(/trailing garbage after its 1 records/));

    const more = Buffer.from(encodeBatch(one));
    more.writeInt32BE(3, 53);
    more.writeInt32BE(2, 19);
    assert.throws(() => decodeBatch(withCrc(more)), corrupt(/cannot hold|truncated record 2/));

    const inconsistent = Buffer.from(encodeBatch(one));
    inconsistent.writeInt32BE(0, 19);
    assert.throws(() => decodeBatch(withCrc(inconsistent)), corrupt(/lastOffsetDelta 0 is below its record count 2 less one/));

    const negative = Buffer.from(encodeBatch(one));
    negative.writeInt32BE(-2, 53);
    assert.throws(() => decodeBatch(withCrc(negative)), corrupt(/record count -2 is negative/));
  });

  it('rejects trailing garbage inside the batch and a record running past the end, even under a valid CRC', () => {
    const encoded = encodeBatch(one);
    const padded = Buffer.concat([encoded, Buffer.from([0, 0, 0])]);
    padded.writeInt32BE(encoded.readInt32BE(8) + 3, 8);
    assert.throws(() => decodeBatch(withCrc(padded)), corrupt(/3 bytes of trailing garbage/));

    const short = Buffer.from(encoded.subarray(0, encoded.length - 1));
    short.writeInt32BE(encoded.readInt32BE(8) - 1, 8);
    assert.throws(() => decodeBatch(withCrc(short)), corrupt(/Record 1 of 2 runs past the end of the batch/));

    // Record 0's length says one byte more than its fields take.
    const long = Buffer.from(encoded);
    long[BATCH_HEADER_BYTES] = long[BATCH_HEADER_BYTES]! + 2;
    assert.throws(() => decodeBatch(withCrc(long)), corrupt(/Record 0 says 11 bytes but its fields take 10/));
  });

  it('rejects unknown compression codes and attribute bits, even under a valid CRC', () => {
    for (const [code, pattern] of [
      [2, /Unknown compression code 2 \(Kafka's snappy, not supported\)/],
      [3, /Unknown compression code 3 \(Kafka's lz4, not supported\)/],
      [5, /Unknown compression code 5$/],
      [7, /Unknown compression code 7$/],
    ] as const) {
      const encoded = encodeBatch(one);
      encoded.writeInt16BE(code, 17);
      assert.throws(() => decodeBatch(withCrc(encoded)), corrupt(pattern));
    }
    const transactional = encodeBatch(one);
    transactional.writeInt16BE(0x10, 17);
    assert.throws(() => decodeBatch(withCrc(transactional)), corrupt(/attributes 0x10 set bits this reader does not know/));
  });

  it('reports corrupt compressed records as CorruptRecordError, even under a valid CRC', () => {
    for (const compression of ['gzip', 'zstd'] as const) {
      const encoded = encodeBatch(one, { compression });
      encoded[BATCH_HEADER_BYTES + 4]! ^= 0xff;
      encoded[encoded.length - 2]! ^= 0xff;
      assert.throws(() => decodeBatch(withCrc(encoded)), CorruptRecordError, compression);
    }
  });

  it('keeps a leading U+FEFF (byte-order mark) in header keys, in every compression', () => {
    const records: LogRecord[] = [{ key: Buffer.from('\ufeffk'), value: Buffer.from('\ufeffhello'), headers: [{ key: '\ufeffh', value: Buffer.from('\ufeffv') }], timestamp: 1 }];
    for (const compression of COMPRESSIONS) {
      const [decoded] = decodeBatch(encodeBatch(records, { compression }));
      assert.equal(decoded!.headers[0]!.key, '\ufeffh', compression);
      assert.deepEqual(decoded, records[0], compression);
    }
  });

  describe('batches compaction rewrote (offsets with holes)', () => {
    it('gives each record its offset from its offset delta, and keeps the span past the last record', () => {
      const encoded = encodeBatch(one, { offsetDeltas: [2, 7], lastOffsetDelta: 9, compression: 'gzip' });
      const { header } = decodeBatchWithHeader(encoded);
      assert.equal(header.lastOffsetDelta, 9);
      assert.equal(header.recordCount, 2);
      assert.deepEqual(
        decodeBatchAt(encoded, 100).map((r) => r.offset),
        [102, 107],
      );
    });

    it('holds no records and still covers its span, when every record of the range was compacted away', () => {
      const encoded = encodeBatch([], { offsetDeltas: [], lastOffsetDelta: 4 });
      assert.equal(decodeBatchWithHeader(encoded).header.lastOffsetDelta, 4);
      assert.deepEqual(decodeBatchAt(encoded, 10), []);
    });

    it('refuses offset deltas that do not increase, or a span shorter than them, when encoding', () => {
      assert.throws(() => encodeBatch(one, { offsetDeltas: [3, 3] }), /offsetDeltas\[1\] must be a 32-bit integer above the one before it/);
      assert.throws(() => encodeBatch(one, { offsetDeltas: [0, 5], lastOffsetDelta: 4 }), /lastOffsetDelta must be at least the last offset delta/);
    });

    it('refuses a record whose offset delta goes backwards or past the span, even under a valid CRC', () => {
      const backwards = Buffer.from(encodeBatch(one, { offsetDeltas: [4, 5], lastOffsetDelta: 5 }));
      // The first record's offsetDelta varint (zigzag 4 = 8) sits after its length, attributes and timestampDelta.
      const firstDelta = BATCH_HEADER_BYTES + 3;
      assert.equal(backwards[firstDelta], 8);
      backwards[firstDelta] = 10; // zigzag 5: the second record's too
      assert.throws(() => decodeBatch(withCrc(backwards)), corrupt(/Record 1 has offsetDelta 5, outside 6\.\.5/));
      backwards[firstDelta] = 12; // zigzag 6: past the span
      assert.throws(() => decodeBatch(withCrc(backwards)), corrupt(/Record 0 has offsetDelta 6, outside 0\.\.5/));
      const past = Buffer.from(encodeBatch(one, { offsetDeltas: [0, 1], lastOffsetDelta: 1 }));
      past.writeInt32BE(0, 19);
      past.writeInt32BE(1, 53);
      assert.throws(() => decodeBatch(withCrc(past)), corrupt(/offsetDelta|trailing/));
    });
  });
});
