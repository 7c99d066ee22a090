import { ERROR_CODES, isErrorCode } from '../protocol/error-codes';
import type { WatchedPartition, WatchServerMessage } from '../protocol/watch';
import { type Backoff, retryDelay } from './retry';
import { SluiceApiError } from './sluice-http-client';

/**
 * One consumer's wait at the tail (lib/protocol/watch.ts): ONE WebSocket connection,
 * on which it arms a one-shot watch for every partition it has read to the end. The
 * server answers `ready` once a partition's high watermark passes the armed offset,
 * and the consumer then fetches that partition over HTTP as usual. Nothing runs on
 * the server while the connection is idle, unlike one HTTP long-poll per partition.
 *
 * No notification can be lost for good, because every way one can go missing ends in
 * the server reading the partition's head against the offset the client waits at (an
 * offset already below the high watermark is answered `ready` at once):
 * - the connection drops (API Gateway closes it after 2 h, or the network fails): the
 *   watcher reconnects and re-arms everything it still waits for;
 * - the server misses or loses one while the connection stays up (its notifier is
 *   at least once, so this takes a fault it does not expect): every
 *   `CHECK_EVERY_KEEPALIVES`th keepalive (63 minutes) is a `check` of every armed watch
 *   instead of a bare ping, so a lost `ready` delays a partition by that much at most.
 *   A check writes nothing (the server reads the heads, eventually consistent), so its
 *   cost is half a read unit per partition; a re-arm would rewrite the watches and read
 *   every head strongly, which the watches, armed for longer than the connection lives,
 *   never need.
 * A duplicated or stale `ready` costs one fetch that finds nothing, then a re-arm.
 * A server from before `check` refuses it (INVALID_REQUEST naming `action`): the watcher
 * then re-arms instead, on that connection and the next ones.
 *
 * A group member may also bind its membership to the connection (`bind`): the watcher
 * sends `bind` on every connection it opens while a binding is set, reports `bound`,
 * the server's `rebalance` notices and a refused bind, and reports the binding lost
 * whenever the connection ends (the member heartbeats over HTTP until it is bound again).
 *
 * Uses only the WebSocket API (browsers, Node 22+, Deno, Bun; or a factory given):
 * no Node modules.
 */

/** lib/protocol/watch.ts's `WATCH_KEEPALIVE_MS` (kept here so the client bundle carries no schema code; a test checks they agree). */
export const KEEPALIVE_MS = 9 * 60 * 1000;
/** lib/protocol/watch.ts's `WATCH_CHECK_EVERY_KEEPALIVES`: every this many keepalives, the keepalive is a check of every armed watch (the bound on a lost notice), not a ping. */
export const CHECK_EVERY_KEEPALIVES = 7;
/** lib/protocol/watch.ts's `WATCH_PARTITIONS_MAX`. */
export const PARTITIONS_PER_MESSAGE = 256;
/** Connection attempts in a row that never open before the consumer stops counting on the watch (and long-polls) until one does. */
export const CONNECT_FAILURES_TOLERATED = 3;
/** An attempt that has not opened by then counts as failed (a black-holed endpoint would otherwise hang for the OS's TCP timeout). */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Between connection attempts: jittered, so consumers that lost the endpoint together do not come back together. */
const RECONNECT_BACKOFF: Backoff = { baseMs: 500, maxMs: 30_000, jitter: true };

/** The part of the WebSocket API the watcher uses (the global `WebSocket` and the `ws` package both have it). */
export interface WatchSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens a WebSocket to `url`; `new WebSocket(url)` by default. */
export type WatchSocketFactory = (url: string) => WatchSocket;

/** Timers, replaceable in tests. */
export interface WatchTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface TailWatcherOptions {
  /** The URL to connect to, signed or carrying the token; asked again for every connection (a presigned URL expires). */
  connectUrl(): Promise<string>;
  socket?: WatchSocketFactory;
  timers?: WatchTimers;
  /** For the reconnect jitter; `Math.random` by default. */
  random?: () => number;
  keepaliveMs?: number;
  /** Check everything armed every this many keepalives; `CHECK_EVERY_KEEPALIVES` by default. */
  checkEveryKeepalives?: number;
  /** A partition's high watermark passed its armed offset (or a stale or repeated notice: fetching finds out). */
  onReady(topic: string, partition: number, highWatermark: number): void;
  /** The server refused to watch a partition; its watch is gone. */
  onRefused(topic: string, partition: number, error: SluiceApiError): void;
  /**
   * false: the connection could not be opened `CONNECT_FAILURES_TOLERATED` times in a row, or
   * the server refused watching altogether; every watch was dropped, and the consumer should
   * long-poll. true: a connection is open again (arm again at the tail).
   */
  onAvailability(available: boolean): void;
  /** The server bound the member to this connection; `generation` is the group's as of the bind. */
  onBound?(group: string, memberId: string, generation: number): void;
  /** The member's binding is gone: its connection ended (or could not be opened); it is sent again on the next one. */
  onUnbound?(): void;
  /** The server refused the bind (its error); a retriable refusal is retried on this connection after a backoff. */
  onBindRefused?(error: SluiceApiError): void;
  /** The group coordinator wrote `generation` (a bound member heartbeats to learn its assignment). */
  onRebalance?(group: string, generation: number): void;
  note?(message: string): void;
}

const key = (topic: string, partition: number): string => `${topic}#${partition}`;

/** The global `WebSocket`, when this runtime has one. */
export function globalSocketFactory(): WatchSocketFactory | undefined {
  const WebSocketClass = (globalThis as { WebSocket?: new (url: string) => WatchSocket }).WebSocket;
  return WebSocketClass && ((url) => new WebSocketClass(url));
}

export class TailWatcher {
  private readonly options: TailWatcherOptions;
  private readonly timers: WatchTimers;
  private readonly socketFactory: WatchSocketFactory;
  /** What the consumer waits for, by `topic#partition`: sent on every (re)connection and every keepalive. */
  private readonly armed = new Map<string, WatchedPartition>();
  private socket: WatchSocket | undefined;
  private open = false;
  private connecting = false;
  private closed = false;
  /** Connection attempts in a row that never opened. */
  private failures = 0;
  private reconnectTimer: unknown;
  private keepaliveTimer: unknown;
  /** Keepalives sent on this connection. */
  private keepalives = 0;
  /** The server refused a `check` as an unknown action (it predates it): re-arm instead. */
  private checkUnsupported = false;
  /** Whether the consumer may count on the watch; the first connection is assumed to open. */
  private availableNow = true;
  /** The member bound on every connection, when set (`bind`). */
  private binding: { group: string; memberId: string } | undefined;
  /** The binding the server confirmed on the current connection. */
  private boundNow = false;
  /** Checks sent on this connection and not answered yet (a refusal naming `action` is theirs, not a bind's). */
  private checksUnanswered = 0;
  /** Connections opened so far (for notes and tests). */
  connections = 0;

  constructor(options: TailWatcherOptions) {
    this.options = options;
    this.timers = options.timers ?? { setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) };
    const factory = options.socket ?? globalSocketFactory();
    if (!factory) throw new SluiceApiError(0, 'WEBSOCKET_UNAVAILABLE', 'this runtime has no global WebSocket (Node 22+, browsers): pass a socket factory, or leave out the watch URL to long-poll', false);
    this.socketFactory = factory;
  }

  /** Whether armed watches can be expected to fire (else the consumer long-polls). */
  get available(): boolean {
    return this.availableNow && !this.closed;
  }

  /** Connection attempts in a row that failed to open (or closed before the server answered). */
  get failedAttempts(): number {
    return this.failures;
  }

  /** Whether a connection is open now. */
  get connected(): boolean {
    return this.open;
  }

  /** Arms (or re-arms, replacing the offset) watches; sent at once when connected, else on connecting. */
  arm(targets: readonly WatchedPartition[]): void {
    if (this.closed || targets.length === 0) return;
    for (const t of targets) this.armed.set(key(t.topic, t.partition), { topic: t.topic, partition: t.partition, offset: t.offset });
    if (this.open) this.sendWatches(targets);
    else this.connect();
  }

  /**
   * Binds a group member to the connection: sent at once when connected (else the
   * connection is opened), and again on every connection opened later, until `unbind`.
   * A new member replaces the one bound before.
   */
  bind(group: string, memberId: string): void {
    if (this.closed) return;
    const changed = this.binding?.group !== group || this.binding?.memberId !== memberId;
    this.binding = { group, memberId };
    if (changed) this.boundNow = false;
    if (this.open) this.sendBind();
    else this.connect();
  }

  /** Stops binding (the member left): nothing is sent; the server's binding ends with the connection or the member. */
  unbind(): void {
    this.binding = undefined;
    this.boundNow = false;
  }

  /** Whether the server confirmed the binding on the connection open now. */
  get bound(): boolean {
    return this.boundNow && this.open;
  }

  /** Stops waiting for a partition (revoked): a notice that still comes is passed on, and the consumer ignores it. */
  disarm(topic: string, partition: number): void {
    this.armed.delete(key(topic, partition));
  }

  /**
   * Sends a `check` of every armed watch now (what every `CHECK_EVERY_KEEPALIVES`th
   * keepalive does): the server answers `ready` for those already past their offset.
   * Answers whether anything was sent (a connection is open and something is armed).
   */
  check(): boolean {
    if (!this.open || this.armed.size === 0) return false;
    this.sendChecks([...this.armed.values()]);
    return true;
  }

  /** The watches armed and not yet answered. */
  armedPartitions(): WatchedPartition[] {
    return [...this.armed.values()];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.armed.clear();
    this.binding = undefined;
    this.boundNow = false;
    this.timers.clearTimeout(this.reconnectTimer);
    this.timers.clearTimeout(this.keepaliveTimer);
    const socket = this.socket;
    this.socket = undefined;
    this.open = false;
    if (socket) {
      socket.onclose = socket.onmessage = socket.onerror = socket.onopen = null;
      try {
        socket.close(1000, 'consumer closed');
      } catch {
        // already closing
      }
    }
  }

  // -------------------------------------------------------------------------

  private connect(): void {
    if (this.closed || this.socket || this.connecting || this.reconnectTimer !== undefined) return;
    this.connecting = true;
    void this.options.connectUrl().then(
      (url) => {
        this.connecting = false;
        if (this.closed) return;
        let socket: WatchSocket;
        try {
          socket = this.socketFactory(url);
        } catch (err) {
          this.failed(err instanceof Error ? err.message : String(err));
          return;
        }
        this.socket = socket;
        // A connection counts as working once the server answered on it, not when it opened: one that opens and is
        // closed at once (refused after the upgrade) is retried with backoff, not in a tight loop.
        let heard = false;
        let opened = false;
        const connectTimer = this.timers.setTimeout(() => {
          if (opened) return;
          ended(`not open after ${CONNECT_TIMEOUT_MS} ms`);
          try {
            socket.close();
          } catch {
            // never opened
          }
        }, CONNECT_TIMEOUT_MS);
        const ended = (why: string): void => {
          this.timers.clearTimeout(connectTimer);
          if (this.socket !== socket) return;
          this.socket = undefined;
          this.open = false;
          this.timers.clearTimeout(this.keepaliveTimer);
          this.keepaliveTimer = undefined;
          this.lostBinding();
          // A connection that worked (API Gateway ends them after 2 h): come back at once; the re-arm catches up.
          if (heard) this.scheduleReconnect(0);
          else this.failed(`the connection closed before the server answered on it (${why})`);
        };
        socket.onopen = () => {
          opened = true;
          this.timers.clearTimeout(connectTimer);
          this.opened();
        };
        socket.onmessage = (event) => {
          if (this.socket !== socket) return;
          heard = true;
          this.failures = 0;
          this.received(event.data);
        };
        // Node's WebSocket reports a refused handshake as an error with no close event after it: an error before the
        // connection opened ends the attempt here. After it opened, the close that follows does.
        socket.onerror = () => {
          if (opened) return;
          ended('the connection could not be opened');
          try {
            socket.close();
          } catch {
            // never opened
          }
        };
        socket.onclose = (event) => ended(`code ${event.code ?? 'none'}${event.reason ? `: ${event.reason}` : ''}`);
      },
      (err: unknown) => {
        this.connecting = false;
        this.failed(`could not sign the connection (${err instanceof Error ? err.message : String(err)})`);
      },
    );
  }

  private failed(reason: string): void {
    if (this.closed) return;
    this.failures++;
    if (this.failures === 1) this.options.note?.(`the watch connection failed (${reason}); retrying`);
    if (this.failures >= CONNECT_FAILURES_TOLERATED) this.unavailable(`the watch connection failed ${this.failures} times in a row (${reason}); long-polling until it opens`);
    this.scheduleReconnect(retryDelay({ ...RECONNECT_BACKOFF, ...(this.options.random && { random: this.options.random }) }, this.failures));
  }

  private scheduleReconnect(ms: number): void {
    if (this.closed) return;
    this.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, ms);
  }

  private opened(): void {
    if (this.closed) return;
    this.open = true;
    this.keepalives = 0;
    this.connections++;
    if (this.connections > 1 && this.options.note) this.options.note(`the watch connection is open again; re-arming ${this.armed.size} partition${this.armed.size === 1 ? '' : 's'}`);
    this.checksUnanswered = 0;
    if (this.binding) this.sendBind();
    if (this.armed.size > 0) this.sendWatches([...this.armed.values()]);
    else if (!this.binding) this.send({ action: 'ping' }); // an answer shows the connection works
    this.scheduleKeepalive();
    if (!this.availableNow) {
      this.availableNow = true;
      this.options.onAvailability(true);
    }
  }

  /** Drops every watch and tells the consumer to long-poll; reconnecting goes on in the background. */
  private unavailable(reason: string): void {
    if (!this.availableNow) return;
    this.availableNow = false;
    this.armed.clear();
    this.options.note?.(reason);
    this.options.onAvailability(false);
  }

  private scheduleKeepalive(): void {
    this.timers.clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = this.timers.setTimeout(() => {
      this.keepaliveTimer = undefined;
      if (!this.open) return;
      this.keepalives++;
      // A check keeps the connection open as a ping does, and also bounds the wait after a lost notice.
      const check = this.keepalives % (this.options.checkEveryKeepalives ?? CHECK_EVERY_KEEPALIVES) === 0;
      if (!check || !this.check()) this.send({ action: 'ping' });
      this.scheduleKeepalive();
    }, this.options.keepaliveMs ?? KEEPALIVE_MS);
  }

  private sendBind(): void {
    if (this.binding) this.send({ action: 'bind', group: this.binding.group, memberId: this.binding.memberId });
  }

  /** The connection ended: a confirmed binding is gone with it. */
  private lostBinding(): void {
    if (!this.boundNow) return;
    this.boundNow = false;
    this.options.onUnbound?.();
  }

  private sendWatches(targets: readonly WatchedPartition[]): void {
    for (let i = 0; i < targets.length; i += PARTITIONS_PER_MESSAGE) this.send({ action: 'watch', partitions: targets.slice(i, i + PARTITIONS_PER_MESSAGE) });
  }

  /** A check of `targets` (a re-arm, to a server that does not know `check`). */
  private sendChecks(targets: readonly WatchedPartition[]): void {
    const action = this.checkUnsupported ? 'watch' : 'check';
    if (action === 'check') this.checksUnanswered += Math.ceil(targets.length / PARTITIONS_PER_MESSAGE);
    for (let i = 0; i < targets.length; i += PARTITIONS_PER_MESSAGE) this.send({ action, partitions: targets.slice(i, i + PARTITIONS_PER_MESSAGE) });
  }

  private send(message: unknown): void {
    try {
      this.socket?.send(JSON.stringify(message));
    } catch {
      // The socket is closing; its close event reconnects and re-arms.
    }
  }

  private received(data: unknown): void {
    let message: WatchServerMessage;
    try {
      message = JSON.parse(typeof data === 'string' ? data : String(data)) as WatchServerMessage;
    } catch {
      return; // not a message of the protocol
    }
    switch (message?.type) {
      case 'ready': {
        if (typeof message.topic !== 'string' || !Number.isInteger(message.partition)) return;
        this.armed.delete(key(message.topic, message.partition));
        this.options.onReady(message.topic, message.partition, Number(message.highWatermark));
        return;
      }
      case 'bound': {
        if (!this.binding || message.group !== this.binding.group || message.memberId !== this.binding.memberId) return; // an earlier member's
        this.boundNow = true;
        this.options.onBound?.(message.group, message.memberId, Number(message.generation));
        return;
      }
      case 'rebalance': {
        if (typeof message.group !== 'string' || !Number.isInteger(message.generation)) return;
        this.options.onRebalance?.(message.group, message.generation);
        return;
      }
      case 'checked': {
        this.checksUnanswered = Math.max(0, this.checksUnanswered - 1);
        return;
      }
      case 'watch-error': {
        const { code = 'INTERNAL', message: text = 'watch refused', retriable = false, ...details } = message.error ?? {};
        const error = new SluiceApiError(isErrorCode(code) ? ERROR_CODES[code].status : 0, code, text, retriable === true, details);
        if (this.bindRefusal(message, error)) return;
        if (typeof message.topic === 'string' && Number.isInteger(message.partition)) {
          this.armed.delete(key(message.topic, message.partition!));
          this.options.onRefused(message.topic, message.partition!, error);
        } else if (code === 'INVALID_REQUEST' && details.field === 'action' && !this.checkUnsupported) {
          // Only a check can be refused for its action (the watcher sends no other unknown one): this server predates
          // it. Re-arm now, which checks too, and from now on instead of checking.
          this.checkUnsupported = true;
          this.options.note?.('the watch server does not know `check`; re-arming instead');
          if (this.open) this.sendWatches([...this.armed.values()]);
        } else if (error.retriable) {
          // The whole message was refused for now (a limit, a hiccup): arm it all again a little later.
          this.timers.setTimeout(() => {
            if (this.open) this.sendWatches([...this.armed.values()]);
          }, retryDelay(RECONNECT_BACKOFF, 1));
        } else {
          this.unavailable(`the server refused to watch (${code}: ${text}); long-polling`);
        }
        return;
      }
      default:
        return; // armed, pong
    }
  }

  /**
   * Whether a `watch-error` is the refusal of a bind, and if so takes it: one naming the
   * member, one refusing the form of a bind (`group`, `memberId`), or an unknown action
   * while no check is waiting for its answer (a server from before `bind`). A refused
   * member stays unbound (it heartbeats); a retriable refusal is retried after a backoff.
   */
  private bindRefusal(message: { group?: unknown; memberId?: unknown; topic?: unknown }, error: SluiceApiError): boolean {
    const field = (error.details as { field?: unknown } | undefined)?.field;
    const named = typeof message.group === 'string';
    const ofForm = message.topic === undefined && (field === 'group' || field === 'memberId');
    const unknownAction = message.topic === undefined && error.code === 'INVALID_REQUEST' && field === 'action' && this.checksUnanswered === 0 && this.binding !== undefined && !this.boundNow;
    if (!named && !ofForm && !unknownAction) return false;
    if (named && (message.group !== this.binding?.group || message.memberId !== this.binding?.memberId)) return true; // an earlier member's
    if (!this.binding) return true;
    this.boundNow = false;
    this.options.onBindRefused?.(error);
    if (error.retriable) {
      this.timers.setTimeout(() => {
        if (this.open && this.binding && !this.boundNow) this.sendBind();
      }, retryDelay({ ...RECONNECT_BACKOFF, ...(this.options.random && { random: this.options.random }) }, 1));
    } else {
      // Refused for good (the member is gone, no READ on the group, a server from before `bind`): stop asking until
      // `bind` is called again (a rejoined member binds anew).
      this.binding = undefined;
    }
    return true;
  }
}
