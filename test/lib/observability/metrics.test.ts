import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { METRIC_NAMES, metrics, recordMetric, setMetricRecorder } from '../../../lib/observability/metrics';

describe('recordMetric', () => {
  const saved = process.env.AWS_LAMBDA_FUNCTION_NAME;
  afterEach(() => {
    setMetricRecorder(undefined);
    metrics.clearMetrics();
    if (saved === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    else process.env.AWS_LAMBDA_FUNCTION_NAME = saved;
  });

  it('goes to an installed recorder', () => {
    const seen: unknown[] = [];
    setMetricRecorder((name, unit, value) => seen.push([name, unit, value]));
    recordMetric('RecordsProduced', 'Count', 3);
    recordMetric('FencedWrites', 'Count');
    assert.deepEqual(seen, [
      ['RecordsProduced', 'Count', 3],
      ['FencedWrites', 'Count', 1],
    ]);
  });

  it('is a no-op outside Lambda', () => {
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    recordMetric('BytesFetched', 'Bytes', 10);
    assert.equal(metrics.hasStoredMetrics(), false);
  });

  it('adds to the Powertools Metrics singleton in Lambda', () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'sluice-produce-records';
    recordMetric('BytesProduced', 'Bytes', 42);
    assert.equal(metrics.hasStoredMetrics(), true);
    const emf = metrics.serializeMetrics() as unknown as { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] }; BytesProduced: number; service: string };
    assert.equal(emf._aws.CloudWatchMetrics[0]!.Namespace, 'Sluice');
    assert.deepEqual(emf._aws.CloudWatchMetrics[0]!.Metrics, [{ Name: 'BytesProduced', Unit: 'Bytes' }]);
    assert.equal(emf.BytesProduced, 42);
    assert.equal(emf.service, 'sluice');
  });

  it('never throws, even if the recorder does', () => {
    setMetricRecorder(() => {
      throw new Error('boom');
    });
    assert.doesNotThrow(() => recordMetric('DeliveryFailures', 'Count'));
  });

  it('names every metric the dashboard shows', () => {
    assert.deepEqual([...METRIC_NAMES].sort(), ['BytesFetched', 'BytesProduced', 'CommitConflicts', 'DeadLettered', 'DeliveryFailures', 'FencedWrites', 'RecordsFetched', 'RecordsProduced']);
  });
});
