/**
 * Client-side meters for waiting consumers: every HTTP call a consumer's client makes
 * (when it started and ended, which function serves it) and every WebSocket connection
 * and message, so a window of waiting can be priced as API Gateway requests, Lambda time
 * held (a long-poll keeps its function running the whole wait) and WebSocket
 * connection-minutes and messages. Calls over loopback take as long as the server holds
 * them, so the time a call is in flight is the time its Lambda would run.
 */

/** One HTTP call or connection: [start, end) in performance.now() milliseconds; `end` unset while open. */
export interface Span {
  start: number;
  end?: number;
  /** The Lambda memory of the function that serves it. */
  memoryMiB: number;
}

/** Milliseconds of `spans` inside [from, to), each weighted by `weight(span)` (1 by default); open spans run to `to`. */
export function heldWithin(spans: readonly Span[], from: number, to: number, weight: (span: Span) => number = () => 1): number {
  let total = 0;
  for (const span of spans) {
    const overlap = Math.min(span.end ?? to, to) - Math.max(span.start, from);
    if (overlap > 0) total += overlap * weight(span);
  }
  return total;
}

/** How many of `times` fall inside [from, to). */
export function countWithin(times: readonly number[], from: number, to: number): number {
  let n = 0;
  for (const t of times) if (t >= from && t < to) n++;
  return n;
}

/** The function that serves an HTTP call, from its method and path (the routes the consumer uses). */
export function functionOfCall(method: string, url: string): string {
  const path = new URL(url, 'http://x').pathname;
  if (method === 'GET' && /\/partitions\/[^/]+\/records$/.test(path)) return 'fetch-records';
  if (method === 'GET' && /\/partitions\/[^/]+\/offsets$/.test(path)) return 'list-offsets';
  if (method === 'GET' && /^\/v1\/topics\/[^/]+\/offsets$/.test(path)) return 'list-topic-offsets';
  if (method === 'POST' && /\/heartbeat$/.test(path)) return 'heartbeat-member';
  if (method === 'POST' && /\/topics\/[^/]+\/records$/.test(path)) return 'produce-records';
  if (method === 'POST' && /\/groups\/[^/]+\/offsets$/.test(path)) return 'commit-offsets';
  if (method === 'POST' && /\/members$/.test(path)) return 'join-group';
  return 'other';
}

export interface WindowFigures {
  seconds: number;
  httpRequests: number;
  /** Lambda GB-seconds the HTTP calls held inside the window. */
  lambdaGbSeconds: number;
  /** Mean HTTP calls in flight (Lambdas running at once). */
  concurrentCalls: number;
  /** HTTP calls started in the window, by serving function. */
  byFunction: Record<string, number>;
  webSocket: { connectionSeconds: number; messagesSent: number; messagesReceived: number; messages: number; invocations: number; lambdaGbSeconds: number };
}

/** Counts the calls and connections of the clients it makes fetch functions and socket factories for. */
export class CallMeter {
  readonly calls: (Span & { fn: string })[] = [];
  readonly connections: Span[] = [];
  readonly sent: number[] = [];
  readonly received: number[] = [];
  /** Milliseconds from a client message to the server's answer: how long the WebSocket route's function ran, near enough. */
  readonly replyMs: number[] = [];

  constructor(
    private readonly memoryOf: (functionName: string) => number,
    /** The function each client message invokes (API Gateway runs one per message received). */
    private readonly messageFunction = 'watch',
  ) {}

  /** A fetch that records each call. */
  fetch(inner: typeof fetch = globalThis.fetch): typeof fetch {
    return async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const method = (init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET')).toUpperCase();
      const fn = functionOfCall(method, url);
      const span = { start: performance.now(), memoryMiB: this.memoryOf(fn), fn } as Span & { fn: string };
      this.calls.push(span);
      try {
        const response = await inner(input, init);
        // The body is the rest of the answer: the call ends when it has been read.
        const body = await response.arrayBuffer();
        return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      } finally {
        span.end = performance.now();
      }
    };
  }

  /** Wraps a socket factory (the client's `webSocket` option) so connections and messages are counted. */
  socketFactory<S extends MeterableSocket>(open: (url: string) => S): (url: string) => S {
    return (url) => {
      const socket = open(url);
      const span: Span = { start: performance.now(), memoryMiB: 0 };
      this.connections.push(span);
      const pending: number[] = [];
      const send = socket.send.bind(socket);
      socket.send = (data: string) => {
        const now = performance.now();
        this.sent.push(now);
        pending.push(now);
        send(data);
      };
      wrapHandler(socket, 'onmessage', () => {
        const now = performance.now();
        this.received.push(now);
        const asked = pending.shift();
        if (asked !== undefined) this.replyMs.push(now - asked);
      });
      wrapHandler(socket, 'onclose', () => {
        span.end ??= performance.now();
      });
      return socket;
    };
  }

  /** What happened inside [from, to). */
  window(from: number, to: number): WindowFigures {
    const seconds = (to - from) / 1000;
    const byFunction: Record<string, number> = {};
    for (const call of this.calls) if (call.start >= from && call.start < to) byFunction[call.fn] = (byFunction[call.fn] ?? 0) + 1;
    const messagesSent = countWithin(this.sent, from, to);
    const messagesReceived = countWithin(this.received, from, to);
    const replyMs = this.replyMs.length ? this.replyMs.reduce((a, b) => a + b, 0) / this.replyMs.length : 0;
    const messageGb = this.memoryOf(this.messageFunction) / 1024;
    return {
      seconds,
      httpRequests: countWithin(this.calls.map((c) => c.start), from, to),
      lambdaGbSeconds: heldWithin(this.calls, from, to, (s) => s.memoryMiB / 1024) / 1000,
      concurrentCalls: seconds > 0 ? heldWithin(this.calls, from, to) / 1000 / seconds : 0,
      byFunction,
      webSocket: {
        connectionSeconds: heldWithin(this.connections, from, to) / 1000,
        messagesSent,
        messagesReceived,
        messages: messagesSent + messagesReceived,
        invocations: messagesSent,
        lambdaGbSeconds: (messagesSent * replyMs * messageGb) / 1000,
      },
    };
  }
}

/** The part of a WebSocket the meter touches: `send`, and the `on…` handler properties the watcher sets after opening it. */
export interface MeterableSocket {
  send(data: string): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
}

/**
 * Makes `socket[name]` call `before` first, whatever handler the owner assigns: a real
 * socket's own setter gets the wrapped handler; a plain object (a test's fake) answers it
 * from the getter, so calling `socket.onmessage(event)` counts too.
 */
function wrapHandler(socket: MeterableSocket, name: 'onmessage' | 'onclose', before: () => void): void {
  const descriptor = findDescriptor(socket, name);
  let wrapped: ((event: never) => void) | null = null;
  Object.defineProperty(socket, name, {
    configurable: true,
    get: () => wrapped,
    set: (fn: ((event: never) => void) | null) => {
      wrapped = fn && ((event: never) => {
        before();
        fn(event);
      });
      descriptor?.set?.call(socket, wrapped);
    },
  });
}

function findDescriptor(object: object, name: string): PropertyDescriptor | undefined {
  for (let o: object | null = object; o; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, name);
    if (d) return d;
  }
  return undefined;
}
