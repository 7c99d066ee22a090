import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { keyBytes, utf8ByteLength } from '../../../lib/client/bytes';

describe('client bytes', () => {
  test('utf8ByteLength agrees with Buffer.byteLength for any string, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => utf8ByteLength(text) === Buffer.byteLength(text, 'utf8')),
      { numRuns: 2000 },
    );
    assert.equal(utf8ByteLength('\ud800x'), Buffer.byteLength('\ud800x'));
  });

  test('keyBytes gives the bytes Buffer.from gives, for UTF-8 text and for base64', () => {
    fc.assert(
      fc.property(fc.uint8Array(), fc.string(), (bytes, text) => {
        const b64 = Buffer.from(bytes).toString('base64');
        return Buffer.from(keyBytes(b64, 'base64')).equals(Buffer.from(bytes)) && Buffer.from(keyBytes(text, 'utf8')).equals(Buffer.from(text, 'utf8'));
      }),
    );
  });

  test('keyBytes refuses base64 that is not base64', () => {
    assert.throws(() => keyBytes('not base64!', 'base64'));
  });
});
