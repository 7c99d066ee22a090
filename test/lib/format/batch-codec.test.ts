import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CorruptRecordError } from '../../../lib/errors';
import { decodeBatch, encodeBatch } from '../../../lib/format/batch-codec';
import { encodeSegmentObject } from '../../../lib/format/segment-object';
import type { LogRecord } from '../../../lib/records/log-record';

const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
const record: fc.Arbitrary<LogRecord> = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.array(fc.record({ key: fc.string({ minLength: 1, maxLength: 8 }), value: fc.option(bytes, { nil: null }) }), { maxLength: 4 }),
  timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
});

describe('batch codec (format version 0)', () => {
  it('decodes what it encodes, bytes, nulls and header order included', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), (records) => {
        // fast-check builds null-prototype objects; compare plain copies.
        const plain = records.map((r) => ({ ...r, headers: r.headers.map((h) => ({ ...h })) }));
        assert.deepEqual(decodeBatch(encodeBatch(records)), plain);
      }),
    );
  });

  it('rejects an unknown version byte', () => {
    const encoded = encodeBatch([{ key: null, value: null, headers: [], timestamp: 1 }]);
    encoded[0] = 9;
    assert.throws(() => decodeBatch(encoded), (e: unknown) => e instanceof CorruptRecordError && /version 9/.test(e.message));
  });

  it('rejects a truncated batch', () => {
    const encoded = encodeBatch([{ key: null, value: Buffer.from('abc'), headers: [], timestamp: 1 }]);
    assert.throws(() => decodeBatch(encoded.subarray(0, encoded.length - 3)), CorruptRecordError);
  });
});

describe('segment object', () => {
  it('records a byte range per partition that decodes to exactly that partition’s batch', () => {
    const a = [{ key: null, value: Buffer.from('a'), headers: [], timestamp: 1 }];
    const b = [{ key: Buffer.from('k'), value: Buffer.from('bb'), headers: [], timestamp: 2 }];
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
});
