import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { LineFormatError, parseFormat, parseLine } from '../../../bin/cli/produce-format';

const line = (format: string, text: string) => parseLine(parseFormat(format), Buffer.from(text));

describe('parseFormat', () => {
  test('reads \\t as a tab and %% as a percent sign between placeholders', () => {
    assert.deepEqual(parseFormat('%k\\t%%\\t%v'), [{ field: { kind: 'key' } }, { literal: Buffer.from('\t%\t') }, { field: { kind: 'value' } }]);
  });

  test('refuses two placeholders with nothing between them, an unknown placeholder, a repeated one and no placeholder at all', () => {
    assert.throws(() => parseFormat('%k%v'), InvalidArgumentError);
    assert.throws(() => parseFormat('%k %x'), /unknown placeholder "%x"/);
    assert.throws(() => parseFormat('%v %v'), /%v appears twice/);
    assert.throws(() => parseFormat('just text'), /has no placeholder/);
    assert.throws(() => parseFormat('%h %v'), /%h\{name\}/);
  });
});

describe('parseLine', () => {
  test('a placeholder runs to the first occurrence of the text after it; the last takes the rest', () => {
    const parsed = line('%k:%v', 'user:1:extra');
    assert.deepEqual([parsed.key?.toString(), parsed.value?.toString()], ['user', '1:extra']);
  });

  test('reads named headers, a partition and a timestamp', () => {
    const parsed = line('[%h{trace}] %p %T %v', '[abc] 3 1764583200000 the value');
    assert.deepEqual(
      parsed.headers.map(([k, v]) => [k, v.toString()]),
      [['trace', 'abc']],
    );
    assert.equal(parsed.partition, 3);
    assert.equal(parsed.timestamp, 1764583200000);
    assert.equal(parsed.value?.toString(), 'the value');
  });

  test('a line must carry the leading and trailing text of the format', () => {
    assert.throws(() => line('<%v>', 'x>'), LineFormatError);
    assert.throws(() => line('<%v>', '<x'), /no ">" after the value/);
    assert.equal(line('<%k>%v', '<k>').value?.toString(), '');
  });

  test('keeps binary bytes as they are', () => {
    const parsed = parseLine(parseFormat('%k|%v'), Buffer.from([0x6b, 0x7c, 0xe9, 0x7c, 0x00]));
    assert.deepEqual(parsed.key, Buffer.from('k'));
    assert.deepEqual(parsed.value, Buffer.from([0xe9, 0x7c, 0x00]));
  });

  test('a partition or timestamp that is not a whole number is refused', () => {
    assert.throws(() => line('%p %v', 'two v'), /the partition must be a whole number, not "two"/);
  });

});
