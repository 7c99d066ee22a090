import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drawProducerId, PRODUCER_ID_LIMIT, PRODUCER_ID_MIN } from '../../../lib/producers/producer-id';

/** Bytes a test chooses, standing in for node:crypto's randomBytes. */
const bytesFrom = (...draws: number[][]) => {
  let next = 0;
  return (size: number) => {
    const draw = draws[next++];
    assert.ok(draw, 'no more draws');
    assert.equal(draw.length, size);
    return Buffer.from(draw);
  };
};

describe('drawProducerId', () => {
  it('spans [2^32, 2^53): Kafka int64 producer ids that stay safe JSON numbers', () => {
    assert.equal(PRODUCER_ID_MIN, 2 ** 32);
    assert.equal(PRODUCER_ID_LIMIT, 2 ** 53);
    assert.equal(drawProducerId(bytesFrom([0, 0, 0, 1, 0, 0, 0, 0])), 2 ** 32);
    assert.equal(drawProducerId(bytesFrom([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), 2 ** 53 - 1);
  });

  it('draws again rather than answer an id below 2^32, so every id in range is equally likely', () => {
    assert.equal(drawProducerId(bytesFrom([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], [0, 0, 0, 2, 0, 0, 0, 7])), 2 * 2 ** 32 + 7);
  });

  it('draws from node:crypto by default: many draws, all in range and all different', () => {
    const ids = Array.from({ length: 1000 }, () => drawProducerId());
    for (const id of ids) assert.ok(Number.isSafeInteger(id) && id >= PRODUCER_ID_MIN && id < PRODUCER_ID_LIMIT, String(id));
    assert.equal(new Set(ids).size, ids.length);
  });
});
