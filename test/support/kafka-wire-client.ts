import { connect, type Socket } from 'node:net';
import type { KafkaApi } from '../../lib/kafka/messages/api';
import { decodeResponseFrame, encodeRequestFrame } from '../../lib/kafka/messages/frames';

/**
 * A bare Kafka connection for tests: writes frames (or any bytes), reads response
 * frames in order, and tells when the server closed the connection.
 */
export class RawKafkaConnection {
  private buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiting: (() => void) | undefined;
  private correlationId = 0;
  /** Resolves when the socket has closed (either side). */
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= 4 + this.buffer.readInt32BE(0)) {
        const size = this.buffer.readInt32BE(0);
        this.frames.push(this.buffer.subarray(4, 4 + size));
        this.buffer = this.buffer.subarray(4 + size);
      }
      this.waiting?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.waiting?.();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawKafkaConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new RawKafkaConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  send<Request>(api: KafkaApi<Request, unknown>, version: number, request: Request, clientId: string | null = 'test'): number {
    const correlationId = ++this.correlationId;
    this.write(encodeRequestFrame(api, { apiVersion: version, correlationId, clientId }, request));
    return correlationId;
  }

  /** The next response frame (after its size); rejects if the connection closes first or none comes in time. */
  async nextFrame(timeoutMs = 5_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.isClosed) throw new Error('the connection closed before a response');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no response in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = undefined;
    }
    return this.frames.shift()!;
  }

  async request<Request, Response>(api: KafkaApi<Request, Response>, version: number, request: Request, readVersion = version): Promise<{ correlationId: number; body: Response }> {
    const sent = this.send(api, version, request);
    const answer = decodeResponseFrame(api, readVersion, await this.nextFrame());
    if (answer.correlationId !== sent) throw new Error(`correlation id ${answer.correlationId}, expected ${sent}`);
    return answer;
  }

  /** Whether the server closes the connection within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
  }

  close(): void {
    this.socket.destroy();
  }
}
