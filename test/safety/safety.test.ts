import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WORKLOAD_FAULTS } from './faults';
import { DEFAULT_OPTIONS } from './options';
import { renderReport } from './report';
import { runSafety } from './workload';

/**
 * The safety check at a small scale: the real local platform, producers and consumers
 * with every fault injected at least once, then the checker. It must find no anomaly
 * the settings forbid, and it must have done enough (faults injected, records written
 * and read, group commits) that a pass means something.
 */
describe('safety check (small scale)', () => {
  it('finds no forbidden anomaly under every fault, and actually exercised them', { timeout: 240_000 }, async (t) => {
    const run = await runSafety({
      ...DEFAULT_OPTIONS,
      seconds: 16,
      producers: 3,
      consumers: 3,
      partitions: 3,
      seed: 20261122,
      sessionTimeoutMs: 4000,
      graceSeconds: 30,
      // The Kafka clients have their own run (safety-kafka.test.ts): one run per process.
      kafkaClients: false,
    });
    const report = renderReport(run);
    t.diagnostic(report.split('\n').filter((line) => /^(history|  +[0-9]|time|note|VALID|INVALID)/.test(line)).join(' | '));

    assert.ok(run.result.valid, `anomalies found:\n${report}`);
    // Every fault of the standard workload (all but compaction-crash, which needs the compacted one).
    assert.deepEqual(run.faults.enabled, WORKLOAD_FAULTS.standard);
    for (const kind of run.faults.enabled) assert.ok(run.faults.injected[kind] >= 1, `fault ${kind} was never injected:\n${report}`);

    const stats = run.result.stats;
    assert.ok(stats.valuesAcknowledged >= 20, `too few acknowledged values:\n${report}`);
    assert.ok(stats.attemptsByOutcome.unknown >= 1, 'no send had an unknown outcome');
    assert.ok(stats.idempotentDuplicateReplies >= 1, 'no idempotent retry was answered with its original offsets');
    assert.ok(stats.errorCodes.FENCED !== undefined, 'no zombie producer was fenced');
    assert.ok(stats.recordsPolled >= 20, `too few records polled:\n${report}`);
    assert.ok(stats.commitsByOutcome.ok >= 1, `no group commit succeeded:\n${report}`);
    assert.ok(stats.generationsSeen >= 2, `no rebalance happened:\n${report}`);
    assert.equal(stats.finalReads, 2);
    assert.ok(stats.finalRecords >= 2 * stats.valuesAcknowledged, 'the final reads miss acknowledged values');
    const zombieCommits = run.history.events.filter((e) => e.type === 'commit' && e.zombie && e.outcome === 'fail');
    assert.ok(zombieCommits.length >= 1, 'no zombie member commit was refused');
    for (const c of zombieCommits) assert.match(String((c as { code?: string }).code), /^(ILLEGAL_GENERATION|UNKNOWN_MEMBER)$/);
  });
});
