import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { type PrintableRecord, formatRenderer, jsonField, jsonRecord, parseRecordFormat, recordBytes, textRenderer, utf8Text } from '../../../bin/cli/record-format';

const b64 = (bytes: string | Buffer): string => (typeof bytes === 'string' ? Buffer.from(bytes) : bytes).toString('base64');
/** "café latin1" in ISO-8859-1: é is the single byte 0xE9, which is not UTF-8. */
const LATIN1 = Buffer.from('café latin1', 'latin1');

function record(fields: Partial<PrintableRecord> = {}): PrintableRecord {
  return { topic: 'orders', partition: 2, offset: 41, timestamp: Date.UTC(2026, 11, 1, 10, 0, 0), key: b64('k1'), value: b64('hello'), headers: [], ...fields };
}

describe('utf8Text and jsonField', () => {
  test('utf8Text answers the text of valid UTF-8 and undefined for bytes that are not', () => {
    assert.equal(utf8Text(Buffer.from('héllo')), 'héllo');
    assert.equal(utf8Text(LATIN1), undefined);
  });

  test('jsonField keeps UTF-8 as text, and answers other bytes as their base64, flagged', () => {
    assert.deepEqual(jsonField(b64('héllo')), { text: 'héllo', base64: false });
    assert.deepEqual(jsonField(b64(LATIN1)), { text: b64(LATIN1), base64: true });
    assert.deepEqual(jsonField(null), { text: null, base64: false });
    assert.deepEqual(jsonField(b64('héllo'), true), { text: b64('héllo'), base64: true });
  });
});

describe('jsonRecord', () => {
  test('a UTF-8 record has text fields and no encoding markers', () => {
    const r = record({ headers: [{ key: 'trace', value: b64('abc') }, { key: 'empty', value: null }] });
    assert.deepEqual(jsonRecord(r), {
      topic: 'orders',
      partition: 2,
      offset: 41,
      timestamp: r.timestamp,
      key: 'k1',
      value: 'hello',
      headers: [
        { key: 'trace', value: 'abc' },
        { key: 'empty', value: null },
      ],
    });
  });

  test('a key, value or header value that is not UTF-8 comes as base64 with its encoding marked beside it', () => {
    const r = record({ key: b64(LATIN1), value: b64(LATIN1), headers: [{ key: 'raw', value: b64(Buffer.from([0xff, 0x00])) }] });
    const json = jsonRecord(r);
    assert.equal(json.key, b64(LATIN1));
    assert.equal(json.keyEncoding, 'base64');
    assert.equal(json.value, b64(LATIN1));
    assert.equal(json.valueEncoding, 'base64');
    assert.deepEqual(json.headers, [{ key: 'raw', value: b64(Buffer.from([0xff, 0x00])), valueEncoding: 'base64' }]);
    // Decoding as marked gives the bytes back exactly.
    assert.deepEqual(Buffer.from(json.value as string, 'base64'), LATIN1);
  });

  test('with base64Values every non-null value is base64 and marked, keys stay text', () => {
    const json = jsonRecord(record(), { base64Values: true });
    assert.equal(json.value, b64('hello'));
    assert.equal(json.valueEncoding, 'base64');
    assert.equal(json.key, 'k1');
    assert.equal(json.keyEncoding, undefined);
    assert.equal(jsonRecord(record({ value: null }), { base64Values: true }).valueEncoding, undefined);
  });
});

describe('textRenderer', () => {
  test('with no fields asked for prints the value and a newline', () => {
    assert.equal(textRenderer({})(record()).toString(), 'hello\n');
  });

  test('prints timestamp, partition, offset, headers and key in that order, each followed by the separator', () => {
    const render = textRenderer({ timestamp: true, partition: true, offset: true, headers: true, key: true, separator: ' | ' });
    const r = record({ headers: [{ key: 'a', value: b64('1') }, { key: 'b', value: null }] });
    assert.equal(render(r).toString(), '2026-12-01T10:00:00.000Z | 2 | 41 | a=1,b | k1 | hello\n');
  });

  test('separates with a tab by default, and prints a null key or value as nothing', () => {
    assert.equal(textRenderer({ key: true })(record({ key: null, value: null })).toString(), '\t\n');
  });

  test('writes a value that is not UTF-8 as its own bytes', () => {
    assert.deepEqual(textRenderer({})(record({ value: b64(LATIN1) })), Buffer.concat([LATIN1, Buffer.from('\n')]));
  });

  test('with base64Values prints the value as base64', () => {
    assert.equal(textRenderer({ base64Values: true })(record()).toString(), `${b64('hello')}\n`);
  });
});

describe('parseRecordFormat and formatRenderer', () => {
  const render = (format: string, r = record()): Buffer => formatRenderer(parseRecordFormat(format))(r);

  test("kcat's placeholders print topic, partition, offset, key, value, lengths, headers and timestamp", () => {
    const r = record({ headers: [{ key: 'h', value: b64('v') }] });
    assert.equal(render('%t %p %o %k %s %K %S %h %T', r).toString(), `orders 2 41 k1 hello 2 5 h=v ${r.timestamp}`);
  });

  test('lengths are in bytes, and -1 for a null key or value', () => {
    assert.equal(render('%K %S', record({ key: null, value: b64('é') })).toString(), '-1 2');
    assert.equal(render('%S', record({ value: null })).toString(), '-1');
  });

  test('escapes \\n, \\t, \\r, \\\\ and \\xHH, and %% is a percent sign', () => {
    assert.deepEqual(render('%s\\t\\r\\\\\\x41%%\\n'), Buffer.from('hello\t\r\\A%\n'));
  });

  test('adds nothing of its own: without \\n records run together', () => {
    assert.equal(render('[%s]').toString(), '[hello]');
  });

  test('keeps non-ASCII literal text as UTF-8, and writes a value that is not UTF-8 as its own bytes', () => {
    assert.deepEqual(render('→%s', record({ value: b64(LATIN1) })), Buffer.concat([Buffer.from('→'), LATIN1]));
  });

  test('with base64Values %s prints the value as base64', () => {
    assert.equal(formatRenderer(parseRecordFormat('%s'), { base64Values: true })(record()).toString(), b64('hello'));
  });

  test('an unknown placeholder, an unknown escape, a trailing % or \\ and an empty format are refused as usage errors', () => {
    for (const bad of ['%q', '\\q', 'x%', 'x\\', '\\x4', '']) {
      assert.throws(() => parseRecordFormat(bad), InvalidArgumentError, bad);
    }
  });
});

describe('recordBytes', () => {
  test('counts the bytes of the key and the value, a null as none', () => {
    assert.equal(recordBytes(record({ key: b64('ab'), value: b64('é') })), 4);
    assert.equal(recordBytes(record({ key: null, value: null })), 0);
  });
});
