import * as zlib from 'node:zlib';
import { CompressionUnsupportedError, CorruptRecordError } from '../core/errors';

/** Codecs a batch's records section may be compressed with. */
export type Compression = 'none' | 'gzip' | 'zstd';

export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd'];

/**
 * The most bytes one decompression may produce. A batch holds at most one produce
 * call's records for one partition, far below this; the cap stops a corrupt or hostile
 * object from inflating into gigabytes of memory in a function.
 */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

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
  const codec: SyncCodec =
    compression === 'gzip' ? zlib.gunzipSync : compression === 'zstd' ? zstd('zstdDecompressSync') : unknownCompression(compression);
  let output: Buffer;
  try {
    output = codec(data, { maxOutputLength });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CorruptRecordError(`${compression} data decompresses to more than ${maxOutputLength} bytes`, { compression, limit: maxOutputLength });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new CorruptRecordError(`${compression} data does not decompress: ${reason}`, { compression });
  }
  if (compression === 'zstd') {
    // Node's zstd decoder returns what it has, without an error, when a frame is cut
    // short; the size the frame header declares tells a truncated frame from a whole one.
    const declared = zstdFrameContentSize(data);
    if (declared !== null && declared !== output.byteLength) {
      throw new CorruptRecordError(`zstd data is truncated: its frame declares ${declared} bytes, ${output.byteLength} decompressed`, { compression });
    }
  }
  return output;
}

/**
 * Frame_Content_Size from a zstd frame header (RFC 8878 §3.1.1.1), or null when the
 * frame does not declare it (Node's one-shot compressor always does). Bytes that do not
 * start with a whole zstd frame header are corrupt.
 */
export function zstdFrameContentSize(frame: Uint8Array): number | null {
  if (frame.byteLength < 5 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) {
    throw new CorruptRecordError(`zstd data of ${frame.byteLength} bytes does not start with a zstd frame header`, { compression: 'zstd' });
  }
  const descriptor = frame[4]!;
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]!;
  const width = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag]!;
  if (frame.byteLength < at + width) {
    throw new CorruptRecordError(`zstd frame header is truncated: ${frame.byteLength} bytes`, { compression: 'zstd' });
  }
  if (width === 0) return null;
  let size = 0;
  for (let i = width - 1; i >= 0; i--) size = size * 256 + frame[at + i]!;
  return width === 2 ? size + 256 : size;
}

function unknownCompression(compression: never): never {
  throw new RangeError(`Unknown compression '${String(compression)}'`);
}
