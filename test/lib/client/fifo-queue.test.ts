import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FifoQueue } from '../../../lib/client/fifo-queue';

describe('FifoQueue', () => {
  test('gives elements back in the order they were pushed, interleaved with pushes', () => {
    const q = new FifoQueue<number>();
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) q.push(next++);
      for (let i = 0; i < 70; i++) out.push(q.shift()!);
    }
    while (q.length > 0) out.push(q.shift()!);
    assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
  });

  test('peek shows the first element without taking it; an empty queue gives undefined', () => {
    const q = new FifoQueue<string>();
    assert.equal(q.peek(), undefined);
    assert.equal(q.shift(), undefined);
    q.push('a');
    q.push('b');
    assert.equal(q.peek(), 'a');
    assert.equal(q.length, 2);
    assert.equal(q.shift(), 'a');
    assert.equal(q.peek(), 'b');
  });

  test('drain takes every element, oldest first, and leaves it empty', () => {
    const q = new FifoQueue<number>();
    for (let i = 0; i < 3000; i++) q.push(i);
    for (let i = 0; i < 1500; i++) q.shift();
    const rest = q.drain();
    assert.equal(rest.length, 1500);
    assert.equal(rest[0], 1500);
    assert.equal(q.length, 0);
    assert.equal(q.peek(), undefined);
  });

  test('iterates over what is queued, from the front', () => {
    const q = new FifoQueue<number>();
    for (let i = 0; i < 5; i++) q.push(i);
    q.shift();
    assert.deepEqual([...q], [1, 2, 3, 4]);
  });

  test('taking a large queue from the front moves fewer elements than were pushed (Array.shift moves the rest each time)', () => {
    const q = new FifoQueue<number>();
    const n = 200_000;
    for (let i = 0; i < n; i++) q.push(i);
    // One element at a time from a full queue: with Array.shift, about n²/2 = 2·10^10 moves.
    for (let i = 0; i < n; i++) assert.equal(q.shift(), i);
    assert.ok(q.moved <= n, `${q.moved} elements moved`);
  });

  test('a queue kept long by pushes between takes still moves fewer elements than were pushed', () => {
    const q = new FifoQueue<number>();
    let pushed = 0;
    for (let i = 0; i < 100_000; i++) q.push(pushed++);
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 10_000; i++) q.shift();
      for (let i = 0; i < 10_000; i++) q.push(pushed++);
    }
    assert.equal(q.length, 100_000);
    assert.equal(q.peek(), pushed - 100_000);
    assert.ok(q.moved <= pushed, `${q.moved} elements moved for ${pushed} pushed`);
  });
});
