import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeUtf8 } from '../../../lib/protocol/utf8';

describe('decodeUtf8', () => {
  it('keeps a leading U+FEFF (byte-order mark) instead of dropping it', () => {
    assert.equal(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69])), '\ufeffhi');
    assert.equal(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf])), '\ufeff');
    assert.equal(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf])), '\ufeff\ufeff');
  });

  it('keeps a leading U+FEFF on every call, not only the first (the decoder is shared)', () => {
    const bytes = Buffer.from('\ufeffk', 'utf8');
    assert.deepEqual([decodeUtf8(bytes), decodeUtf8(bytes), decodeUtf8(bytes)], ['\ufeffk', '\ufeffk', '\ufeffk']);
  });

  it('gives back exactly the string whose UTF-8 it is, with or without a leading U+FEFF', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.string({ unit: 'grapheme' }), (bom, text) => {
        const s = (bom ? '\ufeff' : '') + text;
        return decodeUtf8(Buffer.from(s, 'utf8')) === s;
      }),
      { numRuns: 500 },
    );
  });

  it('decodes a view into a larger buffer, from the view’s start', () => {
    const all = Buffer.from('ab\ufeffcd', 'utf8');
    assert.equal(decodeUtf8(all.subarray(2, 5)), '\ufeff');
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', () => {
    assert.throws(() => decodeUtf8(Buffer.from([0xc3, 0x28])), TypeError);
    assert.throws(() => decodeUtf8(Buffer.from([0xef, 0xbb])), TypeError);
  });
});
