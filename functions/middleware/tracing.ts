import type { MiddlewareObj } from '@middy/core';

/**
 * The seam between the handlers and X-Ray: Powertools Tracer is loaded only when tracing
 * can be on, since merely importing it loads the X-Ray SDK's async hooks (about 1.3 ms
 * of CPU on a small call, and 68 KB in every bundle).
 *
 * - Deployed, the stack knows at synth time: without tracing its bundles alias the
 *   Tracer packages to the no-op functions/middleware/tracer-off.ts, and set
 *   POWERTOOLS_TRACE_ENABLED=false.
 * - Anywhere, POWERTOOLS_TRACE_ENABLED=false (Powertools' own switch) loads the no-op;
 *   outside Lambda (tests, `npm start`) Powertools never traces, so the Tracer is loaded
 *   only when POWERTOOLS_TRACE_ENABLED=true asks for it.
 */
export interface HandlerTracer {
  isTracingEnabled(): boolean;
  captureAWSv3Client<Client>(client: Client): Client;
}

export interface HandlerTracing {
  readonly tracer: HandlerTracer;
  /** Traces the invocation (a segment per call, the cold start annotated); none when tracing is off. */
  readonly middleware: MiddlewareObj | undefined;
}

/** Whether the Powertools Tracer should be loaded in this environment. */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.POWERTOOLS_TRACE_ENABLED?.toLowerCase();
  if (flag === 'false' || flag === '0') return false;
  return flag === 'true' || flag === '1' || Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
}

export async function loadTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<HandlerTracing> {
  if (!tracingWanted(env)) {
    const { Tracer } = await import('./tracer-off');
    return { tracer: new Tracer(), middleware: undefined };
  }
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([import('@aws-lambda-powertools/tracer'), import('@aws-lambda-powertools/tracer/middleware')]);
  const tracer = new Tracer({ serviceName });
  return { tracer, middleware: captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj };
}
