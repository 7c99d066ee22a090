import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CorruptRecordError } from '../../../lib/core/errors';
import { decodeBatch, decodeBatchWithHeader } from '../../../lib/format/batch-codec';
import { COMPRESSIONS } from '../../../lib/format/compression';
import {
  encodeSegmentObject,
  type PartitionBatch,
  parseSegmentIndex,
  parseSegmentTrailer,
  readSegmentIndex,
  SEGMENT_TRAILER_BYTES,
} from '../../../lib/format/segment-object';
import type { LogRecord } from '../../../lib/records/log-record';

const bytes = fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b));
const record: fc.Arbitrary<LogRecord> = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'ü'), value: fc.option(bytes, { nil: null }) }), { maxLength: 3 }),
  timestamp: fc.integer({ min: 0, max: 2 ** 43 }),
});
const batches: fc.Arbitrary<PartitionBatch[]> = fc.uniqueArray(
  fc.record(
    {
      partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      records: fc.array(record, { maxLength: 6 }),
      producer: fc.record({
        producerId: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        producerEpoch: fc.integer({ min: 0, max: 32767 }),
        baseSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      }),
    },
    { requiredKeys: ['partition', 'records'] },
  ),
  { selector: (b) => b.partition, maxLength: 8 },
);
const objectOptions = fc.record(
  {
    topicId: fc.string({ unit: 'binary', maxLength: 40 }),
    compression: fc.constantFrom(...COMPRESSIONS),
    timestampType: fc.constantFrom('CreateTime' as const, 'LogAppendTime' as const),
  },
  { requiredKeys: [] },
);

function plain(records: readonly LogRecord[]): LogRecord[] {
  return records.map((r) => ({ ...r, headers: r.headers.map((h) => ({ ...h })) }));
}

function corrupt(pattern: RegExp) {
  return (e: unknown) => e instanceof CorruptRecordError && pattern.test(e.message);
}

const a: LogRecord[] = [{ key: null, value: Buffer.from('a'), headers: [], timestamp: 1 }];
const b: LogRecord[] = [
  { key: Buffer.from('k'), value: Buffer.from('bb'), headers: [], timestamp: 5 },
  { key: Buffer.from('k'), value: Buffer.from('cc'), headers: [], timestamp: 2 },
];

describe('segment object', () => {
  it('records a byte range per partition that decodes to exactly that partition’s batch', () => {
    const object = encodeSegmentObject([
      { partition: 3, records: a },
      { partition: 7, records: b },
    ]);
    for (const [partition, records] of [
      [3, a],
      [7, b],
    ] as const) {
      const range = object.ranges.get(partition)!;
      assert.deepEqual(decodeBatch(object.body.subarray(range.byteStart, range.byteStart + range.byteLength)), records);
    }
  });

  it('frames the batches with "SLCO", version 1, and a trailer ending in "SLCI"', () => {
    const { body, ranges } = encodeSegmentObject([{ partition: 0, records: a }], { topicId: 't-1' });
    assert.equal(body.subarray(0, 4).toString('latin1'), 'SLCO');
    assert.equal(body[4], 1);
    assert.equal(ranges.get(0)!.byteStart, 5);
    assert.equal(body.subarray(body.length - 4).toString('latin1'), 'SLCI');
    const indexLength = body.readInt32BE(body.length - SEGMENT_TRAILER_BYTES);
    // index version, topicId length and bytes, entry count, one 36-byte entry
    assert.equal(indexLength, 1 + 2 + 3 + 4 + 36);
    assert.equal(5 + ranges.get(0)!.byteLength + indexLength + SEGMENT_TRAILER_BYTES, body.length);
  });

  it('indexes what it wrote; each range decodes to its partition’s records; the tail alone finds the index', () => {
    fc.assert(
      fc.property(batches, objectOptions, (input, options) => {
        const object = encodeSegmentObject(input, options);
        const index = readSegmentIndex(object.body);
        assert.equal(index.topicId, options.topicId ?? '');
        assert.deepEqual(
          index.entries,
          input.map((batch) => ({
            partition: batch.partition,
            ...object.ranges.get(batch.partition)!,
            recordCount: batch.records.length,
            firstTimestamp: batch.records[0]?.timestamp ?? -1,
            maxTimestamp: batch.records.length ? Math.max(...batch.records.map((r) => r.timestamp)) : -1,
          })),
        );
        assert.equal(object.ranges.size, input.length);
        for (const [i, entry] of index.entries.entries()) {
          const batch = input[i]!;
          const { header, records } = decodeBatchWithHeader(object.body.subarray(entry.byteStart, entry.byteStart + entry.byteLength));
          assert.deepEqual(records, plain(batch.records));
          assert.equal(header.compression, options.compression ?? 'none');
          assert.equal(header.timestampType, options.timestampType ?? 'CreateTime');
          assert.deepEqual(header.producer, batch.producer ? { ...batch.producer } : null);
        }
        // As a reader with ranged GETs would: the trailer, then the index before it.
        const { indexLength, indexCrc } = parseSegmentTrailer(object.body.subarray(object.body.length - SEGMENT_TRAILER_BYTES));
        const indexEnd = object.body.length - SEGMENT_TRAILER_BYTES;
        assert.deepEqual(parseSegmentIndex(object.body.subarray(indexEnd - indexLength, indexEnd), indexCrc), index);
      }),
      { numRuns: 150 },
    );
  });

  it('reads the trailer from any suffix that holds it', () => {
    const { body } = encodeSegmentObject([{ partition: 1, records: b }]);
    const expected = parseSegmentTrailer(body.subarray(body.length - SEGMENT_TRAILER_BYTES));
    assert.deepEqual(parseSegmentTrailer(body), expected);
    assert.deepEqual(parseSegmentTrailer(body.subarray(body.length - 100)), expected);
    assert.throws(() => parseSegmentTrailer(body.subarray(body.length - 11)), corrupt(/^truncated segment trailer/));
  });

  it('detects a flipped bit anywhere in its header, index or trailer', () => {
    fc.assert(
      fc.property(batches, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 7 }), (input, where, bit) => {
        const { body, ranges } = encodeSegmentObject(input, { topicId: 'topic' });
        const batchesEnd = 5 + [...ranges.values()].reduce((sum, r) => sum + r.byteLength, 0);
        const checked = [...Array(5).keys(), ...Array.from({ length: body.length - batchesEnd }, (_, i) => batchesEnd + i)];
        const index = checked[Math.floor(where * checked.length)]!;
        body[index]! ^= 1 << bit;
        assert.throws(() => readSegmentIndex(body), CorruptRecordError, `byte ${index} bit ${bit}`);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects truncated objects and foreign bytes', () => {
    const { body } = encodeSegmentObject([{ partition: 1, records: b }]);
    for (let cut = 0; cut < body.length; cut++) assert.throws(() => readSegmentIndex(body.subarray(0, cut)), CorruptRecordError, `cut to ${cut}`);
    assert.throws(() => readSegmentIndex(Buffer.alloc(64)), corrupt(/magic/));
    const wrongVersion = Buffer.from(body);
    wrongVersion[4] = 2;
    assert.throws(() => readSegmentIndex(wrongVersion), corrupt(/Unknown segment object version 2/));
  });

  it('checks the index CRC only when given one, and names expected and actual', () => {
    const { body } = encodeSegmentObject([{ partition: 1, records: b }]);
    const { indexLength, indexCrc } = parseSegmentTrailer(body);
    const indexEnd = body.length - SEGMENT_TRAILER_BYTES;
    const indexBytes = Buffer.from(body.subarray(indexEnd - indexLength, indexEnd));
    indexBytes.writeInt32BE(9, indexBytes.length - 36); // partition 1 → 9
    assert.equal(parseSegmentIndex(indexBytes).entries[0]!.partition, 9);
    assert.throws(() => parseSegmentIndex(indexBytes, indexCrc), corrupt(/Segment index CRC-32C mismatch: expected 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}/));
  });

  it('refuses two batches for one partition', () => {
    assert.throws(
      () =>
        encodeSegmentObject([
          { partition: 2, records: a },
          { partition: 2, records: b },
        ]),
      RangeError,
    );
  });

  it('holds an object with no batches', () => {
    const { body, ranges } = encodeSegmentObject([], { topicId: 'x' });
    assert.equal(ranges.size, 0);
    assert.deepEqual(readSegmentIndex(body), { topicId: 'x', entries: [] });
  });
});
