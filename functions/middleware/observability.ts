import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { METRICS_SERVICE, metrics } from '../../lib/observability/metrics';

/**
 * Powertools for AWS Lambda, created once per container: structured JSON logs
 * with the Lambda context and a correlation id, EMF metrics in the `Sluice`
 * namespace (emitted from lib/ through `recordMetric`), and X-Ray tracing of the
 * handler.
 */
export const logger = new Logger({ serviceName: METRICS_SERVICE });
export const tracer = new Tracer({ serviceName: METRICS_SERVICE });
export { metrics };

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
    captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj,
    injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj,
    correlationId as MiddlewareObj,
  ];
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) middlewares.push(logMetrics(metrics) as MiddlewareObj);
  return middlewares;
}
