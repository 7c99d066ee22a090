import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflate, type SyncInflate } from '../../../lib/protocol/batch-compression';
import { CorruptRecordError } from '../../../lib/protocol/sluice-error';

/** A codec that fails as node:zlib's do: an Error with a `code`. */
const failing = (code: string, message: string): SyncInflate => () => {
  throw Object.assign(new Error(message), { code });
};

describe('inflate', () => {
  it('answers what the codec it is given answers, passing it the output cap', () => {
    const caps: number[] = [];
    const out = inflate('gzip', new Uint8Array([1]), (data, { maxOutputLength }) => (caps.push(maxOutputLength), new Uint8Array([...data, 2])), 99);
    assert.deepEqual([...out], [1, 2]);
    assert.deepEqual(caps, [99]);
  });

  it("turns the codec's output-too-large error into CORRUPT_RECORD naming the cap", () => {
    assert.throws(
      () => inflate('gzip', new Uint8Array([1]), failing('ERR_BUFFER_TOO_LARGE', 'too large'), 1024),
      (e: unknown) => e instanceof CorruptRecordError && e.code === 'CORRUPT_RECORD' && /decompresses to more than 1024 bytes/.test(e.message) && e.details.limit === 1024,
    );
  });

  it("turns any other codec error into CORRUPT_RECORD with the codec's reason", () => {
    assert.throws(
      () => inflate('gzip', new Uint8Array([1]), failing('Z_DATA_ERROR', 'incorrect header check')),
      (e: unknown) => e instanceof CorruptRecordError && e.message === 'gzip data does not decompress: incorrect header check',
    );
  });

  it('refuses zstd output of another size than its frame declares (a frame cut short)', () => {
    // A single-segment zstd frame header declaring 5 bytes of content.
    const frame = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x20, 5]);
    assert.equal(inflate('zstd', frame, () => new Uint8Array(5)).byteLength, 5);
    assert.throws(() => inflate('zstd', frame, () => new Uint8Array(3)), (e: unknown) => e instanceof CorruptRecordError && /declares 5 bytes, 3 decompressed/.test(e.message));
  });
});
