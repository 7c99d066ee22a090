import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAULT_DESCRIPTIONS, WORKLOAD_FAULTS } from './faults';
import { kafkaSummary } from './kafka-clients';
import { consumerSplit } from './options';
import type { RunResult } from './workload';

/** The run's verdict as text: settings, a table of anomaly counts, the faults injected, and what the history holds. */
export function renderReport(run: RunResult, reportPath?: string): string {
  const { options, result, faults, timings } = run;
  const split = consumerSplit(options.consumers);
  const compacted = options.workload === 'compacted';
  const c = options.compacted;
  const lines: string[] = [];
  lines.push(
    `Sluice safety check${compacted ? ' (compacted workload)' : ''}: ${options.seconds} s, ${options.producers} producers (${Math.ceil(options.producers / 2)} idempotent), ` +
      `${options.consumers} consumers (${split.readers} direct, ${split.members} ${compacted ? 'scanning from offset 0 again and again' : 'in a group'}), ${options.partitions} partitions, seed ${options.seed}` +
      `${options.kafkaClients ? '; 2 kafkajs producers (1 idempotent) through the Kafka gateway, a kcat final read' : ''}`,
  );
  if (compacted) {
    lines.push(
      `  topic cleanup.policy=compact, delete.retention.ms=${c.deleteRetentionMs}; ${c.keys} keys, ${c.tombstonePercent}% tombstones; ` +
        `two compactors each about every ${c.compactEveryMs} ms, then a final compaction`,
    );
  }
  lines.push('');
  lines.push(`${'anomaly'.padEnd(28)} ${'bad'.padStart(6)} ${'allowed'.padStart(8)}`);
  for (const kind of result.checked) {
    const a = result.anomalies[kind];
    lines.push(`${kind.padEnd(28)} ${String(a.bad).padStart(6)} ${String(a.allowed).padStart(8)}${a.bad > 0 ? '   <-- BAD' : ''}`);
  }
  lines.push('');
  lines.push(`${'fault'.padEnd(28)} ${'injected'.padStart(8)}`);
  for (const kind of WORKLOAD_FAULTS[options.workload]) {
    const on = faults.enabled.includes(kind);
    lines.push(`${kind.padEnd(28)} ${(on ? String(faults.injected[kind]) : 'off').padStart(8)}${on && faults.injected[kind] === 0 ? '   (enabled, never injected)' : ''}`);
  }
  const details = Object.entries(faults.details).sort(([a], [b]) => a.localeCompare(b));
  if (details.length > 0) lines.push(`  details: ${details.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const s = result.stats;
  lines.push('');
  lines.push(
    `history: ${s.sends} sends in ${s.attempts} attempts (ok ${s.attemptsByOutcome.ok}, refused ${s.attemptsByOutcome.fail}, unknown ${s.attemptsByOutcome.unknown}); ` +
      `values ${s.valuesSent}: acknowledged ${s.valuesAcknowledged}, surely aborted ${s.valuesAborted}, indeterminate ${s.valuesIndeterminate}; ` +
      `idempotent retries answered as duplicates ${s.idempotentDuplicateReplies}`,
  );
  lines.push(
    `         ${s.polls} polls read ${s.recordsPolled} records; ${s.commits} group commits (ok ${s.commitsByOutcome.ok}, refused ${s.commitsByOutcome.fail}, unknown ${s.commitsByOutcome.unknown}); ` +
      `${s.generationsSeen} generations seen; ${s.inits} producer inits; final reads ${s.finalReads} of ${s.finalRecords} records`,
  );
  if (s.compaction) {
    const k = s.compaction;
    lines.push(
      `compaction: ${k.keys} keys; tombstones sent ${k.tombstonesSent}, acknowledged ${k.tombstonesAcknowledged}; ` +
        `${k.compactions.runs} compactLog runs (ok ${k.compactions.ok}, failed ${k.compactions.failed}): ${k.compactions.partitionsCompacted} partition runs, ` +
        `${k.compactions.partitionsLeased} found leased, ${k.compactions.batchesWritten} batches written, ${k.compactions.recordsDropped} records dropped, ${k.compactions.swapsRefused} swaps refused`,
    );
    lines.push(
      `         passes from offset 0 to the end ${k.passes.complete} (checked for tombstones ${k.passes.checked}, excused by a long compaction run ${k.passes.excused}); ` +
        `holes read past, each excused ${k.holesExcused}; last final read: ${k.final.records} records, keys with a value ${k.final.live}, with a tombstone ${k.final.tombstones}, absent ${k.final.absent}, ` +
        `records superseded but kept ${k.final.superseded}`,
    );
  }
  const codes = Object.entries(s.errorCodes).sort(([, a], [, b]) => b - a);
  if (codes.length > 0) lines.push(`         send error codes: ${codes.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  const kafka = kafkaSummary(run.history.events);
  if (kafka.sends > 0) {
    lines.push(
      `kafka:   ${kafka.sends} kafkajs sends through the gateway (of the above) in ${kafka.attempts.ok + kafka.attempts.fail + kafka.attempts.unknown} attempts ` +
        `(ok ${kafka.attempts.ok}, refused ${kafka.attempts.fail}, unknown ${kafka.attempts.unknown}); values acknowledged with offsets ${kafka.valuesAcknowledged}` +
        `${Object.keys(kafka.codes).length > 0 ? `; codes ${Object.entries(kafka.codes).map(([c, n]) => `${c} ${n}`).join(', ')}` : ''}`,
    );
  }
  lines.push(
    `time: startup ${(timings.startupMs / 1000).toFixed(1)} s, workload ${(timings.workloadMs / 1000).toFixed(1)} s, drain ${(timings.drainMs / 1000).toFixed(1)} s, ` +
      `final reads ${(timings.finalMs / 1000).toFixed(1)} s, total ${(timings.totalMs / 1000).toFixed(1)} s`,
  );
  for (const note of run.notes) lines.push(`note: ${note}`);
  const passed = result.checked.filter((kind) => result.anomalies[kind].bad === 0).length;
  lines.push(`checks: ${passed} of ${result.checked.length} passed`);
  for (const kind of result.checked) {
    const a = result.anomalies[kind];
    if (a.bad === 0) continue;
    lines.push('');
    lines.push(`${kind}: ${a.bad} bad; examples:`);
    for (const example of a.examples) lines.push(`  ${JSON.stringify(example)}`);
  }
  if (reportPath) lines.push('', `report: ${reportPath}`);
  lines.push('', result.valid ? 'VALID: no anomaly the settings forbid' : 'INVALID: anomalies found (see above)');
  return lines.join('\n');
}

/** Writes the JSON report (verdict, counts, examples, faults, settings) and the full history next to it. */
export function writeReport(run: RunResult, outDir: string, startedAt: Date): { report: string; history: string } {
  mkdirSync(outDir, { recursive: true });
  const stamp = startedAt.toISOString().replaceAll(':', '-').replaceAll('.', '-');
  const report = join(outDir, `safety-${stamp}.json`);
  const history = join(outDir, `safety-${stamp}-history.jsonl`);
  const body = {
    kind: 'sluice-safety-check',
    startedAt: startedAt.toISOString(),
    valid: run.result.valid,
    checked: run.result.checked,
    options: { ...run.options, faults: [...run.options.faults] },
    topic: run.topic,
    group: run.group,
    anomalies: run.result.anomalies,
    stats: run.result.stats,
    faults: { ...run.faults, descriptions: FAULT_DESCRIPTIONS },
    timings: run.timings,
    notes: run.notes,
    historyFile: history,
    platformLogTail: run.platformLog.slice(-200),
  };
  writeFileSync(report, `${JSON.stringify(body, null, 2)}\n`);
  writeFileSync(history, run.history.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return { report, history };
}
