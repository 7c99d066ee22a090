import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { inputSize, lines, wholeFiles } from '../../../bin/cli/produce-input';

const dir = mkdtempSync(join(tmpdir(), 'produce-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('lines', () => {
  test('counts the input bytes each line took, its newline and a line split across chunks included, so progress adds up to the input size', async () => {
    const input = ['ab', 'c\r\nde', 'f\n\nlast'];
    const items = await all(lines(chunks(...input)));
    assert.deepEqual(
      items.map((i) => [i.bytes.toString(), i.inputBytes]),
      [
        ['abc', 5],
        ['def', 4],
        ['', 1],
        ['last', 4],
      ],
    );
    assert.equal(
      items.reduce((sum, i) => sum + i.inputBytes, 0),
      Buffer.byteLength(input.join('')),
    );
  });
});

describe('wholeFiles and inputSize', () => {
  test('each file is one item of its exact bytes, and the input size is the files’ total', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeFileSync(a, 'one\ntwo\n');
    writeFileSync(b, Buffer.from([0xe9, 0x00]));
    const items = await all(wholeFiles([a, b]));
    assert.deepEqual(
      items.map((i) => [i.n, i.bytes, i.inputBytes]),
      [
        [1, Buffer.from('one\ntwo\n'), 8],
        [2, Buffer.from([0xe9, 0x00]), 2],
      ],
    );
    assert.equal(inputSize([a, b], false), 10);
  });

  test('"-" reads the whole of stdin as one record', async () => {
    const items = await all(wholeFiles(['-'], chunks('x\n', 'y')));
    assert.deepEqual(items[0]!.bytes, Buffer.from('x\ny'));
  });

  test('a missing file is an input error naming it', async () => {
    await assert.rejects(all(wholeFiles([join(dir, 'missing')])), /file 1 \(.*missing\): ENOENT/);
  });

  test('stdin of unknown size (not a file) gives no input size', () => {
    assert.equal(inputSize(undefined, false), undefined);
  });
});
