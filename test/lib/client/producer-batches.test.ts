import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { enqueuePending, namesPartitionFrom, newTopicState, type Pending, takeBatch, type BatchLimits, type TopicState } from '../../../lib/client/producer-batches';
import type { ProduceRecord } from '../../../lib/client/types';

function pending(record: ProduceRecord, bytes = 40): Pending {
  return { record, bytes, resolve() {}, reject() {}, settled: false };
}

const limits = (over: Partial<BatchLimits> = {}): BatchLimits => ({
  partitions: 4,
  identity: { producerId: 1, epoch: 0 },
  batchRecords: 1000,
  batchBytes: 1024 * 1024,
  encoding: 'utf8',
  generation: 0,
  ...over,
});

function queued(n: number, make: (i: number) => ProduceRecord = (i) => ({ value: `v${i}` })): TopicState {
  const state = newTopicState('t');
  for (let i = 0; i < n; i++) enqueuePending(state, pending(make(i)));
  return state;
}

describe('takeBatch', () => {
  test('emptying a 300,000-record queue in batches takes each record once, in order, moving fewer queue slots than records', () => {
    const n = 300_000;
    const state = queued(n);
    const seen: string[] = [];
    let calls = 0;
    for (let batch = takeBatch(state, limits(), assert.fail); batch; batch = takeBatch(state, limits(), assert.fail)) {
      calls++;
      for (const r of batch.request.records) seen.push(r.value as string);
    }
    assert.equal(calls, n / 1000);
    assert.equal(seen.length, n);
    assert.ok(seen.every((v, i) => v === `v${i}`));
    // Array.shift on the queue moved the whole rest for each record taken: about n²/2 slots.
    assert.ok(state.queue.moved <= n, `${state.queue.moved} slots moved`);
    assert.equal(state.queueBytes, 0);
  });

  test('keeps the queued bytes and the explicitly named partitions in step with what it takes', () => {
    const state = queued(10, (i) => ({ value: `v${i}`, partition: i < 5 ? 3 : 1 }));
    assert.equal(state.queueBytes, 400);
    assert.ok(namesPartitionFrom(state, 3));
    takeBatch(state, limits({ batchRecords: 5 }), assert.fail);
    assert.equal(state.queueBytes, 200);
    assert.ok(!namesPartitionFrom(state, 3), 'the records naming partition 3 are gone');
    assert.ok(namesPartitionFrom(state, 1));
  });

  test('a record naming a partition past the count is refused and leaves the bookkeeping', () => {
    const state = queued(3, (i) => ({ value: `v${i}`, partition: i === 1 ? 9 : 0 }));
    const refused: Pending[] = [];
    const batch = takeBatch(state, limits(), (p) => refused.push(p));
    assert.deepEqual(
      batch?.request.records.map((r) => r.value),
      ['v0', 'v2'],
    );
    assert.equal(refused.length, 1);
    assert.equal(state.queueBytes, 0);
    assert.ok(!namesPartitionFrom(state, 0));
  });
});
