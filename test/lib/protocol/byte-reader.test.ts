import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader } from '../../../lib/protocol/byte-reader';
import { CorruptRecordError } from '../../../lib/protocol/sluice-error';

describe('ByteReader', () => {
  it("reads big-endian fields and Kafka's zigzag varint and varlong from a plain Uint8Array", () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x80, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe, 0x01, 0x80, 0x01, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x03, 0x61, 0x62, 0x63]);
    const reader = new ByteReader(bytes);
    assert.equal(reader.int16(), -2);
    assert.equal(reader.int32(), -2147483647);
    assert.equal(reader.int32(), -2);
    assert.equal(reader.varint(), -1);
    assert.equal(reader.varint(), 64);
    assert.equal(reader.varint(), 2147483647);
    assert.equal(reader.varlong(), -2);
    assert.equal(reader.utf8(3), 'abc');
    assert.equal(reader.remaining, 0);
  });

  it('answers views of the bytes, not copies and not Buffers, for a plain Uint8Array', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const view = new ByteReader(bytes, 1).bytes(2);
    assert.deepEqual([...view], [2, 3]);
    assert.ok(!Buffer.isBuffer(view));
    assert.equal(view.buffer, bytes.buffer);
  });

  it('refuses a read past its end with CORRUPT_RECORD naming what it was reading', () => {
    assert.throws(
      () => new ByteReader(new Uint8Array([0, 0, 0]), 0, 2).int32('batch batchLength'),
      (e: unknown) => e instanceof CorruptRecordError && e.code === 'CORRUPT_RECORD' && e.message === 'truncated batch batchLength: needs 4 bytes at offset 0, only 2 remain',
    );
  });
});
