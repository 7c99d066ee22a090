import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactionDue, MIN_MERGE_BATCHES } from '../../../lib/compaction/compact-log';
import { DEFAULT_COMPACTION_LIMITS } from '../../../lib/compaction/compact-partition';
import { compactionSettingsOf } from '../../../lib/protocol/topic-config';
import { NEVER_COMPACTED, type CompactionState } from '../../../lib/store/compaction-state-store';
import type { PartitionHead } from '../../../lib/store/partition-head-store';

const NOW = 10_000_000;
const head = (extra: Partial<PartitionHead>): PartitionHead => ({ nextOffset: 100, logStartOffset: 0, leaderEpoch: 0, maxTimestamp: 0, updatedAt: NOW, ...extra });
const state = (extra: Partial<CompactionState>): CompactionState => ({ ...NEVER_COMPACTED, ...extra });
const due = (h: PartitionHead, s: CompactionState, config: Record<string, string> = {}) => compactionDue(h, s, compactionSettingsOf(config), DEFAULT_COMPACTION_LIMITS, NOW);

describe('compactionDue', () => {
  it('takes a partition with enough small batches since the last run, on any topic', () => {
    assert.equal(due(head({ batchesTotal: MIN_MERGE_BATCHES, bytesTotal: MIN_MERGE_BATCHES * 1024 }), NEVER_COMPACTED), true);
  });

  it('leaves a partition with fewer new batches than the minimum, or large ones, when only merging', () => {
    assert.equal(due(head({ batchesTotal: MIN_MERGE_BATCHES - 1, bytesTotal: 1024 }), NEVER_COMPACTED), false);
    assert.equal(due(head({ batchesTotal: MIN_MERGE_BATCHES, bytesTotal: MIN_MERGE_BATCHES * DEFAULT_COMPACTION_LIMITS.targetBatchBytes }), NEVER_COMPACTED), false);
  });

  it('leaves a partition with nothing new since the last run', () => {
    assert.equal(due(head({ batchesTotal: 40, bytesTotal: 4000 }), state({ cleanedBatches: 40, cleanedBytes: 4000, updatedAt: NOW - 1 })), false);
  });

  it('takes a compacted topic once its dirty bytes reach min.cleanable.dirty.ratio of the log', () => {
    const compacted = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.5' };
    const cleaned = state({ cleanedBatches: 10, cleanedBytes: 6000, updatedAt: NOW - 1 });
    assert.equal(due(head({ batchesTotal: 12, bytesTotal: 10_000 }), cleaned, compacted), false);
    assert.equal(due(head({ batchesTotal: 12, bytesTotal: 12_000 }), cleaned, compacted), true);
  });

  it('takes a compacted topic whose last compaction is max.compaction.lag.ms old, whatever its dirty ratio', () => {
    const compacted = { 'cleanup.policy': 'compact', 'max.compaction.lag.ms': '60000' };
    assert.equal(due(head({ batchesTotal: 11, bytesTotal: 10_100 }), state({ cleanedBatches: 10, cleanedBytes: 10_000, updatedAt: NOW - 60_000 }), compacted), true);
    assert.equal(due(head({ batchesTotal: 11, bytesTotal: 10_100 }), state({ cleanedBatches: 10, cleanedBytes: 10_000, updatedAt: NOW - 59_999 }), compacted), false);
  });

  it('leaves an empty log', () => {
    assert.equal(due(head({ nextOffset: 5, logStartOffset: 5, batchesTotal: 50, bytesTotal: 500 }), NEVER_COMPACTED, { 'cleanup.policy': 'compact' }), false);
  });
});
