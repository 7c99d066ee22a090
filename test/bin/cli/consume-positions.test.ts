import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { endOffset, pastStop, startOffset, startPosition, stopPosition } from '../../../bin/cli/consume-positions';
import { SluiceApiError } from '../../../lib/client/sluice-http-client';

const RANGE = { partition: 3, logStartOffset: 10, highWatermark: 200 };
const noLookup = (): Promise<number | null> => assert.fail('offsets-for-times must not be asked');

describe('startPosition', () => {
  test('reads earliest, latest, an offset, -N and @time (ISO 8601 or ms)', () => {
    assert.equal(startPosition('earliest'), 'earliest');
    assert.equal(startPosition('latest'), 'latest');
    assert.equal(startPosition('42'), 42);
    assert.deepEqual(startPosition('-100'), { fromEnd: 100 });
    assert.deepEqual(startPosition('@2026-12-01T10:00:00Z'), { time: Date.UTC(2026, 11, 1, 10) });
    assert.deepEqual(startPosition('@1700000000000'), { time: 1_700_000_000_000 });
  });

  test("takes kcat's beginning and end for earliest and latest", () => {
    assert.equal(startPosition('beginning'), 'earliest');
    assert.equal(startPosition('end'), 'latest');
  });

  test('refuses anything else as a usage error', () => {
    for (const bad of ['yesterday', '-', '--5', '1.5', '@', '@yesterday', '@2026-12-01']) {
      assert.throws(() => startPosition(bad), InvalidArgumentError, bad);
    }
  });
});

describe('stopPosition', () => {
  test('reads an offset or @time', () => {
    assert.deepEqual(stopPosition('500'), { offset: 500 });
    assert.deepEqual(stopPosition('@2026-12-01T10:00:00Z'), { time: Date.UTC(2026, 11, 1, 10) });
  });

  test('refuses a relative or named position', () => {
    for (const bad of ['-5', 'latest', '@soon']) assert.throws(() => stopPosition(bad), InvalidArgumentError, bad);
  });
});

describe('startOffset', () => {
  test('earliest and latest are the log start offset and the high watermark', async () => {
    assert.equal(await startOffset('earliest', 't', RANGE, noLookup), 10);
    assert.equal(await startOffset('latest', 't', RANGE, noLookup), 200);
  });

  test('-N starts N records before the high watermark, and at the log start if there are fewer', async () => {
    assert.equal(await startOffset({ fromEnd: 100 }, 't', RANGE, noLookup), 100);
    assert.equal(await startOffset({ fromEnd: 1000 }, 't', RANGE, noLookup), 10);
    assert.equal(await startOffset({ fromEnd: 0 }, 't', RANGE, noLookup), 200);
  });

  test('@time asks offsets-for-times, and starts at the high watermark when no record is that late', async () => {
    const asked: number[] = [];
    assert.equal(await startOffset({ time: 1234 }, 't', RANGE, async (t) => (asked.push(t), 57)), 57);
    assert.equal(await startOffset({ time: 1234 }, 't', RANGE, async () => null), 200);
    assert.deepEqual(asked, [1234]);
  });

  test('an offset inside the range is kept; outside it is OFFSET_OUT_OF_RANGE naming the topic and partition', async () => {
    assert.equal(await startOffset(10, 't', RANGE, noLookup), 10);
    assert.equal(await startOffset(200, 't', RANGE, noLookup), 200);
    for (const bad of [9, 201]) {
      await assert.rejects(startOffset(bad, 't', RANGE, noLookup), (err: SluiceApiError) => {
        assert.equal(err.code, 'OFFSET_OUT_OF_RANGE');
        assert.deepEqual(err.details, { topic: 't', partition: 3, offset: bad, logStartOffset: 10, highWatermark: 200 });
        return true;
      });
    }
  });
});

describe('endOffset and pastStop', () => {
  test('without --follow a partition ends at its high watermark as of the start, or --to if lower', () => {
    assert.equal(endOffset(undefined, RANGE, false), 200);
    assert.equal(endOffset({ offset: 50 }, RANGE, false), 50);
    assert.equal(endOffset({ offset: 500 }, RANGE, false), 200);
    assert.equal(endOffset({ time: 5 }, RANGE, false), 200);
  });

  test('with --follow a partition ends only at --to', () => {
    assert.equal(endOffset(undefined, RANGE, true), Infinity);
    assert.equal(endOffset({ offset: 500 }, RANGE, true), 500);
    assert.equal(endOffset({ time: 5 }, RANGE, true), Infinity);
  });

  test('a record is past the stop at the end offset, or (--to @time) at a timestamp at or after the time', () => {
    assert.equal(pastStop({ offset: 49, timestamp: 0 }, 50, undefined), false);
    assert.equal(pastStop({ offset: 50, timestamp: 0 }, 50, undefined), true);
    assert.equal(pastStop({ offset: 1, timestamp: 999 }, Infinity, { time: 1000 }), false);
    assert.equal(pastStop({ offset: 1, timestamp: 1000 }, Infinity, { time: 1000 }), true);
    assert.equal(pastStop({ offset: 1, timestamp: 5000 }, Infinity, { offset: 2 }), false);
  });
});
