import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The seam through which domain code emits a business metric without knowing
 * where it goes. In a Lambda function the value is added to the Powertools
 * Metrics singleton below, and the `observability()` middleware of the handler
 * publishes it as one CloudWatch Embedded Metric Format line at the end of the
 * invocation. Anywhere else (tests, `npm start`) it is a no-op, unless a test
 * installs its own recorder.
 */
export type MetricUnit = 'Count' | 'Bytes' | 'Milliseconds';

/** Every metric Sluice emits, in the `Sluice` namespace with the dimension `service=sluice`. */
export const METRIC_NAMES = [
  'RecordsProduced',
  'BytesProduced',
  'RecordsFetched',
  'BytesFetched',
  'CommitConflicts',
  'FencedWrites',
  'DeliveryFailures',
  'DeadLettered',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const METRICS_NAMESPACE = 'Sluice';
export const METRICS_SERVICE = 'sluice';

/**
 * Powertools' own warnings, minus the one about an invocation that emitted no
 * metric: most API calls emit none, and that is not worth a log line each.
 */
const metricsWarnings = {
  debug: () => {},
  info: () => {},
  warn: (...content: unknown[]) => {
    if (!String(content[0]).startsWith('No application metrics to publish')) console.warn(...content);
  },
  error: (...content: unknown[]) => console.error(...content),
};

/** The one Metrics instance of the process; the handler middleware flushes it. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE, logger: metricsWarnings });

export type MetricRecorder = (name: MetricName, unit: MetricUnit, value: number) => void;

const inLambda = (): boolean => Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);

let recorder: MetricRecorder | undefined;

/** Replaces where metrics go (a test's spy); `undefined` restores the default. */
export function setMetricRecorder(next: MetricRecorder | undefined): void {
  recorder = next;
}

/** Adds `value` to the metric `name`. Never throws: a metric must not fail a request. */
export function recordMetric(name: MetricName, unit: MetricUnit, value = 1): void {
  try {
    if (recorder) recorder(name, unit, value);
    else if (inLambda()) metrics.addMetric(name, unit, value);
  } catch {
    // Observability is best effort.
  }
}
