import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendSample, lagSample, lagSeries } from '../../../../lib/console/model/lag-history';

describe('lag history', () => {
  it('sums a sample’s lag per topic and in total', () => {
    const sample = lagSample(1000, [
      { topic: 'orders', lag: 3 },
      { topic: 'orders', lag: 4 },
      { topic: 'payments', lag: 5 },
    ]);
    assert.deepEqual(sample, { at: 1000, total: 12, byTopic: { orders: 7, payments: 5 } });
  });

  it('keeps at most the given number of samples, dropping the oldest', () => {
    let history = appendSample([], lagSample(1, []), 2);
    history = appendSample(history, lagSample(2, []), 2);
    history = appendSample(history, lagSample(3, []), 2);
    assert.deepEqual(
      history.map((s) => s.at),
      [2, 3],
    );
  });

  it('does not change the history it appends to', () => {
    const history = [lagSample(1, [])];
    appendSample(history, lagSample(2, []));
    assert.equal(history.length, 1);
  });

  it('makes the total series first, then one per topic by name, with null where a topic was absent', () => {
    const history = [lagSample(1, [{ topic: 'b', lag: 2 }]), lagSample(2, [{ topic: 'a', lag: 1 }, { topic: 'b', lag: 1 }])];
    assert.deepEqual(lagSeries(history), [
      { name: 'Total', values: [2, 2] },
      { name: 'a', values: [null, 1] },
      { name: 'b', values: [2, 1] },
    ]);
  });
});
