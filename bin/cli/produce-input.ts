import { createReadStream, fstatSync, statSync } from 'node:fs';
import { InputError, REQUEST_BODY_MAX_BYTES } from './common';

/** Where `sluice produce` reads its records: value arguments, stdin lines, or whole files. */

/** A record's value may be at most this long (the server's limit): a larger file is refused before it is read. */
export const RECORD_VALUE_MAX_BYTES = 1024 * 1024;

/** One record of input: a line of stdin, a value argument or a file, numbered from 1. */
export interface InputItem {
  bytes: Buffer;
  n: number;
  /** Bytes of input it took (a line's newline included), for progress against the input's size. */
  inputBytes: number;
}

/** Splits a byte stream into lines at `\n`, dropping one trailing `\r`; a last line without `\n` still counts. */
export async function* lines(stream: AsyncIterable<Buffer>): AsyncGenerator<InputItem> {
  let n = 0;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  const line = (bytes: Buffer, inputBytes: number): InputItem => ({ bytes: bytes.at(-1) === 13 ? bytes.subarray(0, -1) : bytes, n: ++n, inputBytes });
  for await (const chunk of stream) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      yield line(partial.length > 0 ? Buffer.concat([...partial, piece]) : piece, partialBytes + piece.length + 1);
      partial = [];
      partialBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length) {
      partial.push(chunk.subarray(start));
      partialBytes += chunk.length - start;
      if (partialBytes > REQUEST_BODY_MAX_BYTES) {
        throw new InputError(`line ${n + 1}: longer than ${REQUEST_BODY_MAX_BYTES} bytes, more than a produce request may carry`, {
          line: n + 1,
          limit: REQUEST_BODY_MAX_BYTES,
        });
      }
    }
  }
  if (partialBytes > 0) yield line(Buffer.concat(partial), partialBytes);
}

export async function* argumentValues(values: string[]): AsyncGenerator<InputItem> {
  for (const [i, value] of values.entries()) {
    const bytes = Buffer.from(value, 'utf8');
    yield { bytes, n: i + 1, inputBytes: bytes.length };
  }
}

/**
 * Each file as one record, its bytes exactly (kcat -P with file arguments); `-` is stdin.
 * A file larger than a record's value may be is refused before it is read.
 */
export async function* wholeFiles(paths: string[], stdin: AsyncIterable<Buffer> = process.stdin): AsyncGenerator<InputItem> {
  for (const [i, path] of paths.entries()) {
    const n = i + 1;
    const tooLarge = (size: number): InputError =>
      new InputError(`file ${n} (${path}): ${size} bytes or more, larger than a record's value may be (${RECORD_VALUE_MAX_BYTES} bytes)`, {
        file: n,
        path,
        limit: RECORD_VALUE_MAX_BYTES,
      });
    if (path !== '-') {
      let size: number;
      try {
        size = statSync(path).size;
      } catch (err) {
        throw new InputError(`file ${n} (${path}): ${(err as Error).message}`, { file: n, path });
      }
      if (size > RECORD_VALUE_MAX_BYTES) throw tooLarge(size);
    }
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of path === '-' ? stdin : createReadStream(path)) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length > RECORD_VALUE_MAX_BYTES) throw tooLarge(length);
    }
    const bytes = Buffer.concat(chunks);
    yield { bytes, n, inputBytes: bytes.length };
  }
}

/** The input's size when known: the files', or stdin's when it is a regular file (`< big.txt`); else undefined. */
export function inputSize(files: string[] | undefined, fromStdin: boolean): number | undefined {
  try {
    if (files) return files.reduce((sum, path) => sum + (path === '-' ? stdinFileSize() ?? 0 : statSync(path).size), 0);
    return fromStdin ? stdinFileSize() : undefined;
  } catch {
    return undefined;
  }
}

function stdinFileSize(): number | undefined {
  const stat = fstatSync(0);
  return stat.isFile() ? stat.size : undefined;
}
