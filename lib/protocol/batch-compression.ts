import { CorruptRecordError } from './sluice-error';

/**
 * How a stored batch's records section may be compressed, and the checks every
 * decompression of one gets. The codecs themselves are the runtime's (node:zlib), so
 * they are handed in: the server's lib/format/compression.ts and the client's batches
 * reader each pass node:zlib's one-shot decompressors to `inflate`, which bounds and
 * checks what they produce the same way on both sides.
 */
export type Compression = 'none' | 'gzip' | 'zstd';

export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'zstd'];

/** The codes of a batch's attributes bits 0-2: Kafka's. */
export const COMPRESSION_CODES: Readonly<Record<Compression, number>> = { none: 0, gzip: 1, zstd: 4 };

/**
 * Inflates a compressed records section (never called for `none`), as a batch decoder
 * is given it (lib/protocol/record-batch-decoding.ts). A codec this runtime lacks throws
 * CompressionUnsupportedError; bytes that do not decompress, CorruptRecordError.
 */
export type Decompress = (compression: Exclude<Compression, 'none'>, data: Uint8Array) => Uint8Array;

/** A one-shot decompressor as node:zlib has them (`gunzipSync`, `zstdDecompressSync`). */
export type SyncInflate = (data: Uint8Array, options: { maxOutputLength: number }) => Uint8Array;

/**
 * The most bytes one decompression may produce. A batch holds at most one produce
 * call's records for one partition, far below this; the cap stops a corrupt or hostile
 * object from inflating into gigabytes of memory in a function.
 */
export const MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * `data` inflated by `codec`. Output larger than `maxOutputLength` and any error the
 * codec reports (bad header, bad checksum, truncated stream) are CorruptRecordError,
 * since the input comes from storage.
 */
export function inflate(compression: Exclude<Compression, 'none'>, data: Uint8Array, codec: SyncInflate, maxOutputLength = MAX_DECOMPRESSED_BYTES): Uint8Array {
  let output: Uint8Array;
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
