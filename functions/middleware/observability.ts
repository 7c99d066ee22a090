import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { setClientCapture } from '../../lib/observability/client-capture';
import { setLogSink } from '../../lib/observability/log-sink';
import { METRICS_SERVICE, metrics } from '../../lib/observability/metrics';
import { loadTracing, type HandlerTracer } from './tracing';

/**
 * Powertools for AWS Lambda, created once per container: structured JSON logs
 * with the Lambda context and a correlation id, EMF metrics in the `Sluice`
 * namespace (emitted from lib/ through `recordMetric`), and X-Ray tracing of the
 * handler and of every SDK client lib/ creates (when tracing is on: ./tracing.ts
 * loads the Tracer only then).
 */
export const logger = new Logger({ serviceName: METRICS_SERVICE });
const tracing = await loadTracing(METRICS_SERVICE);
export const tracer: HandlerTracer = tracing.tracer;
export { metrics };

/** A structured log line as handlers and lib/ callbacks write it: a level, a message, and fields. */
export type LogEntry = { level?: string; message?: string } & Record<string, unknown>;

/**
 * Writes `entry` through the logger (so it carries the Lambda context and the
 * correlation id): `level` picks the method (INFO when absent or unknown), the
 * other keys become the line's fields. Pass it as lib/'s `log` callbacks.
 */
export function log(entry: LogEntry): void {
  const { level, message, ...fields } = entry;
  const method = level?.toUpperCase() === 'ERROR' ? 'error' : level?.toUpperCase() === 'WARN' ? 'warn' : level?.toUpperCase() === 'DEBUG' ? 'debug' : 'info';
  logger[method](message ?? '', fields);
}

/** With tracing on (POWERTOOLS_TRACE_ENABLED, in Lambda), every SDK client created from now on is captured. */
export function installClientTracing(on: HandlerTracer): void {
  if (on.isTracingEnabled()) setClientCapture((client) => on.captureAWSv3Client(client));
}

// Before any handler runs, so the clients of the container's first context are traced.
installClientTracing(tracer);
// lib/'s own log lines go through the logger too.
setLogSink(log);

/** The API Gateway request id of an HTTP event, else the Lambda request id. */
export function correlationIdOf(event: unknown, context: Pick<Context, 'awsRequestId'> | undefined): string | undefined {
  const requestId = (event as { requestContext?: { requestId?: unknown } } | null | undefined)?.requestContext?.requestId;
  return typeof requestId === 'string' && requestId !== '' ? requestId : context?.awsRequestId;
}

const correlationId: MiddlewareObj<unknown, unknown, Error, Context> = {
  before: (request) => {
    const id = correlationIdOf(request.event, request.context);
    if (id) logger.setCorrelationId(id);
  },
};

/**
 * The first middleware of every handler: tracer, logger (Lambda context and
 * correlation id; keys reset after each invocation) and metrics (flushed after
 * the handler, also when it fails). Outside Lambda (`npm start`, tests) metrics
 * are not flushed, so nothing but the handler's own output reaches stdout.
 */
export function observability(): MiddlewareObj[] {
  const middlewares: MiddlewareObj[] = [
    ...(tracing.middleware ? [tracing.middleware] : []),
    injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj,
    correlationId as MiddlewareObj,
  ];
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) middlewares.push(logMetrics(metrics) as MiddlewareObj);
  return middlewares;
}
