import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context } from 'aws-lambda';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { authConfigFromEnv } from '../../lib/auth/auth-config';
import { ANONYMOUS, bearerTokenPrincipal } from '../../lib/auth/principal';
import { lambdaContext } from './lambda-context';

/**
 * API Gateway's WebSocket API, emulated for `npm start` and the tests: connections at
 * `WATCH_PATH` on the HTTP API's port, each with an id; messages routed by their
 * `action` (the route selection expression `$request.body.action`) to the same handler
 * modules Lambda runs, with API Gateway's event shapes; the `ping` route answered
 * without a function, as the deployed MOCK integration does; and the management API
 * (`POST|GET|DELETE /@connections/{id}`, 410 for a closed connection) on the same port,
 * so handlers post through the real SDK client. When a connection ends, however it ends
 * (the client closes it, the idle timeout or the maximum duration, a management API
 * DELETE, a socket error), its `$disconnect` route runs once, after the connection is
 * gone (a post to it is 410 by then), as API Gateway does; not when the platform stops.
 *
 * What API Gateway enforces is enforced here: messages of at most 32 KB (close 1009),
 * an idle timeout (10 minutes of no message from the client) and a maximum connection
 * duration (2 hours), both configurable so tests need not wait.
 *
 * Authentication stands in for the deployed IAM authorizer on `$connect`: with
 * `SLUICE_AUTH_MODE=token` the connect request must carry a known bearer token
 * (`?token=` or `authorization: Bearer`, as a browser WebSocket cannot set headers), and
 * every event of the connection carries its principal as `authorizer.principalId`.
 */
export const WATCH_PATH = '/v1/watch';

/** API Gateway's WebSocket frame size (its message limit is 128 KB in 32 KB frames; clients send one frame). */
export const WATCH_MESSAGE_MAX_BYTES = 32 * 1024;
export const WATCH_IDLE_TIMEOUT_MS = 10 * 60 * 1000;
export const WATCH_MAX_CONNECTION_MS = 2 * 60 * 60 * 1000;
/** API Gateway's limit on a message posted to a connection. */
const POST_MAX_BYTES = 128 * 1024;

export type WebSocketHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface WebSocketTarget {
  functionName: string;
  timeoutSeconds: number;
  handler: WebSocketHandler;
}

export interface LocalWatchApiOptions {
  /** By route key: `$connect`, `$disconnect`, `watch`, `$default`. `ping` needs none. */
  routes: ReadonlyMap<string, WebSocketTarget>;
  idleTimeoutMs?: number;
  maxConnectionMs?: number;
  log?: (line: string) => void;
}

interface Connection {
  id: string;
  socket: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  principal: string | undefined;
  idleTimer: NodeJS.Timeout;
  lifeTimer: NodeJS.Timeout;
}

const CONNECTIONS_PATH = /^\/@connections\/([^/?]+)$/;

export class LocalWatchApi {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: WATCH_MESSAGE_MAX_BYTES });
  private readonly connections = new Map<string, Connection>();
  private readonly idleTimeoutMs: number;
  private readonly maxConnectionMs: number;
  private readonly log: (line: string) => void;
  /** The platform is stopping: connections closed now run no `$disconnect`. */
  private stopping = false;
  /** `$disconnect` invocations still running (tests wait for them: `disconnected()`). */
  private readonly disconnecting = new Set<Promise<unknown>>();

  constructor(private readonly options: LocalWatchApiOptions) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? WATCH_IDLE_TIMEOUT_MS;
    this.maxConnectionMs = options.maxConnectionMs ?? WATCH_MAX_CONNECTION_MS;
    this.log = options.log ?? (() => undefined);
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Whether the connection is open (as API Gateway sees it: not yet closed by either side). */
  isOpen(connectionId: string): boolean {
    return this.connections.has(connectionId);
  }

  /** The HTTP server's `upgrade` event: a WebSocket connect at `WATCH_PATH`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.connect(req, socket, head).catch((error: unknown) => {
      this.log(`watch connect failed: ${String(error)}`);
      refuse(socket, 500);
    });
  }

  /** Serves the management API; false when `req` is not for it. */
  handleManagement(req: IncomingMessage, res: ServerResponse): boolean {
    const match = CONNECTIONS_PATH.exec((req.url ?? '').split('?')[0] ?? '');
    if (!match) return false;
    const id = decodeURIComponent(match[1]!);
    this.manage(req, res, id).catch((error: unknown) => {
      this.log(`management API failed: ${String(error)}`);
      if (!res.headersSent) sendError(res, 500, 'InternalServerErrorException');
    });
    return true;
  }

  /** Resolves once every `$disconnect` invocation started so far has finished. */
  async disconnected(): Promise<void> {
    while (this.disconnecting.size > 0) await Promise.allSettled([...this.disconnecting]);
  }

  /** Closes every connection (1001, going away). */
  close(): void {
    this.stopping = true;
    for (const connection of this.connections.values()) this.drop(connection, 1001, 'Going away');
    this.server.close();
  }

  private async connect(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WATCH_PATH) return refuse(socket, 404);
    const config = authConfigFromEnv();
    let principal: string | undefined;
    if (config.mode === 'token') {
      const header = req.headers.authorization;
      const token = url.searchParams.get('token') ?? (header ? /^Bearer\s+(.+)$/i.exec(header)?.[1] : undefined);
      principal = token ? bearerTokenPrincipal(token, config) : undefined;
      // API Gateway refuses an unauthenticated connect before any function runs.
      if (!principal) return refuse(socket, 401);
    } else if (config.mode === 'none') {
      principal = ANONYMOUS;
    }
    const id = randomBytes(12).toString('base64');
    const now = Date.now();
    const connection = {
      id,
      connectedAt: now,
      lastActiveAt: now,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: String(req.headers['user-agent'] ?? ''),
      principal,
    };
    const connectTarget = this.options.routes.get('$connect');
    if (connectTarget) {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]));
      const event = this.event(connection, '$connect', 'CONNECT', { headers, queryStringParameters: Object.fromEntries(url.searchParams) });
      const result = (await this.invoke(connectTarget, event)) as { statusCode?: number } | undefined;
      const status = result?.statusCode ?? 200;
      if (status < 200 || status > 299) return refuse(socket, status);
    }
    this.server.handleUpgrade(req, socket, head, (ws) => this.open(ws, connection));
  }

  private open(socket: WebSocket, fields: Omit<Connection, 'socket' | 'idleTimer' | 'lifeTimer'>): void {
    const connection: Connection = {
      ...fields,
      socket,
      idleTimer: setTimeout(() => this.drop(connection, 1001, 'Going away'), this.idleTimeoutMs).unref(),
      lifeTimer: setTimeout(() => this.drop(connection, 1001, 'Going away'), this.maxConnectionMs).unref(),
    };
    this.connections.set(connection.id, connection);
    socket.on('message', (data: RawData, isBinary: boolean) => this.receive(connection, data, isBinary));
    socket.on('close', () => this.forget(connection));
    socket.on('error', () => this.forget(connection));
  }

  private receive(connection: Connection, data: RawData, isBinary: boolean): void {
    connection.lastActiveAt = Date.now();
    connection.idleTimer.refresh();
    const body = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const text = body.toString('utf8');
    const routeKey = this.routeOf(text);
    // The deployed `ping` route is a MOCK integration with a route response: no function runs.
    if (routeKey === 'ping') return this.send(connection, JSON.stringify({ type: 'pong' }));
    const target = this.options.routes.get(routeKey);
    if (!target) {
      // API Gateway's answer to a message no route (and no $default) takes.
      return this.send(connection, JSON.stringify({ message: 'Forbidden', connectionId: connection.id, requestId: randomUUID() }));
    }
    const event = this.event(connection, routeKey, 'MESSAGE', {
      body: isBinary ? body.toString('base64') : text,
      isBase64Encoded: isBinary,
    });
    this.invoke(target, event).catch((error: unknown) => {
      // A failed integration: API Gateway tells the client, in its own shape.
      this.log(`${target.functionName} threw: ${String(error)}`);
      this.send(connection, JSON.stringify({ message: 'Internal server error', connectionId: connection.id, requestId: randomUUID() }));
    });
  }

  /** `$request.body.action` when it names a route (or `ping`), else `$default`. */
  private routeOf(text: string): string {
    try {
      const action = (JSON.parse(text) as { action?: unknown } | null)?.action;
      if (typeof action === 'string' && (action === 'ping' || (action !== '$connect' && action !== '$default' && this.options.routes.has(action)))) return action;
    } catch {
      // Not JSON: no action to select by.
    }
    return '$default';
  }

  private event(
    connection: Pick<Connection, 'id' | 'connectedAt' | 'sourceIp' | 'userAgent' | 'principal'>,
    routeKey: string,
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
    extra: Record<string, unknown>,
  ): Record<string, unknown> {
    const requestId = randomUUID();
    const now = Date.now();
    return {
      requestContext: {
        routeKey,
        eventType,
        messageDirection: 'IN',
        ...(eventType === 'MESSAGE' ? { messageId: randomUUID() } : {}),
        connectionId: connection.id,
        connectedAt: connection.connectedAt,
        requestId,
        extendedRequestId: requestId,
        requestTimeEpoch: now,
        domainName: 'localhost',
        stage: 'local',
        apiId: 'local',
        identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
        ...(connection.principal === undefined ? {} : { authorizer: { principalId: connection.principal } }),
      },
      isBase64Encoded: false,
      ...extra,
    };
  }

  private async invoke(target: WebSocketTarget, event: Record<string, unknown>): Promise<unknown> {
    const requestId = (event.requestContext as { requestId: string }).requestId;
    return target.handler(event, lambdaContext(target.functionName, target.timeoutSeconds, requestId));
  }

  private async manage(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const connection = this.connections.get(id);
    if (!connection || connection.socket.readyState !== WebSocket.OPEN) return sendError(res, 410, 'GoneException');
    switch (req.method) {
      case 'POST': {
        const data = Buffer.concat(chunks);
        if (data.byteLength > POST_MAX_BYTES) return sendError(res, 413, 'PayloadTooLargeException');
        this.send(connection, data.toString('utf8'));
        res.writeHead(200, { 'content-length': 0 });
        res.end();
        return;
      }
      case 'GET': {
        // The management API's JSON names (GetConnection's output).
        const body = JSON.stringify({
          connectedAt: new Date(connection.connectedAt).toISOString(),
          lastActiveAt: new Date(connection.lastActiveAt).toISOString(),
          identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent },
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case 'DELETE':
        this.drop(connection, 1000, 'Connection closed by the server');
        res.writeHead(204);
        res.end();
        return;
      default:
        return sendError(res, 405, 'MethodNotAllowedException');
    }
  }

  private send(connection: Connection, text: string): void {
    if (connection.socket.readyState === WebSocket.OPEN) connection.socket.send(text);
  }

  private drop(connection: Connection, code: number, reason: string): void {
    this.forget(connection);
    if (connection.socket.readyState === WebSocket.OPEN || connection.socket.readyState === WebSocket.CONNECTING) connection.socket.close(code, reason);
  }

  private forget(connection: Connection): void {
    clearTimeout(connection.idleTimer);
    clearTimeout(connection.lifeTimer);
    // Once per connection: a drop is followed by the socket's own close event.
    if (!this.connections.delete(connection.id)) return;
    const target = this.options.routes.get('$disconnect');
    if (!target || this.stopping) return;
    const invocation = this.invoke(target, this.event(connection, '$disconnect', 'DISCONNECT', {})).catch((error: unknown) => {
      // API Gateway ignores what $disconnect answers, failures included.
      this.log(`${target.functionName} threw: ${String(error)}`);
    });
    this.disconnecting.add(invocation);
    void invocation.finally(() => this.disconnecting.delete(invocation));
  }
}

/** Answers a connect that is not accepted with a plain HTTP status, as API Gateway does. */
function refuse(socket: Duplex, status: number): void {
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

/** A management API error as the SDK reads it: the error type in `x-amzn-errortype`. */
function sendError(res: ServerResponse, status: number, type: string): void {
  const body = JSON.stringify({ message: type });
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
