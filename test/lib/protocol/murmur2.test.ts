import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur2, toPositive } from '../../../lib/protocol/murmur2';
import { assignPartitions, partitionForKey } from '../../../lib/protocol/partitioner';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('murmur2', () => {
  // Kafka's own vectors, from org.apache.kafka.common.utils.UtilsTest.testMurmur2.
  const vectors: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ];
  for (const [input, expected] of vectors) {
    it(`hashes "${input}" to ${expected} as Kafka's Java client does`, () => {
      assert.equal(murmur2(bytes(input)), expected);
    });
  }

  it('covers every tail length (0 to 3 leftover bytes)', () => {
    const hashes = ['', 'a', 'ab', 'abc', 'abcd'].map((s) => murmur2(bytes(s)));
    assert.equal(new Set(hashes).size, 5);
    assert.equal(hashes[3], 479470107);
  });

  it('toPositive clears the sign bit instead of taking the absolute value', () => {
    assert.equal(toPositive(-790332482), 1357151166);
    assert.equal(toPositive(-2147483648), 0);
  });
});

describe('partitionForKey', () => {
  it('matches Kafka for known keys and partition counts', () => {
    assert.equal(partitionForKey(bytes('foobar'), 10), 6);
    assert.equal(partitionForKey(bytes('foobar'), 50), 16);
  });

  it('always answers a partition within range', () => {
    for (let i = 0; i < 1000; i++) {
      const p = partitionForKey(bytes(`key-${i}`), 7);
      assert.ok(p >= 0 && p < 7);
    }
  });
});

describe('assignPartitions', () => {
  it('lets an explicit partition win over the key', () => {
    assert.deepEqual(assignPartitions([{ key: bytes('foobar'), partition: 3 }], 10, () => 0), [3]);
  });

  it('puts every keyless record of one call on the same randomly chosen partition', () => {
    const records = [{ key: null }, { key: bytes('foobar') }, { key: null }];
    assert.deepEqual(assignPartitions(records, 10, () => 0.45), [4, 6, 4]);
  });
});
