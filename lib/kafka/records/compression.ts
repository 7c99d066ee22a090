import { lz4Compress, lz4Decompress } from '@platformatic/wasm-utils';
import snappy from 'snappyjs';
import { compress as compressSluice, decompress as decompressSluice } from '../../format/compression';
import { KafkaDecodeError } from '../wire/decode-error';

/**
 * The compression codecs of a Kafka record batch (attributes bits 0-2;
 * kafka.apache.org/documentation, "Record Batch"): 0 none, 1 gzip, 2 snappy, 3 lz4,
 * 4 zstd. Codecs:
 *
 * - gzip and zstd: node:zlib, through lib/format/compression.ts (zstd needs Node 22.15);
 * - snappy: `snappyjs` (pure JavaScript). Java clients frame it the xerial way (a 16-byte
 *   header, then int32-length-prefixed raw snappy blocks); kafkajs and librdkafka may
 *   send raw snappy. Decoding takes either (the xerial magic decides); encoding writes
 *   xerial, which every client reads;
 * - lz4: the LZ4 frame format, with `@platformatic/wasm-utils` (WebAssembly shipped in
 *   the npm package, no native build).
 *
 * Every decompression is bounded before it runs: snappy blocks declare their length,
 * and an LZ4 frame's blocks are walked first to bound what they can inflate to (each
 * block at most the frame's block maximum). Anything a codec cannot read is a
 * KafkaDecodeError ('corrupt-compression').
 */
export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const KAFKA_COMPRESSIONS: readonly KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function compressionId(compression: KafkaCompression): number {
  return KAFKA_COMPRESSIONS.indexOf(compression);
}

export function compressionOfId(id: number, at: number): KafkaCompression {
  const compression = KAFKA_COMPRESSIONS[id];
  if (!compression) throw new KafkaDecodeError('unsupported-format', `compression codec ${id} is not one of Kafka's (0-4)`, at);
  return compression;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** The xerial framing's block size (snappy-java's default). */
const XERIAL_BLOCK_BYTES = 32 * 1024;

export function compressRecords(data: Buffer, compression: KafkaCompression): Buffer {
  switch (compression) {
    case 'none':
      return data;
    case 'gzip':
    case 'zstd':
      return compressSluice(data, compression);
    case 'snappy':
      return xerialCompress(data);
    case 'lz4':
      return lz4Compress(data);
  }
}

/** Inverse of compressRecords; `at` is the batch's offset in the frame, for errors. */
export function decompressRecords(data: Buffer, compression: KafkaCompression, maxBytes: number, at: number): Buffer {
  if (compression === 'none') return data;
  const fail = (why: string): never => {
    throw new KafkaDecodeError('corrupt-compression', `${compression} records: ${why}`, at);
  };
  try {
    switch (compression) {
      case 'gzip':
      case 'zstd':
        return decompressSluice(data, compression, maxBytes);
      case 'snappy':
        return snappyDecompress(data, maxBytes, fail);
      case 'lz4':
        if (lz4Bound(data, fail) > maxBytes) fail(`the frame may inflate past ${maxBytes} bytes`);
        return Buffer.from(lz4Decompress(data));
    }
  } catch (error) {
    if (error instanceof KafkaDecodeError) throw error;
    // CorruptRecordError, CompressionUnsupportedError, a codec's own Error or a WebAssembly trap.
    return fail((error as Error)?.message ?? String(error));
  }
}

function xerialCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [XERIAL_MAGIC, int32(1), int32(1)];
  for (let start = 0; start < data.length; start += XERIAL_BLOCK_BYTES) {
    const block = Buffer.from(snappy.compress(data.subarray(start, start + XERIAL_BLOCK_BYTES)));
    parts.push(int32(block.length), block);
  }
  return Buffer.concat(parts);
}

function int32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

function snappyDecompress(data: Buffer, maxBytes: number, fail: (why: string) => never): Buffer {
  const isXerial = data.length >= XERIAL_HEADER_BYTES && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
  if (!isXerial) return rawSnappy(data, maxBytes, fail);
  const parts: Buffer[] = [];
  let total = 0;
  for (let pos = XERIAL_HEADER_BYTES; pos < data.length; ) {
    if (data.length - pos < 4) fail('a xerial block length is cut short');
    const length = data.readInt32BE(pos);
    pos += 4;
    if (length < 0 || length > data.length - pos) fail(`a xerial block claims ${length} bytes, ${data.length - pos} remain`);
    const block = rawSnappy(data.subarray(pos, pos + length), maxBytes - total, fail);
    total += block.length;
    parts.push(block);
    pos += length;
  }
  return Buffer.concat(parts);
}

function rawSnappy(block: Buffer, maxBytes: number, fail: (why: string) => never): Buffer {
  // The uncompressed length leads the block as an unsigned varint: checked before anything is allocated.
  let length = 0;
  let i = 0;
  for (; i < 5; i++) {
    if (i >= block.length) fail('the block length is cut short');
    length += (block[i]! & 0x7f) * 2 ** (7 * i);
    if (block[i]! < 0x80) break;
  }
  if (i === 5) fail('the block length is longer than 5 bytes');
  if (length > maxBytes) fail(`a block inflates to ${length} bytes, past the bound of ${maxBytes}`);
  checkSnappyElements(block, i + 1, length, fail);
  return Buffer.from(snappy.uncompress(block, maxBytes));
}

/**
 * Walks a raw snappy block's elements (literals and copies) and refuses one that reaches
 * past the input, copies from before the output's start or past its declared length.
 * snappyjs reads a 4-byte literal length as a signed int: a crafted one is negative, and
 * its decoder then steps backwards through the input forever. Checked here first, so
 * snappyjs only ever sees a block whose every element is in bounds.
 */
function checkSnappyElements(block: Buffer, start: number, declared: number, fail: (why: string) => never): void {
  let out = 0;
  for (let pos = start; pos < block.length; ) {
    const tag = block[pos]! & 0x3;
    const c = block[pos]!;
    pos += 1;
    let len: number;
    if (tag === 0) {
      len = (c >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60;
        if (pos + extra > block.length) fail('a literal length is cut short');
        len = 1;
        for (let b = 0; b < extra; b++) len += block[pos + b]! * 2 ** (8 * b);
        pos += extra;
      }
      if (len > block.length - pos) fail(`a literal of ${len} bytes runs past the block`);
      pos += len;
    } else {
      const offsetBytes = tag === 1 ? 1 : tag === 2 ? 2 : 4;
      if (pos + offsetBytes > block.length) fail('a copy is cut short');
      let offset: number;
      if (tag === 1) {
        len = ((c >>> 2) & 0x7) + 4;
        offset = block[pos]! + ((c >>> 5) << 8);
      } else {
        len = (c >>> 2) + 1;
        offset = 0;
        for (let b = 0; b < offsetBytes; b++) offset += block[pos + b]! * 2 ** (8 * b);
      }
      pos += offsetBytes;
      if (offset === 0 || offset > out) fail(`a copy reaches ${offset} bytes back from byte ${out}`);
    }
    out += len;
    if (out > declared) fail(`the block's elements inflate past its declared ${declared} bytes`);
  }
}

const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK_MAX = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

/** The most bytes an LZ4 frame (or frames, one after another) can inflate to, from its descriptors and block sizes alone. */
function lz4Bound(data: Buffer, fail: (why: string) => never): number {
  let bound = 0;
  let pos = 0;
  const need = (bytes: number) => {
    if (data.length - pos < bytes) fail('the frame is cut short');
  };
  do {
    need(7);
    if (data.readUInt32LE(pos) !== LZ4_MAGIC) fail('not an LZ4 frame (bad magic)');
    const flags = data[pos + 4]!;
    const blockMax = LZ4_BLOCK_MAX[(data[pos + 5]! >> 4) & 0x07]!;
    if (flags >> 6 !== 1 || blockMax === 0) fail('an unknown LZ4 frame version or block size');
    const blockChecksum = (flags & 0x10) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    pos += 6 + ((flags & 0x08) !== 0 ? 8 : 0) + ((flags & 0x01) !== 0 ? 4 : 0) + 1;
    for (;;) {
      need(4);
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      const uncompressed = (word & 0x80000000) !== 0;
      if (size > blockMax) fail(`a block of ${size} bytes is over the frame's maximum of ${blockMax}`);
      need(size + (blockChecksum ? 4 : 0));
      pos += size + (blockChecksum ? 4 : 0);
      bound += uncompressed ? size : blockMax;
    }
    if (contentChecksum) {
      need(4);
      pos += 4;
    }
  } while (pos < data.length);
  return bound;
}
