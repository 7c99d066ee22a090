import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { StreamingHttpResult } from '../../functions/middleware/http';
import { corsAnswerHeaders, isPreflight, preflightHeaders, SECURITY_HEADERS } from '../../lib/protocol/cors';
import { wantsEventStream } from '../../lib/protocol/live';
import { StartupError } from './emulators/startup-error';
import { fromApiGatewayResult, toApiGatewayEvent } from './api-gateway-event';
import { lambdaContext } from './lambda-context';
import type { InvocationReports } from './invocation-reports';
import type { RouteTable } from './route-table';

export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** A handler module's `streamHandler`: answers as `handler` does, or with a body it writes as it goes. */
export type HttpStreamHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2 | StreamingHttpResult>;

export interface RouteTarget {
  functionName: string;
  timeoutSeconds: number;
  handler: HttpHandler;
  /**
   * Serves the route's live reads (`Accept: text/event-stream` or `?live=sse`) where this
   * server can stream a response, which API Gateway's HTTP API cannot: there, `handler`
   * answers them 501 STREAMING_NOT_SUPPORTED. Unset, so does this server.
   */
  stream?: HttpStreamHandler;
}

/** API Gateway's own payload limit for HTTP APIs. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/**
 * Serves the HTTP API locally the way API Gateway does: every request becomes a
 * payload-2.0 event for the same handler module Lambda runs, and the result maps back.
 */
export function startHttpServer(
  routes: RouteTable<RouteTarget>,
  port: number,
  host: string,
  log: (line: string) => void,
  /** Serves a request before the routes do (the WebSocket management API); true when it did. */
  intercept?: (req: IncomingMessage, res: ServerResponse) => boolean,
  /** Told each invocation's handler duration, as Lambda's REPORT lines are. */
  reports?: InvocationReports,
  /** Origins allowed to call from a browser (lib/protocol/cors.ts); empty: CORS is off, as in an API without `corsPreflight`. */
  corsOrigins: readonly string[] = [],
  /** Serves pages that are not the API's (the web console); true when it did. */
  pages?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (intercept?.(req, res)) return;
    if (answerBrowser(req, res, corsOrigins)) return;
    const served = pages ? pages(req, res) : Promise.resolve(false);
    served.then((done) => (done ? undefined : handle(routes, req, res, log, reports))).catch((error: unknown) => {
      log(`request failed: ${String(error)}`);
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new StartupError(`Port ${port} for the Sluice API is already in use; set SLUICE_PORT to a free port.`)
          : error,
      );
    });
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * The headers browsers need, before any route. The security headers (which deployed come
 * from the handlers' middleware) and the CORS headers go on whatever answer follows: set
 * here, every writeHead below keeps them, for errors, this server's own 404s and 413s, and
 * streams alike. A preflight is answered at once, before routes and authorization, as API
 * Gateway's own CORS does. True when it answered.
 */
function answerBrowser(req: IncomingMessage, res: ServerResponse, corsOrigins: readonly string[]): boolean {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  const origin = req.headers.origin;
  if (corsOrigins.length > 0 && isPreflight(req.method ?? 'GET', req.headers)) {
    // The body of a preflight is never read; draining it lets the connection be reused.
    req.resume();
    res.writeHead(204, preflightHeaders(corsOrigins, origin));
    res.end();
    return true;
  }
  for (const [name, value] of Object.entries(corsAnswerHeaders(corsOrigins, origin))) res.setHeader(name, value);
  return false;
}

async function handle(routes: RouteTable<RouteTarget>, req: IncomingMessage, res: ServerResponse, log: (line: string) => void, reports?: InvocationReports): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_REQUEST_BYTES) {
      // API Gateway refuses such a body itself; here it is answered in the API's own shape.
      send(res, 413, {
        error: { code: 'PAYLOAD_TOO_LARGE', message: `body: must be at most ${MAX_REQUEST_BYTES} bytes`, retriable: false, field: 'body', limit: MAX_REQUEST_BYTES },
      });
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const path = url.split('?')[0] ?? '/';
  const matched = routes.match(method, path);
  if (!matched) {
    // API Gateway's own answer when there is no $default route either.
    send(res, 404, { message: 'Not Found' });
    return;
  }
  const requestId = randomUUID();
  const started = Date.now();
  const event = toApiGatewayEvent(
    { method, url, headers: req.headers, body: Buffer.concat(chunks), sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
    matched.route,
    requestId,
    started,
  );
  const { functionName, timeoutSeconds, handler, stream } = matched.target;
  const live = stream !== undefined && wantsEventStream(event.headers.accept, event.queryStringParameters?.live);
  let result: APIGatewayProxyResultV2 | StreamingHttpResult;
  const invoked = performance.now();
  try {
    const context = lambdaContext(functionName, timeoutSeconds, requestId);
    result = live ? await stream(event, context) : await handler(event, context);
    if (!isStreaming(result)) reports?.record({ functionName, durationMs: performance.now() - invoked });
  } catch (error) {
    // A handler that throws is a Lambda error; API Gateway answers 500.
    log(`${functionName} threw: ${String(error)}`);
    send(res, 500, { message: 'Internal Server Error' });
    return;
  }
  if (isStreaming(result)) {
    await streamResponse(res, result, requestId, log);
    reports?.record({ functionName, durationMs: performance.now() - invoked });
    if (process.env.SLUICE_LOG_REQUESTS !== 'false') log(`${method} ${path} ${result.statusCode} (stream) ${Date.now() - started}ms`);
    return;
  }
  const response = fromApiGatewayResult(result);
  res.writeHead(response.statusCode, { ...response.headers, 'apigw-requestid': requestId, 'content-length': response.body.byteLength });
  res.end(response.body);
  if (process.env.SLUICE_LOG_REQUESTS !== 'false') log(`${method} ${path} ${response.statusCode} ${Date.now() - started}ms`);
}

function isStreaming(result: APIGatewayProxyResultV2 | StreamingHttpResult): result is StreamingHttpResult {
  return typeof result === 'object' && result !== null && typeof (result as Partial<StreamingHttpResult>).stream === 'function';
}

/**
 * Writes a streamed answer as it is produced, each chunk as soon as it comes (no
 * content-length: chunked). The client closing the connection aborts the producer's signal.
 */
async function streamResponse(res: ServerResponse, result: StreamingHttpResult, requestId: string, log: (line: string) => void): Promise<void> {
  const closed = new AbortController();
  res.on('close', () => closed.abort());
  res.writeHead(result.statusCode, { ...result.headers, 'apigw-requestid': requestId });
  res.flushHeaders();
  const write = (chunk: string) =>
    new Promise<void>((resolve) => {
      if (closed.signal.aborted || res.writableEnded) return resolve();
      if (res.write(chunk)) return resolve();
      // Wait for the client to take what is buffered, or to go away.
      const done = () => {
        res.off('drain', done);
        closed.signal.removeEventListener('abort', done);
        resolve();
      };
      res.once('drain', done);
      closed.signal.addEventListener('abort', done, { once: true });
    });
  try {
    await result.stream(write, closed.signal);
  } catch (error) {
    log(`stream failed: ${String(error)}`);
  }
  if (!res.writableEnded) res.end();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
