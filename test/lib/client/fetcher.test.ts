import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyAnswerBacksOff } from '../../../lib/client/fetcher';

describe('fetcher', () => {
  const page = (records: number, nextOffset: number, highWatermark: number) => ({ records: Array.from({ length: records }), nextOffset, highWatermark });

  test('an answer with records never backs off', () => {
    assert.equal(emptyAnswerBacksOff(page(3, 10, 10), false), false);
    assert.equal(emptyAnswerBacksOff(page(3, 10, 12), true), false);
  });

  test('an empty answer at the tail arms the watch at once instead of backing off', () => {
    assert.equal(emptyAnswerBacksOff(page(0, 10, 10), true), false);
  });

  test('an empty answer at the tail backs off without a watch (the long-poll path)', () => {
    assert.equal(emptyAnswerBacksOff(page(0, 10, 10), false), true);
  });

  test('an empty answer below the high watermark backs off even with a watch, so it cannot spin', () => {
    assert.equal(emptyAnswerBacksOff(page(0, 7, 10), true), true);
  });
});
