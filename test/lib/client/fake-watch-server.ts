/**
 * A fake of the tail-wait (watch) WebSocket endpoint (lib/protocol/watch.ts) for the
 * client's tests: it keeps every connection and every message a client sent, answers
 * `ping` with `pong`, `watch` with `armed` and `check` with `checked` (unless told it
 * predates `check`), and lets a test send `ready` or
 * `watch-error`, drop connections, or refuse new ones.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeConnection {
  socket: WebSocket;
  /** The query string the client connected with (token, SigV4). */
  query: URLSearchParams;
  /** Every message the client sent on this connection, parsed. */
  messages: any[];
}

export class FakeWatchServer {
  readonly connections: FakeConnection[] = [];
  /** Refuse this many next connection attempts (401 on the upgrade). */
  refuse = 0;
  /** Answer `check` as a server from before it did: a watch-error INVALID_REQUEST naming `action`. */
  checkUnknown = false;
  /** Answer `bind` with this refusal (the error body) instead of `bound`. */
  refuseBind: { code: string; message: string; retriable: boolean; field?: string } | undefined;
  /** The generation a `bound` answer names. */
  generation = 0;
  /** Connection attempts refused so far. */
  refused = 0;
  private server!: WebSocketServer;
  url = '';

  async start(): Promise<this> {
    this.server = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      verifyClient: (_info, done) => {
        if (this.refuse > 0) {
          this.refuse--;
          this.refused++;
          return done(false, 401);
        }
        done(true);
      },
    });
    await new Promise<void>((resolve) => this.server.once('listening', () => resolve()));
    this.server.on('connection', (socket, request) => {
      const connection: FakeConnection = { socket, query: new URL(request.url ?? '/', 'ws://fake').searchParams, messages: [] };
      this.connections.push(connection);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        connection.messages.push(message);
        if (message.action === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
        if (message.action === 'watch') socket.send(JSON.stringify({ type: 'armed', partitions: message.partitions }));
        if (message.action === 'bind') {
          const { group, memberId } = message;
          const answer = this.refuseBind ? { type: 'watch-error', group, memberId, error: this.refuseBind } : { type: 'bound', group, memberId, generation: this.generation };
          socket.send(JSON.stringify(answer));
        }
        if (message.action === 'check') {
          const answer = this.checkUnknown
            ? { type: 'watch-error', error: { code: 'INVALID_REQUEST', message: 'action: must be "watch" or "ping"', retriable: false, field: 'action' } }
            : { type: 'checked', waiting: message.partitions.length };
          socket.send(JSON.stringify(answer));
        }
      });
    });
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/watch`;
    return this;
  }

  /** The connection opened last. */
  get last(): FakeConnection {
    const c = this.connections.at(-1);
    if (!c) throw new Error('no connection yet');
    return c;
  }

  /** Every `watch` (or `action`) message on a connection, flattened to `topic/partition@offset`. */
  watched(connection: FakeConnection | undefined = this.connections.at(-1), action = 'watch'): string[] {
    if (!connection) return [];
    return connection.messages.filter((m) => m.action === action).flatMap((m) => m.partitions.map((p: { topic: string; partition: number; offset: number }) => `${p.topic}/${p.partition}@${p.offset}`));
  }

  send(message: unknown, connection: FakeConnection = this.last): void {
    connection.socket.send(JSON.stringify(message));
  }

  ready(topic: string, partition: number, highWatermark: number, connection?: FakeConnection): void {
    this.send({ type: 'ready', topic, partition, highWatermark }, connection);
  }

  /** Closes a connection from the server's side (as API Gateway does after 2 hours). */
  drop(connection: FakeConnection = this.last): void {
    connection.socket.close(1001, 'going away');
  }

  close(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
