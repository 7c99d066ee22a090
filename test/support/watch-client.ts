/**
 * A minimal client of the watch protocol (lib/protocol/watch.ts) for tests: Node 22's
 * global WebSocket, every message kept in arrival order, and `next()` to take the first
 * not yet taken that matches.
 */
export class TestWatchClient {
  readonly received: any[] = [];
  private taken = new Set<number>();
  private waiters: { match: (message: any) => boolean; resolve: (message: any) => void }[] = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data));
      this.received.push(message);
      this.settle();
    });
    this.closed = new Promise((resolve) => socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
  }

  /** Connects; rejects when the server refuses the connect. */
  static open(url: string): Promise<TestWatchClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const client = new TestWatchClient(socket);
      socket.addEventListener('open', () => resolve(client), { once: true });
      socket.addEventListener('error', () => reject(new Error(`could not connect to ${url}`)), { once: true });
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message not taken before that matches `match` (waits for it). */
  next(match: (message: any) => boolean = () => true): Promise<any> {
    return new Promise((resolve) => {
      this.waiters.push({ match, resolve });
      this.settle();
    });
  }

  /** Sends a watch and answers the messages up to and including its `armed` (or its one `watch-error` for the whole message). */
  async watch(partitions: unknown): Promise<any[]> {
    const from = this.received.length;
    this.send({ action: 'watch', partitions });
    await this.next((m) => m.type === 'armed' || (m.type === 'watch-error' && m.topic === undefined));
    return this.received.slice(from);
  }

  close(): void {
    this.socket.close();
  }

  private settle(): void {
    for (const waiter of [...this.waiters]) {
      const index = this.received.findIndex((message, i) => !this.taken.has(i) && waiter.match(message));
      if (index < 0) continue;
      this.taken.add(index);
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(this.received[index]);
    }
  }
}
