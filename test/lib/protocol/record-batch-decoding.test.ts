import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decompress } from '../../../lib/protocol/batch-compression';
import { crc32c } from '../../../lib/protocol/crc32c';
import { BATCH_ATTRIBUTES_OFFSET, BATCH_CRC_OFFSET, BATCH_HEADER_BYTES, decodeBatchAt, decodeBatchWithHeader } from '../../../lib/protocol/record-batch-decoding';
import { SluiceError } from '../../../lib/protocol/sluice-error';

/**
 * A batch as lib/format/batch-codec.ts wrote it, kept as bytes so the decoder is checked
 * against the format, not against the encoder of the day: two records, a producer.
 */
const KNOWN_BATCH = [
  '0000000000000000', // baseOffset
  '00000045', // batchLength: 69
  '01', // magic
  'b9076921', // crc
  '0000', // attributes: none, CreateTime
  '00000001', // lastOffsetDelta
  '0000018bcfe56800', // firstTimestamp: 1700000000000
  '0000018bcfe56805', // maxTimestamp
  '0000000000000007', // producerId
  '0001', // producerEpoch
  '00000003', // baseSequence
  '00000002', // recordCount
  '20000000026b0a68656c6c6f0202680276', // key 'k', value 'hello', header h=v
  '0c000a02010100', // timestamp +5, offset delta 1, null key and value, no headers
].join('');

/** The known batch as a plain Uint8Array (what a browser's fetch gives), not a Buffer. */
function knownBatch(): Uint8Array {
  return new Uint8Array(KNOWN_BATCH.match(/../g)!.map((byte) => parseInt(byte, 16)));
}

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

const neverDecompress: Decompress = () => assert.fail('an uncompressed batch was handed to decompress');

/** `batch` with its attributes' compression code set to `code` and its CRC made right again. */
function withCompressionCode(batch: Uint8Array, code: number): Uint8Array {
  const copy = batch.slice();
  const view = new DataView(copy.buffer);
  view.setInt16(BATCH_ATTRIBUTES_OFFSET, code);
  view.setUint32(BATCH_CRC_OFFSET, crc32c(copy.subarray(BATCH_ATTRIBUTES_OFFSET)));
  return copy;
}

function refusal(action: () => unknown): SluiceError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('decodeBatchWithHeader', () => {
  it('decodes a known batch: its header and its records', () => {
    const { header, records, offsetDeltas } = decodeBatchWithHeader(knownBatch(), neverDecompress);
    assert.deepEqual(header, {
      version: 1,
      batchLength: 69,
      compression: 'none',
      timestampType: 'CreateTime',
      lastOffsetDelta: 1,
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_005,
      producer: { producerId: 7, producerEpoch: 1, baseSequence: 3 },
      recordCount: 2,
    });
    assert.deepEqual(offsetDeltas, [0, 1]);
    assert.deepEqual(
      records.map((r) => ({ key: text(r.key), value: text(r.value), headers: r.headers.map((h) => [h.key, text(h.value)]), timestamp: r.timestamp })),
      [
        { key: 'k', value: 'hello', headers: [['h', 'v']], timestamp: 1_700_000_000_000 },
        { key: null, value: null, headers: [], timestamp: 1_700_000_000_005 },
      ],
    );
  });

  it('answers views of the bytes it is given, of their class: a plain Uint8Array gives Uint8Arrays, not Buffers', () => {
    const batch = knownBatch();
    const value = decodeBatchWithHeader(batch, neverDecompress).records[0]!.value!;
    assert.ok(!Buffer.isBuffer(value));
    assert.equal(value.buffer, batch.buffer);
  });

  it('refuses a batch whose CRC-32C does not match with CORRUPT_RECORD, not retriable', () => {
    const batch = knownBatch();
    batch[BATCH_HEADER_BYTES + 5]! ^= 0x01;
    const error = refusal(() => decodeBatchWithHeader(batch, neverDecompress));
    assert.equal(error.code, 'CORRUPT_RECORD');
    assert.equal(error.retriable, false);
    assert.match(error.message, /CRC-32C mismatch: expected 0xb9076921/);
  });

  it('refuses every truncation of a batch with CORRUPT_RECORD', () => {
    const batch = knownBatch();
    for (let length = 0; length < batch.byteLength; length++) {
      assert.equal(refusal(() => decodeBatchWithHeader(batch.subarray(0, length), neverDecompress)).code, 'CORRUPT_RECORD', `cut at ${length}`);
    }
  });

  it('hands a compressed records section to the decompress it is given and reads what that answers', () => {
    // "gzip" whose decompression is the identity: the decoder's part is the same either way.
    const batch = withCompressionCode(knownBatch(), 1);
    const calls: [string, number][] = [];
    const { header, records } = decodeBatchWithHeader(batch, (compression, data) => {
      calls.push([compression, data.byteLength]);
      return data;
    });
    assert.deepEqual(calls, [['gzip', batch.byteLength - BATCH_HEADER_BYTES]]);
    assert.equal(header.compression, 'gzip');
    assert.deepEqual(records.map((r) => text(r.value)), ['hello', null]);
  });

  it("refuses Kafka's snappy and lz4 codes by name with CORRUPT_RECORD", () => {
    for (const [code, name] of [[2, 'snappy'], [3, 'lz4']] as const) {
      const error = refusal(() => decodeBatchWithHeader(withCompressionCode(knownBatch(), code), neverDecompress));
      assert.equal(error.code, 'CORRUPT_RECORD');
      assert.match(error.message, new RegExp(`Kafka's ${name}, not supported`));
    }
  });
});

describe('decodeBatchAt', () => {
  it('gives each record its offset: the base offset plus its delta', () => {
    assert.deepEqual(decodeBatchAt(knownBatch(), 40, neverDecompress).map((r) => r.offset), [40, 41]);
  });
});
