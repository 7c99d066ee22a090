import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SluiceContext } from '../../../../lib/core/context';
import { ProduceBatcher } from '../../../../lib/kafka/gateway/produce-batcher';
import type { ProduceResult } from '../../../../lib/log/produce';
import { LIMITS } from '../../../../lib/protocol/limits';
import type { IncomingRecord } from '../../../../lib/records/record-encoding';

/** A fake lib/log produce: assigns offsets per partition in call order, and records each call. */
function fakeLog(options: { delayMs?: number; failTopic?: string } = {}) {
  const next = new Map<string, number>();
  const calls: { topic: string; records: IncomingRecord[] }[] = [];
  const write = async (_ctx: SluiceContext, topic: string, records: readonly IncomingRecord[]): Promise<ProduceResult> => {
    calls.push({ topic, records: [...records] });
    await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
    if (topic === options.failTopic) throw new Error('storage down');
    return {
      topic,
      duplicate: false,
      commitAttempts: 1,
      records: records.map((r) => {
        const key = `${topic}/${r.partition}`;
        const offset = next.get(key) ?? 0;
        next.set(key, offset + 1);
        return { partition: r.partition!, offset, timestamp: 1 };
      }),
    };
  };
  return { calls, write };
}

const ctx = {} as SluiceContext;
const recs = (partition: number, n: number, tag = ''): IncomingRecord[] => Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`${tag}${i}`), headers: [], partition }));

describe('ProduceBatcher', () => {
  it('writes the submissions of one window as one call, each answered with its own base offsets', async () => {
    const log = fakeLog();
    const batcher = new ProduceBatcher(ctx, { lingerMs: 20, maxBytes: 1 << 20 }, log.write);
    const a = batcher.submit('t', [{ partition: 0, records: recs(0, 3) }, { partition: 1, records: recs(1, 1) }]);
    const b = batcher.submit('t', [{ partition: 0, records: recs(0, 2) }]);
    const answers = await Promise.all([...a, ...b]);
    assert.equal(log.calls.length, 1);
    assert.deepEqual(answers.map((x) => x.baseOffset), [0, 0, 3]);
    assert.equal(batcher.calls, 1);
  });

  it('writes at once when the batch reaches its byte size, and a call per topic', async () => {
    const log = fakeLog();
    const batcher = new ProduceBatcher(ctx, { lingerMs: 60_000, maxBytes: 4 }, log.write);
    const started = Date.now();
    await Promise.all([...batcher.submit('x', [{ partition: 0, records: recs(0, 5) }]), ...batcher.submit('y', [{ partition: 0, records: recs(0, 5) }])]);
    assert.ok(Date.now() - started < 5_000);
    assert.deepEqual(log.calls.map((c) => c.topic).sort(), ['x', 'y']);
  });

  it('keeps one call in flight per topic, so pipelined requests are written in order', async () => {
    const log = fakeLog({ delayMs: 30 });
    const batcher = new ProduceBatcher(ctx, { lingerMs: 1, maxBytes: 1 << 20 }, log.write);
    const first = batcher.submit('t', [{ partition: 0, records: recs(0, 1, 'a') }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Arrive while the first call is in flight: gathered into the next call, after it.
    const second = batcher.submit('t', [{ partition: 0, records: recs(0, 1, 'b') }]);
    const third = batcher.submit('t', [{ partition: 0, records: recs(0, 1, 'c') }]);
    const offsets = (await Promise.all([...first, ...second, ...third])).map((x) => x.baseOffset);
    assert.deepEqual(offsets, [0, 1, 2]);
    assert.equal(log.calls.length, 2);
  });

  it('cuts a window past the partitions or records one call may hold into several calls', async () => {
    const log = fakeLog();
    const batcher = new ProduceBatcher(ctx, { lingerMs: 5, maxBytes: 1 << 30 }, log.write);
    const many = Array.from({ length: LIMITS.partitionsPerProduceMax + 1 }, (_, p) => ({ partition: p, records: recs(p, 1) }));
    await Promise.all(batcher.submit('t', many));
    assert.deepEqual(log.calls.map((c) => c.records.length), [LIMITS.partitionsPerProduceMax, 1]);
    await Promise.all([...batcher.submit('u', [{ partition: 0, records: recs(0, LIMITS.produceRecordsMax) }]), ...batcher.submit('u', [{ partition: 0, records: recs(0, 1) }])]);
    assert.deepEqual(log.calls.slice(2).map((c) => c.records.length), [LIMITS.produceRecordsMax, 1]);
  });

  it("writes an idempotent producer's submission as a call of its own, with its sequences as the claim", async () => {
    const seen: unknown[] = [];
    const log = fakeLog();
    const batcher = new ProduceBatcher(ctx, { lingerMs: 10, maxBytes: 1 << 20 }, (c, topic, records, options) => {
      seen.push(options);
      return log.write(c, topic, records);
    });
    const plainA = batcher.submit('t', [{ partition: 0, records: recs(0, 1) }]);
    const claimed = batcher.submit('t', [{ partition: 0, records: recs(0, 2) }, { partition: 1, records: recs(1, 1) }], { id: 7, epoch: 1, principal: 'p', sequences: new Map([[0, 4], [1, 0]]) });
    const plainB = batcher.submit('t', [{ partition: 0, records: recs(0, 1) }]);
    const offsets = (await Promise.all([...plainA, ...claimed, ...plainB])).map((x) => x.baseOffset);
    assert.deepEqual(offsets, [0, 1, 0, 3]);
    assert.deepEqual(seen, [undefined, { producer: { id: 7, epoch: 1, sequences: { 0: 4, 1: 0 } }, principal: 'p' }, undefined]);
  });

  it('fails exactly the submissions of a failed call', async () => {
    const log = fakeLog({ failTopic: 'bad' });
    const batcher = new ProduceBatcher(ctx, { lingerMs: 5, maxBytes: 1 << 20 }, log.write);
    const [bad] = batcher.submit('bad', [{ partition: 0, records: recs(0, 1) }]);
    const [good] = batcher.submit('good', [{ partition: 0, records: recs(0, 1) }]);
    await assert.rejects(bad!, /storage down/);
    assert.equal((await good!).baseOffset, 0);
  });
});
