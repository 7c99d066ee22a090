import type { MiddlewareObj } from '@middy/core';

/**
 * The handlers' tracer when tracing is off: the part of Powertools Tracer's surface Sluice
 * uses (functions/middleware/tracing.ts), doing nothing. Loading the real Tracer loads the
 * X-Ray SDK and its async hooks, which cost CPU on every call even with tracing disabled;
 * this loads nothing.
 *
 * A stack synthesized without tracing bundles every function with
 * `@aws-lambda-powertools/tracer` and `@aws-lambda-powertools/tracer/middleware` aliased
 * to this module (`functionBundling` in infra/constructs/sluice-functions.ts), so the
 * X-Ray SDK is not even in the bundle.
 */
export class Tracer {
  constructor(_options?: unknown) {}

  isTracingEnabled(): boolean {
    return false;
  }

  captureAWSv3Client<Client>(client: Client): Client {
    return client;
  }
}

/** A middleware that does nothing (middy refuses one with no hook at all). */
export function captureLambdaHandler(_tracer?: unknown, _options?: unknown): MiddlewareObj {
  return { before: () => undefined };
}
