import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { niceCeiling, plotPoints, ticks } from '../../../../lib/console/model/chart-scale';

const AREA = { left: 10, top: 0, width: 100, height: 50 };

describe('chart scale', () => {
  it('rounds the value axis up to 1, 2, 2.5 or 5 times a power of ten', () => {
    assert.deepEqual(
      [0, 1, 3, 7, 12, 24, 26, 99, 101, 4800].map(niceCeiling),
      [1, 1, 5, 10, 20, 25, 50, 100, 200, 5000],
    );
  });

  it('places ticks on whole numbers from 0 to the top', () => {
    assert.deepEqual(ticks(5), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(ticks(20), [0, 5, 10, 15, 20]);
    assert.deepEqual(ticks(25), [0, 5, 10, 15, 20, 25]);
  });

  it('maps the first sample to the left edge, the last to the right, 0 to the bottom and the top value to the top', () => {
    const points = plotPoints([1000, 2000, 3000], [0, 5, 10], 10, AREA);
    assert.deepEqual(
      points.map((p) => [p.x, p.y]),
      [
        [10, 50],
        [60, 25],
        [110, 0],
      ],
    );
  });

  it('leaves out samples without a value and puts a single sample at the left edge', () => {
    assert.deepEqual(
      plotPoints([1, 2], [null, 4], 10, AREA).map((p) => p.at),
      [2],
    );
    assert.equal(plotPoints([5], [3], 10, AREA)[0]!.x, 10);
  });
});
