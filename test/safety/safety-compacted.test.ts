import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WORKLOAD_FAULTS } from './faults';
import { DEFAULT_OPTIONS } from './options';
import { renderReport } from './report';
import { runSafety } from './workload';

/**
 * The safety check's compacted workload at a small scale: a cleanup.policy=compact topic with
 * a 2 s delete.retention.ms, keyed records over 16 keys with tombstones, two compactors running
 * compactLog throughout (some runs crashed), tail readers and scanners, then a final
 * compaction and the final reads. The checker (compacted-checker.ts beside the standard
 * checks) must find nothing, and the run must have compacted, dropped records and tombstones,
 * and checked passes, so that a pass means something. Its own file: one run per process.
 */
describe('safety check, compacted workload (small scale)', () => {
  it('finds no violation of compaction rules while compaction runs beside producers and readers under faults', { timeout: 240_000 }, async (t) => {
    const run = await runSafety({
      ...DEFAULT_OPTIONS,
      workload: 'compacted',
      seconds: 14,
      producers: 3,
      consumers: 3,
      partitions: 2,
      seed: 20261207,
      graceSeconds: 20,
      kafkaClients: false,
      compacted: { ...DEFAULT_OPTIONS.compacted, keys: 16 },
      // The DynamoDB Local restart (down for 10-20 s) would take most of so short a run: npm run check:safety -- --workload compacted has it.
      faults: new Set(WORKLOAD_FAULTS.compacted.filter((kind) => kind !== 'emulator-restart')),
    });
    const report = renderReport(run);
    t.diagnostic(report.split('\n').filter((line) => /^(history|compaction|  +[a-z0-9]|time|note|checks|VALID|INVALID)/.test(line)).join(' | '));

    assert.ok(run.result.valid, `anomalies found:\n${report}`);
    assert.ok(run.history.compaction, 'the history is not marked compacted');
    assert.ok(!run.result.checked.includes('lost-write') && run.result.checked.includes('resurrected-tombstone'), `checked: ${run.result.checked.join(', ')}`);
    assert.ok(run.faults.injected['compaction-crash'] >= 1, `no compaction run was crashed:\n${report}`);

    const stats = run.result.stats;
    const c = stats.compaction!;
    assert.ok(stats.valuesAcknowledged >= 20, `too few acknowledged records:\n${report}`);
    assert.ok(c.tombstonesAcknowledged >= 2, `too few acknowledged tombstones:\n${report}`);
    assert.ok(c.compactions.ok >= 3, `too few compaction runs:\n${report}`);
    assert.ok(c.compactions.recordsDropped >= 10, `compaction dropped too few records:\n${report}`);
    assert.ok(c.passes.checked >= 5, `too few passes from offset 0 checked for tombstones:\n${report}`);
    assert.ok(c.holesExcused >= 10, `readers met too few compacted holes:\n${report}`);
    assert.equal(stats.finalReads, 2);
    // Compacted to its end: each key once at most.
    assert.equal(c.final.superseded, 0, `the final compaction left superseded records:\n${report}`);
  });
});
