import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureCount, heldRecords, subscriptionStatus } from '../../../../lib/console/model/subscription-status';

const QUIET = { failingPartitions: 0, lastError: null, lastErrorAt: null, lastErrorPartition: null };
const partition = (consecutiveFailures: number) => ({
  topic: 't',
  partition: 0,
  committedOffset: 0,
  position: 0,
  logStartOffset: 0,
  highWatermark: 0,
  lag: 0,
  consecutiveFailures,
  lastError: null,
  lastErrorAt: null,
  nextAttemptAt: null,
});

describe('subscription status', () => {
  it('is failing while a partition fails, whatever the lag', () => {
    const status = subscriptionStatus({ delivery: { ...QUIET, failingPartitions: 1 }, partitions: [partition(2), partition(0)], totalLag: 0 });
    assert.deepEqual(status, { kind: 'failing', label: 'Failing on 1 of 2 partitions' });
  });

  it('is delivering while records wait and caught up when none do', () => {
    assert.equal(subscriptionStatus({ delivery: QUIET, partitions: [partition(0)], totalLag: 3 }).kind, 'lagging');
    assert.equal(subscriptionStatus({ delivery: QUIET, partitions: [partition(0)], totalLag: 0 }).kind, 'caught-up');
  });

  it('counts consecutive failures over partitions', () => {
    assert.equal(failureCount({ partitions: [partition(2), partition(3)] }), 5);
  });

  it('counts a topic’s held records from log start to high watermark', () => {
    assert.equal(
      heldRecords([
        { partition: 0, logStartOffset: 2, highWatermark: 5 },
        { partition: 1, logStartOffset: 0, highWatermark: 1 },
      ]),
      4,
    );
  });
});
