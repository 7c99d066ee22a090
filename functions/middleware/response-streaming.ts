import { Readable, type Writable } from 'node:stream';
import type { StreamingHttpResult } from './http';

/**
 * Lambda response streaming (a function URL with InvokeMode RESPONSE_STREAM): the Node.js
 * runtime's `awslambda` global, which no package types, and the adapter from a
 * `StreamingHttpResult` (what a module's `streamHandler` answers; functions/middleware/http.ts)
 * to the body middy's streaming mode writes out (functions/http/stream-reads.ts).
 */

/** What `awslambda.HttpResponseStream.from` takes: the status and headers it sends before the body. */
export interface ResponsePrelude {
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
}

/** The part of the runtime's global `awslambda` that response streaming uses. */
export interface LambdaStreamingRuntime {
  streamifyResponse<E, C>(handler: (event: E, responseStream: Writable, context: C) => Promise<void>): (event: E, responseStream: Writable, context: C) => Promise<void>;
  HttpResponseStream: { from(responseStream: Writable, prelude: ResponsePrelude): Writable };
}

/** The global, as the Lambda Node.js runtime defines it before loading the handler (@types/aws-lambda types it as always there). */
const runtimeGlobal = globalThis as unknown as { awslambda?: LambdaStreamingRuntime };

/**
 * Makes sure `awslambda` exists before a streaming handler is built (middy's
 * executionModeStreamifyResponse calls `awslambda.streamifyResponse` when the handler is
 * created). Outside Lambda, the local runtime imports every handler module of the platform
 * spec, this one included, without serving it (its HTTP server streams itself), so a
 * missing runtime must not fail the import: the stand-in fails the invocation instead.
 */
export function ensureStreamingRuntime(): void {
  const existing = runtimeGlobal.awslambda as Partial<LambdaStreamingRuntime> | undefined;
  if (typeof existing?.streamifyResponse === 'function') return;
  const unavailable = (): never => {
    throw new Error('Response streaming needs the Lambda Node.js runtime (awslambda.streamifyResponse); the local platform streams from its HTTP server');
  };
  // Added to what is there: @aws/lambda-invoke-store (under Powertools) creates `awslambda` outside Lambda too, for its InvokeStore.
  runtimeGlobal.awslambda = Object.assign(existing ?? {}, {
    streamifyResponse: () => async () => unavailable(),
    HttpResponseStream: { from: unavailable },
  });
}

/**
 * The body of a streaming answer as a Readable for middy to pipe into Lambda's response
 * stream. Chunks are pushed as `stream` writes them, and a `write` resolves only once the
 * Readable wants more, so a slow client slows the producer (as the local server's `drain`
 * does). When the Readable is destroyed (the pipe to the response stream broke: the
 * runtime reports the client gone, or the write failed), the producer's signal aborts,
 * which ends a long-poll it is in; a producer that fails destroys the Readable with its error.
 */
export function streamingBody(result: StreamingHttpResult): Readable {
  const controller = new AbortController();
  let wanted: (() => void) | undefined;
  const release = () => {
    const resolve = wanted;
    wanted = undefined;
    resolve?.();
  };
  const body = new Readable({
    read: release,
    destroy(error, callback) {
      controller.abort();
      release();
      callback(error);
    },
  });
  const write = (chunk: string): Promise<void> =>
    new Promise((resolve) => {
      // After the client is gone, writes go nowhere; the aborted signal stops the producer.
      if (body.destroyed) return resolve();
      if (body.push(chunk)) resolve();
      else wanted = resolve;
    });
  result.stream(write, controller.signal).then(
    () => {
      if (!body.destroyed) body.push(null);
    },
    (error: unknown) => body.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return body;
}
