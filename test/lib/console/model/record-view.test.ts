import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base64ToBytes,
  bytesToBase64,
  bytesToHex,
  classifyBase64,
  classifyBytes,
  matchesFilter,
  parseNameValueLines,
  payloadText,
  recordView,
} from '../../../../lib/console/model/record-view';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const bytes = (...values: number[]) => new Uint8Array(values);

describe('classifyBytes', () => {
  it('pretty-prints a JSON object with two-space indentation and keeps the raw text', () => {
    const raw = '{"id":7,"tags":["a"]}';
    assert.deepEqual(classifyBytes(new TextEncoder().encode(raw)), { kind: 'json', text: '{\n  "id": 7,\n  "tags": [\n    "a"\n  ]\n}', raw });
  });

  it('pretty-prints a JSON array', () => {
    assert.deepEqual(classifyBytes(new TextEncoder().encode('[1,2]')), { kind: 'json', text: '[\n  1,\n  2\n]', raw: '[1,2]' });
  });

  it('shows a bare JSON scalar as the text it is', () => {
    assert.deepEqual(classifyBytes(new TextEncoder().encode('42')), { kind: 'text', text: '42' });
  });

  it('shows text that starts like JSON but does not parse as text', () => {
    assert.deepEqual(classifyBytes(new TextEncoder().encode('{not json')), { kind: 'text', text: '{not json' });
  });

  it('keeps multi-byte UTF-8 as text', () => {
    assert.deepEqual(classifyBytes(new TextEncoder().encode('héllo → 世界')), { kind: 'text', text: 'héllo → 世界' });
  });

  it('keeps tabs and line breaks as text', () => {
    assert.deepEqual(classifyBytes(new TextEncoder().encode('a\tb\r\nc')), { kind: 'text', text: 'a\tb\r\nc' });
  });

  it('calls bytes that are not valid UTF-8 binary', () => {
    const raw = bytes(0xde, 0xad, 0xbe, 0xef);
    assert.deepEqual(classifyBytes(raw), { kind: 'binary', bytes: raw });
  });

  it('calls valid UTF-8 holding control characters binary', () => {
    assert.equal(classifyBytes(bytes(0x00, 0x01, 0x41)).kind, 'binary');
  });

  it('calls no bytes the empty text', () => {
    assert.deepEqual(classifyBytes(bytes()), { kind: 'text', text: '' });
  });
});

describe('base64 and hex', () => {
  it('decodes base64 to the bytes Node encoded', () => {
    assert.deepEqual(base64ToBytes(Buffer.from([0, 255, 16, 128]).toString('base64')), bytes(0, 255, 16, 128));
  });

  it('encodes bytes as the base64 Node would', () => {
    const raw = bytes(0xde, 0xad, 0xbe, 0xef, 0x01);
    assert.equal(bytesToBase64(raw), Buffer.from(raw).toString('base64'));
  });

  it('writes hex lowercase, two digits a byte, a space between bytes', () => {
    assert.equal(bytesToHex(bytes(0xde, 0x0a, 0xff)), 'de 0a ff');
  });
});

describe('payloadText', () => {
  it('shows binary as hex or base64 as asked', () => {
    const payload = classifyBase64(Buffer.from([0xca, 0xfe]).toString('base64'));
    assert.equal(payloadText(payload, 'hex'), 'ca fe');
    assert.equal(payloadText(payload, 'base64'), 'yv4=');
  });

  it('answers null for a null key or value', () => {
    assert.equal(payloadText(classifyBase64(null), 'hex'), null);
  });
});

describe('recordView and matchesFilter', () => {
  const view = recordView(2, {
    offset: 5,
    timestamp: 1_700_000_000_000,
    key: b64('order-17'),
    value: b64('{"status":"Shipped"}'),
    headers: [{ key: 'trace', value: b64('abc123') }, { key: 'empty', value: null }],
  });

  it('keeps the partition, offset and timestamp and judges key, value and each header', () => {
    assert.deepEqual([view.partition, view.offset, view.timestamp], [2, 5, 1_700_000_000_000]);
    assert.deepEqual(view.key, { kind: 'text', text: 'order-17' });
    assert.equal(view.value.kind, 'json');
    assert.deepEqual(view.headers, [{ key: 'trace', value: { kind: 'text', text: 'abc123' } }, { key: 'empty', value: { kind: 'null' } }]);
  });

  it('matches the key, case-insensitively', () => {
    assert.equal(matchesFilter(view, 'ORDER-1', 'hex'), true);
  });

  it('matches the value as sent, though it is shown pretty-printed', () => {
    assert.equal(matchesFilter(view, '"status":"shipped"', 'hex'), true);
  });

  it('matches a header name and a header value', () => {
    assert.equal(matchesFilter(view, 'trace', 'hex'), true);
    assert.equal(matchesFilter(view, 'c12', 'hex'), true);
  });

  it('refuses a record that holds the text nowhere', () => {
    assert.equal(matchesFilter(view, 'cancelled', 'hex'), false);
  });

  it('matches every record with an empty or blank filter', () => {
    assert.equal(matchesFilter(view, '  ', 'hex'), true);
  });

  it('matches binary by the hex or base64 it is shown as', () => {
    const binary = recordView(0, { offset: 0, timestamp: 0, key: null, value: Buffer.from([0xca, 0xfe]).toString('base64'), headers: [] });
    assert.equal(matchesFilter(binary, 'ca fe', 'hex'), true);
    assert.equal(matchesFilter(binary, 'ca fe', 'base64'), false);
    assert.equal(matchesFilter(binary, 'yv4', 'base64'), true);
  });
});

describe('parseNameValueLines', () => {
  it('splits each line at its first =, trimming the name and keeping the value as typed', () => {
    assert.deepEqual(parseNameValueLines(' trace = a=b \n\nsource=web'), { pairs: [{ name: 'trace', value: ' a=b ' }, { name: 'source', value: 'web' }] });
  });

  it('keeps an empty value', () => {
    assert.deepEqual(parseNameValueLines('flag='), { pairs: [{ name: 'flag', value: '' }] });
  });

  it('refuses a line without = by its number', () => {
    assert.deepEqual(parseNameValueLines('a=1\nnope'), { error: 'line 2 is not name=value: nope' });
  });

  it('refuses a line with an empty name', () => {
    assert.deepEqual(parseNameValueLines('=1'), { error: 'line 1 is not name=value: =1' });
  });

  it('answers no pairs for no text', () => {
    assert.deepEqual(parseNameValueLines(''), { pairs: [] });
  });
});
