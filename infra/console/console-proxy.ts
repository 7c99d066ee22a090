import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RequestSigner } from '../../lib/client/sluice-http-client';
import { ERROR_CODES, type ErrorCode } from '../../lib/protocol/error-codes';
import type { ConsoleAssets } from './build-console';
import { CONSOLE_PATH, serveConsole } from './serve-console';

/**
 * The server of `sluice console`: the web console and, beside it, a proxy that sends every
 * `/v1/*` call on to a Sluice API with the user's credentials, as `kubectl proxy` does.
 * The browser never holds an AWS credential: the proxy signs each call with SigV4 (or adds
 * a bearer token), so the console works against a deployed stack whose API takes IAM.
 *
 * It listens on loopback only, and since any page the user visits could send requests to
 * 127.0.0.1, it answers only requests addressed to itself (the Host header, against DNS
 * rebinding) from its own pages (Origin and Sec-Fetch-Site, against cross-site requests).
 */

export type ProxyAuth =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'iam'; signer: RequestSigner };

export interface ConsoleProxyOptions {
  /** The API's base URL (the stack's `ApiUrl` output, or a local platform's). */
  upstream: string;
  /** The loopback port; 0 picks a free one. */
  port: number;
  auth: ProxyAuth;
  /** The console's files, asked for on the first request for one. */
  assets: () => Promise<ConsoleAssets>;
  /** Where a failed upstream call is reported. */
  log?: (line: string) => void;
}

export interface ConsoleProxy {
  /** The proxy's origin, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Where to point the browser: `<url>/console/`. */
  readonly consoleUrl: string;
  readonly port: number;
  readonly server: Server;
  /** Stops listening and ends open connections (live reads included). */
  close(): Promise<void>;
}

/** Why the proxy could not start; `code` is stable. */
export class ConsoleProxyError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: 'PORT_IN_USE' | 'NO_CREDENTIALS',
    message: string,
  ) {
    super(message);
  }
}

/** The host the proxy listens on: loopback only, never reachable from the network. */
export const PROXY_HOST = '127.0.0.1';
/** Above the API's 5 MiB body limit, so the API is the one that refuses an oversized body; past this the proxy does not buffer it. */
export const PROXY_BODY_MAX_BYTES = 8 * 1024 * 1024;

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1): never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** The browser's own headers about this page, which the API has no use for and which would only widen what is signed. */
const BROWSER_ONLY = new Set(['host', 'origin', 'referer', 'cookie', 'content-length']);

export async function startConsoleProxy(options: ConsoleProxyOptions): Promise<ConsoleProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') throw new TypeError(`the API URL must be http or https, not ${options.upstream}`);
  const log = options.log ?? (() => undefined);
  let port = options.port;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) refuse(res, 'INTERNAL', 'the console proxy failed to handle the request');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const own = ownOrigin(req.headers, port);
    if (!own) return refuse(res, 'FORBIDDEN_HOST', `the console proxy answers only requests addressed to ${PROXY_HOST}:${port} or localhost:${port}`);
    if (!sameOrigin(req.headers, own)) return refuse(res, 'FORBIDDEN_ORIGIN', 'the console proxy answers only its own pages, not requests from another site');
    const path = req.url ?? '/';
    if (path === '/v1' || path.startsWith('/v1/') || path.startsWith('/v1?')) return forward(req, res);
    if (await serveConsole(req, res, options.assets)) return;
    refuse(res, 'ROUTE_NOT_FOUND', `the console proxy serves ${CONSOLE_PATH} and passes /v1/ on to the API`);
  }

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === 'too-large') return refuse(res, 'PAYLOAD_TOO_LARGE', `the console proxy passes on bodies of at most ${PROXY_BODY_MAX_BYTES} bytes`);
    // The API's path under the base URL's own path (an API Gateway stage, if any).
    const target = new URL(`${upstream.pathname.replace(/\/+$/, '')}${req.url}`, upstream);
    const method = req.method ?? 'GET';
    let headers = forwardedHeaders(req.headers, options.auth.kind !== 'none');
    if (body.byteLength > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method)) headers['content-length'] = String(body.byteLength);
    if (options.auth.kind === 'token') headers.authorization = `Bearer ${options.auth.token}`;
    else if (options.auth.kind === 'iam') headers = await options.auth.signer({ method, url: target.toString(), headers, body: body.byteLength > 0 ? body : undefined });
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(target, { method, headers });
    // The browser leaving (a live view closed) ends the upstream call too.
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    outgoing.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answerHeaders(answer.headers));
      // Streamed as it comes, chunk by chunk: a live read's events are not held back.
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    outgoing.on('error', (error) => {
      if (res.headersSent) return void res.destroy();
      log(`${method} ${target.toString()}: ${error.message}`);
      refuse(res, 'UPSTREAM_UNREACHABLE', `could not reach the Sluice API at ${upstream.origin}: ${error.message}`);
    });
    outgoing.end(body);
  }

  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      fail(error.code === 'EADDRINUSE' ? new ConsoleProxyError('PORT_IN_USE', `port ${options.port} on ${PROXY_HOST} is in use: pass another with --port (0 picks a free one)`) : error);
    });
    server.listen(options.port, PROXY_HOST, () => done());
  });
  port = (server.address() as { port: number }).port;
  const url = `http://${PROXY_HOST}:${port}`;
  return {
    url,
    consoleUrl: `${url}${CONSOLE_PATH}`,
    port,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/**
 * The origin the request was addressed to, if it is this proxy: `Host` must name loopback
 * and this port. A page on another site whose name was rebound to 127.0.0.1 sends its own
 * name here, so it is refused before anything is signed for it.
 */
export function ownOrigin(headers: IncomingHttpHeaders, port: number): string | undefined {
  const host = headers.host?.toLowerCase();
  if (host !== `${PROXY_HOST}:${port}` && host !== `localhost:${port}`) return undefined;
  return `http://${host}`;
}

/**
 * Whether the request comes from the proxy's own pages (or from no page: curl, the address
 * bar). `Origin` is sent on every cross-origin fetch and every POST; `Sec-Fetch-Site` also on
 * the GETs an image or script tag on another site would make, which carry no Origin.
 */
export function sameOrigin(headers: IncomingHttpHeaders, own: string): boolean {
  const origin = headers.origin;
  if (origin !== undefined && origin !== own) return false;
  const site = headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** The browser's headers as sent on: no hop-by-hop or page headers, and no credentials of its own when the proxy adds them. */
export function forwardedHeaders(headers: IncomingHttpHeaders, proxyAuthenticates: boolean): Record<string, string> {
  const named = new Set((headers.connection ?? '').split(',').map((name) => name.trim().toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || BROWSER_ONLY.has(name) || named.has(name) || name.startsWith('sec-')) continue;
    if (proxyAuthenticates && (name === 'authorization' || name.startsWith('x-amz-'))) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The API's answer headers for the browser: all but the hop-by-hop ones. */
export function answerHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set((typeof headers.connection === 'string' ? headers.connection : '').split(',').map((name) => name.trim().toLowerCase()));
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  return out;
}

/** The request body, whole: a SigV4 signature covers its hash. */
async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > PROXY_BODY_MAX_BYTES) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The proxy's own answers carry codes from the API's one table (lib/protocol/error-codes.ts). */
function refuse(res: ServerResponse, code: ErrorCode, message: string): void {
  const { status, retriable } = ERROR_CODES[code];
  const body = JSON.stringify({ error: { code, message, retriable } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
