import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retentionLimitsFor, UNLIMITED_RETENTION } from '../../../lib/retention/retention-settings';

describe('retentionLimitsFor: what retention removes, by cleanup.policy', () => {
  const config = { 'retention.ms': '3600000', 'retention.bytes': '1048576' };

  it('applies retention.ms and retention.bytes under the default policy (delete)', () => {
    assert.deepEqual(retentionLimitsFor(config, 5000), { retentionMs: 3_600_000, retentionBytes: 1_048_576 });
  });

  it('applies the platform default to a topic without retention.ms', () => {
    assert.deepEqual(retentionLimitsFor({}, 5000), { retentionMs: 5000, retentionBytes: undefined });
  });

  it('keeps everything, by time and by size, under cleanup.policy=compact', () => {
    assert.deepEqual(retentionLimitsFor({ ...config, 'cleanup.policy': 'compact' }, 5000), { retentionMs: UNLIMITED_RETENTION, retentionBytes: undefined });
  });

  it('keeps everything by time under cleanup.policy=compact even without retention.ms, whatever the platform default', () => {
    assert.deepEqual(retentionLimitsFor({ 'cleanup.policy': 'compact' }, 5000), { retentionMs: UNLIMITED_RETENTION, retentionBytes: undefined });
  });

  for (const policy of ['compact,delete', 'delete,compact']) {
    it(`applies both under cleanup.policy=${policy}`, () => {
      assert.deepEqual(retentionLimitsFor({ ...config, 'cleanup.policy': policy }, 5000), { retentionMs: 3_600_000, retentionBytes: 1_048_576 });
    });
  }
});
