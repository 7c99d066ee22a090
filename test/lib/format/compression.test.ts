import assert from 'node:assert/strict';
import { syncBuiltinESMExports } from 'node:module';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { CompressionUnsupportedError, CorruptRecordError } from '../../../lib/core/errors';
import { COMPRESSIONS, compress, decompress, zstdFrameContentSize } from '../../../lib/format/compression';

describe('compression', () => {
  it('round-trips any bytes with every codec', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMPRESSIONS), fc.uint8Array({ maxLength: 2000 }), (compression, data) => {
        assert.deepEqual(decompress(compress(data, compression), compression), Buffer.from(data));
      }),
      { numRuns: 60 },
    );
  });

  it('actually compresses with gzip and zstd, and leaves none alone', () => {
    const data = Buffer.alloc(10_000, 'abc');
    assert.deepEqual(compress(data, 'none'), data);
    assert.ok(compress(data, 'gzip').length < 200);
    assert.ok(compress(data, 'zstd').length < 200);
    assert.equal(compress(data, 'gzip').subarray(0, 2).toString('hex'), '1f8b');
    assert.equal(compress(data, 'zstd').subarray(0, 4).toString('hex'), '28b52ffd');
  });

  it('turns any codec error into CorruptRecordError', () => {
    const garbage = Buffer.from('definitely not compressed');
    for (const compression of ['gzip', 'zstd'] as const) {
      assert.throws(() => decompress(garbage, compression), (e: unknown) => e instanceof CorruptRecordError && e.message.startsWith(`${compression} data does not decompress`));
      const good = compress(Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)), compression);
      for (let cut = 1; cut < good.length; cut++) {
        const truncated = good.subarray(0, good.length - cut);
        assert.throws(() => decompress(truncated, compression), CorruptRecordError, `${compression} cut by ${cut}`);
      }
    }
  });

  it('reads the content size a zstd frame declares, at every width', () => {
    for (const size of [0, 1, 255, 256, 300, 65_791, 65_792, 1 << 20]) {
      const frame = compress(Buffer.alloc(size, 1), 'zstd');
      assert.equal(zstdFrameContentSize(frame), size, `size ${size}`);
    }
    assert.throws(() => zstdFrameContentSize(Buffer.from('not zstd')), CorruptRecordError);
    const header = compress(Buffer.alloc(300), 'zstd');
    for (let length = 0; length < 7; length++) assert.throws(() => decompress(header.subarray(0, length), 'zstd'), CorruptRecordError, `${length} bytes`);
  });

  it('caps the decompressed size', () => {
    for (const compression of ['gzip', 'zstd'] as const) {
      const bomb = compress(Buffer.alloc(1 << 20), compression);
      assert.throws(
        () => decompress(bomb, compression, 1024),
        (e: unknown) => e instanceof CorruptRecordError && /decompresses to more than 1024 bytes/.test(e.message),
      );
      assert.equal(decompress(bomb, compression, 1 << 20).length, 1 << 20);
    }
  });

  it('answers COMPRESSION_UNSUPPORTED, not a TypeError, on a runtime without zstd', (t) => {
    const mutable = zlib as unknown as Record<string, unknown>;
    const saved = { c: mutable.zstdCompressSync, d: mutable.zstdDecompressSync };
    t.after(() => {
      mutable.zstdCompressSync = saved.c;
      mutable.zstdDecompressSync = saved.d;
      syncBuiltinESMExports();
    });
    const zstdBytes = compress(Buffer.from('x'), 'zstd');
    mutable.zstdCompressSync = undefined;
    mutable.zstdDecompressSync = undefined;
    syncBuiltinESMExports();
    const unsupported = (e: unknown) => e instanceof CompressionUnsupportedError && e.code === 'COMPRESSION_UNSUPPORTED' && /zstd/.test(e.message);
    assert.throws(() => compress(Buffer.from('x'), 'zstd'), unsupported);
    assert.throws(() => decompress(zstdBytes, 'zstd'), unsupported);
    assert.ok(decompress(compress(Buffer.from('x'), 'gzip'), 'gzip').equals(Buffer.from('x')), 'gzip unaffected');
  });
});
