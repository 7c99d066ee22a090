import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAULT_KINDS } from './faults';
import { kafkaSummary } from './kafka-clients';
import { DEFAULT_OPTIONS } from './options';
import { renderReport } from './report';
import { runSafety } from './workload';

/**
 * The safety check with its Kafka clients (issue 13): kafkajs producers, one idempotent and
 * one plain, write through the local platform's Kafka gateway beside the HTTP producers,
 * under the faults (and Produce responses lost on their way back to kafkajs), and kcat
 * reads the log back through the gateway after the run. The checker must find no anomaly
 * the settings forbid, and the Kafka producers must have had sends acknowledged. Its own
 * file: one run per process (safety.test.ts has the other).
 */
describe('safety check with Kafka clients (small scale)', () => {
  it('finds no forbidden anomaly with kafkajs producers through the gateway beside the HTTP ones', { timeout: 120_000 }, async (t) => {
    const run = await runSafety({
      ...DEFAULT_OPTIONS,
      seconds: 12,
      producers: 2,
      consumers: 1,
      partitions: 3,
      seed: 20261207,
      sessionTimeoutMs: 4000,
      graceSeconds: 20,
      // Every fault but the DynamoDB Local restart, whose downtime (up to ~20 s here) would take most
      // of so short a run; npm run check:safety and safety.test.ts run it.
      faults: new Set(FAULT_KINDS.filter((k) => k !== 'emulator-restart')),
      kafkaClients: true,
    });
    const report = renderReport(run);
    const kafka = kafkaSummary(run.history.events);
    t.diagnostic(`kafka: ${JSON.stringify(kafka)}`);
    t.diagnostic(report.split('\n').filter((line) => /^(history|  +[0-9]|time|note|VALID|INVALID|kafka)/.test(line)).join(' | '));

    assert.ok(run.result.valid, `anomalies found:\n${report}`);
    assert.ok(kafka.attempts.ok > 0, `no Kafka send was acknowledged:\n${report}`);
    assert.ok(kafka.valuesAcknowledged > 0, `no Kafka value was acknowledged with its offset:\n${report}`);
    const sends = run.history.events.filter((e) => e.type === 'send' && e.via === 'kafka' && e.outcome === 'ok');
    assert.ok(
      sends.some((e) => e.type === 'send' && e.idempotent),
      'the idempotent kafkajs producer had no send acknowledged',
    );
    assert.ok(
      sends.some((e) => e.type === 'send' && !e.idempotent),
      'the plain kafkajs producer had no send acknowledged',
    );
    // The proxy lost Produce responses after their commits (kafka-clients.ts, KafkaResponseDropper).
    t.diagnostic(`Kafka produce responses lost: ${run.faults.details['lost-response.kafka-produce'] ?? 0}`);
    assert.ok((run.faults.details['lost-response.kafka-produce'] ?? 0) >= 1, `no Kafka produce response was lost:\n${report}`);
    const finals = run.history.events.filter((e) => e.type === 'final-read').map((e) => (e as { label: string }).label);
    if (!run.notes.some((n) => n.startsWith('kcat is not installed'))) assert.ok(finals.includes('kcat'), `no kcat final read: ${finals.join(', ')}`);
  });
});
