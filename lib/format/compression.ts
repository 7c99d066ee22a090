import * as zlib from 'node:zlib';
import { CompressionUnsupportedError } from '../core/errors';
import { type Compression, inflate, MAX_DECOMPRESSED_BYTES, type SyncInflate } from '../protocol/batch-compression';

/**
 * The codecs of a batch's records section, on Node: compression here, decompression's
 * checks (the output cap, a truncated zstd frame) in the contract
 * (lib/protocol/batch-compression.ts), which the client's batches reader uses too.
 */
export { type Compression, COMPRESSIONS, MAX_DECOMPRESSED_BYTES, zstdFrameContentSize } from '../protocol/batch-compression';

type SyncCodec = (data: Uint8Array, options?: { maxOutputLength?: number }) => Buffer;

/**
 * zstd arrived in node:zlib in Node 23.8 and 22.15. Looked up at call time, through the
 * module object, so an older runtime fails with COMPRESSION_UNSUPPORTED for zstd batches
 * only, instead of failing to load this module at all.
 */
function zstd(name: 'zstdCompressSync' | 'zstdDecompressSync'): SyncCodec {
  const codec = (zlib as unknown as Partial<Record<typeof name, SyncCodec>>)[name];
  if (typeof codec !== 'function') {
    throw new CompressionUnsupportedError('zstd', `node:zlib has no ${name} in Node ${process.versions.node} (needs 22.15 or later)`);
  }
  return codec;
}

export function compress(data: Uint8Array, compression: Compression): Buffer {
  switch (compression) {
    case 'none':
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    case 'gzip':
      return zlib.gzipSync(data);
    case 'zstd':
      return zstd('zstdCompressSync')(data);
    default:
      return unknownCompression(compression);
  }
}

/**
 * Inverse of `compress`. Output larger than `maxOutputLength` and any error the codec
 * reports (bad header, bad checksum, truncated stream) are CorruptRecordError, since the
 * input comes from storage. A runtime without the codec is CompressionUnsupportedError.
 */
export function decompress(data: Uint8Array, compression: Compression, maxOutputLength = MAX_DECOMPRESSED_BYTES): Buffer {
  if (compression === 'none') return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const codec: SyncInflate =
    compression === 'gzip' ? zlib.gunzipSync : compression === 'zstd' ? zstd('zstdDecompressSync') : unknownCompression(compression);
  // node:zlib's codecs answer Buffers.
  return inflate(compression, data, codec, maxOutputLength) as Buffer;
}

function unknownCompression(compression: never): never {
  throw new RangeError(`Unknown compression '${String(compression)}'`);
}
