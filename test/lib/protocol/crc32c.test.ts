import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { crc32c, hex } from '../../../lib/protocol/crc32c';

/** Bit-at-a-time CRC-32C straight from the definition, to check the fast one against. */
function referenceCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  it('matches the published check value and the RFC 3720 (iSCSI) vectors', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
    assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
    assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
  });

  it('is Castagnoli, not the IEEE CRC-32 of node:zlib', () => {
    assert.notEqual(crc32c(Buffer.from('123456789')), 0xcbf43926);
  });

  it('agrees with a bitwise reference on any bytes, at any offset into a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), (data, pad) => {
        const padded = new Uint8Array(data.length + pad);
        padded.set(data, pad);
        const view = padded.subarray(pad);
        const expected = referenceCrc32c(data);
        assert.equal(crc32c(data), expected);
        assert.equal(crc32c(view), expected);
      }),
    );
  });

  it('continues a checksum across chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
        assert.equal(crc32c(b, crc32c(a)), crc32c(Buffer.concat([a, b])));
      }),
    );
  });

  it('returns unsigned 32-bit values and formats them as 8 hex digits', () => {
    assert.ok(crc32c(Buffer.from('123456789')) > 0x7fffffff);
    assert.equal(hex(0xe3069283), '0xe3069283');
    assert.equal(hex(0x1f), '0x0000001f');
  });
});
